// The projector's own copy of the engine state, advanced with the engine's evolve (the same code
// replay uses), so derived rows never re-implement a domain rule: after each event the mirror
// holds exactly what the engine held after it. Loaded at start from the backend (newest snapshot
// at or before the read model's checkpoint, then replay up to it).
import { DEFAULT_MARKET } from '../engine/market.js';
import { emptyState, evolve, marketStatus, openLimits, formulas, type EventEnvelope, type LendOrder, type State, type TraderOrder } from '../engine/index.js';
import { cloneOrder } from '../engine/orders/record.js';
import { adlTarget, pnlCap, tradersPnl } from '../engine/risk/adl.js';
import { legIndex, liqIndex, openIndex, type IndexName } from '../engine/triggers/books.js';
import { recover } from '../runtime/recover.js';
import type { Backend } from '../store/types.js';
import type { Checkpoint } from './batch.js';

export class CheckpointMismatchError extends Error {}

/** The engine state at `cp` of `market`'s log, checked against the log's hash at that seq. */
export async function loadMirror(backend: Backend, cp: Checkpoint, what: string, market: string = DEFAULT_MARKET): Promise<State> {
  if (cp.seq === 0) return emptyState({ market });
  const head = await backend.lastCommitted();
  if (head.seq < cp.seq) {
    throw new CheckpointMismatchError(`${what} is at seq ${cp.seq} but the event log ends at seq ${head.seq}: it was built from another log (use --rebuild)`);
  }
  // the market's own snapshots (recover refuses another market's)
  const rec = await recover(backend, { toSeq: cp.seq, market });
  if (rec.state.seq !== cp.seq || rec.lastHash !== cp.hash) {
    throw new CheckpointMismatchError(
      `${what} is at seq ${cp.seq} with hash ${cp.hash.slice(0, 12)}…, but the event log has ${rec.lastHash.slice(0, 12)}… there: it was built from another log (use --rebuild)`,
    );
  }
  return rec.state;
}

export function apply(state: State, env: EventEnvelope): void {
  evolve(state, env);
}

/**
 * The trader order an event changed, as it stands right after the event (the mirror must already
 * have applied it); null when the event changes no order. Lifecycle events carry the order;
 * leg placements and USER/ADMIN removals change the live order; SETTLED/LIQUIDATED removals are
 * notices of what closing dropped (docs/decisions.md D5).
 */
export function orderAfter(env: EventEnvelope, state: State): TraderOrder | null {
  switch (env.type) {
    case 'TraderOrderOpened':
    case 'TraderOrderPending':
    case 'TraderOrderFilled':
    case 'TraderOrderCancelled':
    case 'TraderOrderSettled':
    case 'TraderOrderLiquidated':
    case 'TraderOrderFundingApplied':
      return env.data.order;
    case 'CloseLimitPlaced':
    case 'StopLossPlaced':
    case 'TakeProfitPlaced':
      return liveCopy(state, env.data.order_id);
    case 'CloseLimitRemoved':
    case 'StopLossRemoved':
    case 'TakeProfitRemoved':
      return env.data.reason === 'USER' || env.data.reason === 'ADMIN' ? liveCopy(state, env.data.order_id) : null;
    default:
      return null;
  }
}

function liveCopy(state: State, uuid: string): TraderOrder | null {
  const o = state.orders.get(uuid);
  return o === undefined ? null : cloneOrder(o);
}

export function lendAfter(env: EventEnvelope): LendOrder | null {
  return env.type === 'LendOrderCreated' || env.type === 'LendOrderSettled' ? env.data.lend_order : null;
}

export type TradeKind = 'OPEN' | 'FILL' | 'SETTLE' | 'LIQUIDATION';

/** A trade: a position opened or filled at the market, settled, or liquidated. */
export interface Trade {
  seq: number;
  ts: number;
  kind: TradeKind;
  uuid: string;
  account_id: string;
  position_type: string;
  order_type: string;
  price: number;
  positionsize: number;
  entry_value: number;
  leverage: number;
  fee: number;
  payment: number | null;
  close_type: string | null;
  trigger: string | null;
}

export function tradeOf(env: EventEnvelope): Trade | null {
  let kind: TradeKind;
  let price: number;
  let fee: number;
  let payment: number | null = null;
  let closeType: string | null = null;
  let trigger: string | null = null;
  switch (env.type) {
    case 'TraderOrderOpened':
      kind = 'OPEN';
      price = env.data.order.entryprice;
      fee = env.data.order.fee_filled;
      break;
    case 'TraderOrderFilled':
      kind = 'FILL';
      price = env.data.fill_price;
      fee = env.data.order.fee_filled;
      break;
    case 'TraderOrderSettled':
      kind = 'SETTLE';
      price = env.data.order.settlement_price;
      fee = env.data.order.fee_settled;
      payment = env.data.payment;
      closeType = env.data.close_type;
      trigger = env.data.trigger;
      break;
    case 'TraderOrderLiquidated':
      kind = 'LIQUIDATION';
      price = env.data.price;
      fee = 0;
      payment = env.data.payment;
      trigger = env.data.trigger;
      break;
    default:
      return null;
  }
  const o = env.data.order;
  return {
    seq: env.seq,
    ts: env.ts,
    kind,
    uuid: o.uuid,
    account_id: o.account_id,
    position_type: o.position_type,
    order_type: o.order_type,
    price,
    positionsize: o.positionsize,
    entry_value: formulas.entryValue(o.initial_margin, o.leverage),
    leverage: o.leverage,
    fee,
    payment,
    close_type: closeType,
    trigger,
  };
}

/** The trigger-index entries an order holds in the engine's books (SPEC §5.1), from its fields. */
export function bookEntries(o: TraderOrder): [IndexName, number][] {
  if (o.order_status === 'PENDING') return [[openIndex(o.position_type), formulas.indexKey(o.entryprice)]];
  if (o.order_status !== 'FILLED') return [];
  const out: [IndexName, number][] = [];
  const liq = formulas.liquidationKey(o.liquidation_price);
  if (liq !== null) out.push([liqIndex(o.position_type), liq]);
  if (o.close_limit_price !== null) out.push([legIndex('close', o.position_type), formulas.indexKey(o.close_limit_price)]);
  if (o.stop_loss_price !== null) out.push([legIndex('sl', o.position_type), formulas.indexKey(o.stop_loss_price)]);
  if (o.take_profit_price !== null) out.push([legIndex('tp', o.position_type), formulas.indexKey(o.take_profit_price)]);
  return out;
}

/**
 * SPEC §6 stats (GetRiskStats / get_market_stats) plus the PS log, fees and funding rate, and the
 * §15 PnL cap: both factors (0 = off), the cap and target in sats, and each side's Π at P.
 */
export function riskStats(state: State) {
  const r = state.risk;
  const tlv = state.pool === null ? 0 : state.pool.total_locked_value;
  const cap = pnlCap(state.params);
  const target = adlTarget(state.params);
  const p = state.price;
  const oi = r.total_long_btc + r.total_short_btc;
  const limits = openLimits(state);
  const s = marketStatus(state);
  return {
    pool_equity_btc: tlv,
    total_long_btc: r.total_long_btc,
    total_short_btc: r.total_short_btc,
    total_pending_long_btc: r.total_pending_long_btc,
    total_pending_short_btc: r.total_pending_short_btc,
    open_interest_btc: oi,
    net_exposure_btc: r.total_long_btc - r.total_short_btc,
    long_pct: oi === 0 ? 0 : r.total_long_btc / oi,
    short_pct: oi === 0 ? 0 : r.total_short_btc / oi,
    utilization: tlv <= 0 ? 0 : oi / tlv,
    max_long_btc: limits.maxLong,
    max_short_btc: limits.maxShort,
    status: s.status,
    status_reason: s.reason,
    // the §15 factors always shown (0 when never set, D101), so readers see the whole parameter set
    params: { ...state.params, max_pnl_factor: cap, adl_target_factor: target },
    flags: {
      manual_halt: r.manual_halt,
      manual_close_only: r.manual_close_only,
      pause_funding: r.pause_funding,
      pause_price_feed: r.pause_price_feed,
    },
    fees: { ...state.fees },
    long_position_size: state.ps_long,
    short_position_size: state.ps_short,
    funding_rate: state.funding_rate,
    max_pnl_factor: cap,
    adl_target_factor: target,
    pnl_cap_btc: cap > 0 ? cap * tlv : null,
    adl_target_btc: cap > 0 ? target * tlv : null,
    traders_pnl_long: p === null ? null : tradersPnl(state, 'LONG', p),
    traders_pnl_short: p === null ? null : tradersPnl(state, 'SHORT', p),
  };
}

export type RiskStats = ReturnType<typeof riskStats>;

export function sharePrice(pool: { total_locked_value: number; total_pool_share: number }): number | null {
  return pool.total_pool_share === 0 ? null : pool.total_locked_value / pool.total_pool_share;
}

/** What a live view needs beyond the risk stats: feed thresholds, the last stale warning, the funding boundary. */
export function marketInfo(state: State) {
  return {
    stale_warn_ms: state.feed.stale_warn_ms,
    stale_halt_ms: state.feed.stale_halt_ms,
    stale_warned_at: state.stale_warned_at,
    funding_boundary: state.funding_boundary,
  };
}

export type MarketInfo = ReturnType<typeof marketInfo>;
