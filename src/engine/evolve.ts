// evolve(state, event): how each event changes state, and the only place that changes state except
// the feed clock `price_ts`, which a tick moves without an event (tick.ts touchFeed; state.ts).
// It copies results carried by the event and never recomputes a formula, so replaying a log is
// fast and independent of engine version.
import { unreachable, type EventEnvelope, type LegRemoved } from './events.js';
import { assignOrder, cloneLend, clonePool } from './orders/record.js';
import { accountHash, liveOrder, uuidHash } from './orders/live-order.js';
import type { State } from './state.js';
import { legBook, liqBook, openBook, type LegName } from './triggers/books.js';
import { entryValue, indexKey, liquidationKey } from './math.js';
import type { Pool, TraderOrder, TraderStatus } from './types.js';

/**
 * The refusal of a record without a usable id, named `line:<n>` (exec) or `inbox:<position>` (the
 * loop). Its name is not remembered for dedupe (docs/decisions.md D55): no client can repeat it,
 * and exec and the loop name the same record differently. Told from the event alone, so every
 * replay of the log forgets exactly what the live engine did.
 */
function isFallbackRejection(env: EventEnvelope): boolean {
  return env.type === 'Rejected' && env.data.reason_code === 'INVALID_PARAMS' && FALLBACK_ID.test(env.cmd);
}
const FALLBACK_ID = /^(?:line|inbox):[0-9]+$/;

/** What every event does to state before its own effect: seq, clock, dedupe id, closed-order expiry. */
export function evolveHead(state: State, env: EventEnvelope): void {
  state.seq = env.seq;
  state.last_ts = env.ts;
  const cfg = state.config;
  if (!isFallbackRejection(env)) state.seen.remember(env.cmd, env.seq, env.ts, cfg.dedupe_window_ms, cfg.dedupe_max_ids);
  if (state.closed.due(env.ts, cfg.history_window_ms)) state.closed.forget(env.ts, cfg.history_window_ms, cfg.history_max_orders);
}

export function evolve(state: State, env: EventEnvelope): State {
  evolveHead(state, env);
  switch (env.type) {
    case 'TraderOrderOpened': {
      const live = addActive(state, env.data.order);
      addFilled(state, live);
      return state;
    }
    case 'TraderOrderPending': {
      const live = addActive(state, env.data.order);
      addPending(state, live, +1);
      openBook(state.books, live.position_type).insert(indexKey(live.entryprice), live.entry_sequence, live);
      return state;
    }
    case 'TraderOrderFilled': {
      const live = active(state, env.data.order.uuid);
      openBook(state.books, live.position_type).remove(indexKey(live.entryprice), live.entry_sequence);
      addPending(state, live, -1);
      assignOrder(live, env.data.order);
      addFilled(state, live);
      return state;
    }
    case 'TraderOrderCancelled': {
      const live = active(state, env.data.order.uuid);
      unbookPending(state, live);
      retire(state, live, env.data.order.order_status, env.ts);
      return state;
    }
    case 'TraderOrderSettled':
    case 'TraderOrderLiquidated': {
      const live = active(state, env.data.order.uuid);
      removeFilled(state, live);
      state.pool = clonePool(env.data.pool);
      retire(state, live, env.data.order.order_status, env.ts);
      return state;
    }
    case 'TraderOrderFundingApplied': {
      const live = active(state, env.data.order.uuid);
      unindexLiq(state, live);
      assignOrder(live, env.data.order);
      indexLiq(state, live);
      return state;
    }
    case 'CloseLimitPlaced':
      placeLeg(state, 'close', env.data.order_id, env.data.price);
      return state;
    case 'StopLossPlaced':
      placeLeg(state, 'sl', env.data.order_id, env.data.price);
      return state;
    case 'TakeProfitPlaced':
      placeLeg(state, 'tp', env.data.order_id, env.data.price);
      return state;
    case 'CloseLimitRemoved':
      removeLeg(state, 'close', env.data);
      return state;
    case 'StopLossRemoved':
      removeLeg(state, 'sl', env.data);
      return state;
    case 'TakeProfitRemoved':
      removeLeg(state, 'tp', env.data);
      return state;
    case 'LendOrderCreated': {
      const lend = cloneLend(env.data.lend_order);
      state.lends.set(lend.uuid, lend);
      state.lend_by_account.set(lend.account_id, lend.uuid);
      if (lend.entry_sequence > state.lend_seq) state.lend_seq = lend.entry_sequence;
      state.pool = clonePool(env.data.pool);
      return state;
    }
    case 'LendOrderSettled': {
      const lend = env.data.lend_order;
      state.lends.delete(lend.uuid);
      state.lend_by_account.deleteIf(lend.account_id, lend.uuid);
      state.pool = clonePool(env.data.pool);
      return state;
    }
    case 'PoolInitialized':
      state.pool = clonePool(env.data.pool);
      state.pool_account = env.data.account_id;
      return state;
    case 'PriceUpdated':
      state.price = env.data.price;
      state.price_ts = env.ts;
      return state;
    case 'FundingRateUpdated':
      state.funding_rate = env.data.funding_rate;
      if (env.data.boundary !== undefined) state.funding_boundary = env.data.boundary;
      return state;
    case 'FundingCycleSkipped':
      if (env.data.boundary !== undefined) state.funding_boundary = env.data.boundary;
      return state;
    case 'PriceStale':
      state.stale_warned_at = env.ts;
      return state;
    case 'FeedParamsUpdated':
      state.feed = { stale_warn_ms: env.data.stale_warn_ms, stale_halt_ms: env.data.stale_halt_ms };
      return state;
    case 'FeesUpdated':
      state.fees = {
        order_filled_on_market: env.data.order_filled_on_market,
        order_filled_on_limit: env.data.order_filled_on_limit,
        order_settled_on_market: env.data.order_settled_on_market,
        order_settled_on_limit: env.data.order_settled_on_limit,
      };
      return state;
    case 'RiskFlagsUpdated':
      state.risk.manual_halt = env.data.manual_halt;
      state.risk.manual_close_only = env.data.manual_close_only;
      state.risk.pause_funding = env.data.pause_funding;
      state.risk.pause_price_feed = env.data.pause_price_feed;
      return state;
    case 'RiskParamsUpdated':
      state.params = { ...env.data.params };
      return state;
    case 'ExposureRecalculated':
      state.risk.total_long_btc = env.data.after.total_long_btc;
      state.risk.total_short_btc = env.data.after.total_short_btc;
      state.risk.total_pending_long_btc = env.data.after.total_pending_long_btc;
      state.risk.total_pending_short_btc = env.data.after.total_pending_short_btc;
      return state;
    case 'PriceCheckTriggered':
    case 'AdlTriggered':
    case 'SnapshotRequested':
    case 'ShutdownRequested':
    case 'Rejected':
      return state;
    default:
      return unreachable(env);
  }
}

// The live path of a fill and of the three closing events (D261): the rule changes the live order
// itself and emits with evolveHead only, instead of emitting a copy that evolve looks up and copies
// back. It takes the order out of the books and totals first, while it still holds the fields they
// are keyed by, then rewrites it. A closing rule hands the live order itself to its event: the
// order leaves the active set with that event, and nothing changes a retired order after it
// (retire writes the status the record already carries). A fill keeps the order live, so its event
// carries a copy. evolve's own cases above stay for replay and read models; the live-vs-replay
// property checks that both paths make the same state.

/** Live path, before a PENDING order is rewritten into its TraderOrderCancelled record. */
export function unbookPending(state: State, o: TraderOrder): void {
  openBook(state.books, o.position_type).remove(indexKey(o.entryprice), o.entry_sequence);
  addPending(state, o, -1);
}

/** Live path, after a PENDING order was filled in place: exposure, PS log and liquidation key. */
export const bookFilled: (state: State, o: TraderOrder) => void = addFilled;

/**
 * Live path, before a FILLED order is rewritten into its TraderOrderSettled / …Liquidated record;
 * `liqKeyTaken` when a tick already cut its key out of the liquidation book (D324).
 */
export const unbookFilled: (state: State, o: TraderOrder, liqKeyTaken?: boolean) => void = removeFilled;

/**
 * Live path, after the closing record `o` is emitted: the pool it carries, then retirement. The
 * event's pool is adopted as it is: a pool is never changed in place, every event makes a new one.
 */
export function retireClosed(state: State, o: TraderOrder, pool: Pool | null, ts: number): void {
  if (pool !== null) state.pool = pool;
  retire(state, o, o.order_status, ts);
}

function active(state: State, uuid: string): TraderOrder {
  const o = state.orders.get(uuid);
  if (o === undefined) throw new Error(`event refers to unknown active order ${uuid}`);
  return o;
}

/** The live copy of an opening event's record joins the active set, keyed by its uuid and account. */
function addActive(state: State, record: TraderOrder): TraderOrder {
  const hu = state.orders.hash(record.uuid);
  const ha = state.trader_by_account.hash(record.account_id);
  const live = liveOrder(record, hu, ha);
  state.orders.setHashed(live.uuid, live, hu);
  state.trader_by_account.setHashed(live.account_id, live.uuid, ha);
  if (live.entry_sequence > state.trader_seq) state.trader_seq = live.entry_sequence;
  return live;
}

/**
 * The order leaves the active set. Only its status is copied from the event, not every field: a
 * closed order is kept as (account, status, ts), and the one reader that may still hold the live
 * object (a tick or ADL walking a list of orders it fired) only checks its status to skip it.
 */
function retire(state: State, live: TraderOrder, status: TraderStatus, ts: number): void {
  live.order_status = status;
  const hu = uuidHash(live);
  state.orders.deleteHashed(live.uuid, hu);
  state.closed.add(live.uuid, live.account_id, status, ts, hu);
  const cfg = state.config;
  if (state.closed.size > cfg.history_max_orders) state.closed.forget(ts, cfg.history_window_ms, cfg.history_max_orders);
  state.trader_by_account.deleteIfHashed(live.account_id, live.uuid, accountHash(live));
}

function addPending(state: State, o: TraderOrder, sign: 1 | -1): void {
  state.pending_count += sign;
  const ev = entryValue(o.initial_margin, o.leverage);
  const r = state.risk;
  if (o.position_type === 'LONG') r.total_pending_long_btc = Math.max(0, r.total_pending_long_btc + sign * ev);
  else r.total_pending_short_btc = Math.max(0, r.total_pending_short_btc + sign * ev);
}

/** A position opens: exposure +EV, PS log +PS, liquidation key. */
function addFilled(state: State, o: TraderOrder): void {
  state.filled_count++;
  const ev = entryValue(o.initial_margin, o.leverage);
  const r = state.risk;
  if (o.position_type === 'LONG') {
    r.total_long_btc += ev;
    state.ps_long += o.positionsize;
  } else {
    r.total_short_btc += ev;
    state.ps_short += o.positionsize;
  }
  indexLiq(state, o);
}

function indexLiq(state: State, o: TraderOrder): void {
  const k = liquidationKey(o.liquidation_price);
  if (k !== null) liqBook(state.books, o.position_type).insert(k, o.entry_sequence, o);
}

function unindexLiq(state: State, o: TraderOrder): void {
  const k = liquidationKey(o.liquidation_price);
  if (k !== null) liqBook(state.books, o.position_type).remove(k, o.entry_sequence);
}

/** A position closes: exposure −EV, PS log −PS, every key it holds dropped. */
function removeFilled(state: State, o: TraderOrder, liqKeyTaken = false): void {
  state.filled_count--;
  const ev = entryValue(o.initial_margin, o.leverage);
  const r = state.risk;
  if (o.position_type === 'LONG') {
    r.total_long_btc = Math.max(0, r.total_long_btc - ev);
    state.ps_long = Math.max(0, state.ps_long - o.positionsize);
  } else {
    r.total_short_btc = Math.max(0, r.total_short_btc - ev);
    state.ps_short = Math.max(0, state.ps_short - o.positionsize);
  }
  if (!liqKeyTaken) unindexLiq(state, o);
  dropLegKey(state, o, 'close', o.close_limit_price);
  dropLegKey(state, o, 'sl', o.stop_loss_price);
  dropLegKey(state, o, 'tp', o.take_profit_price);
}

function dropLegKey(state: State, o: TraderOrder, leg: LegName, price: number | null): void {
  if (price !== null) legBook(state.books, leg, o.position_type).remove(indexKey(price), o.entry_sequence);
}

function legField(leg: LegName): 'close_limit_price' | 'stop_loss_price' | 'take_profit_price' {
  return leg === 'close' ? 'close_limit_price' : leg === 'sl' ? 'stop_loss_price' : 'take_profit_price';
}

function placeLeg(state: State, leg: LegName, uuid: string, price: number): void {
  const live = active(state, uuid);
  const field = legField(leg);
  const idx = legBook(state.books, leg, live.position_type);
  const old = live[field];
  if (old !== null) idx.remove(indexKey(old), live.entry_sequence);
  live[field] = price;
  idx.insert(indexKey(price), live.entry_sequence, live);
}

/** USER/ADMIN removals change the order; SETTLED/LIQUIDATED ones only report what closing dropped. */
function removeLeg(state: State, leg: LegName, d: LegRemoved): void {
  if (d.reason === 'SETTLED' || d.reason === 'LIQUIDATED') return;
  const live = active(state, d.order_id);
  if (live.order_status === 'PENDING') {
    const s = live.sltp_on_fill;
    if (s !== null && leg !== 'close') {
      if (leg === 'sl') s.sl = null;
      else s.tp = null;
      if (s.sl === null && s.tp === null) live.sltp_on_fill = null;
    }
    return;
  }
  const field = legField(leg);
  const old = live[field];
  if (old !== null) legBook(state.books, leg, live.position_type).remove(indexKey(old), live.entry_sequence);
  live[field] = null;
}
