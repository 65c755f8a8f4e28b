// The book's store: an engine State advanced by the engine's own `evolve` (the same code replay
// uses), plus the thin view the terminal shows: resting open limits and liquidation prices in
// price-sorted indices (the engine's SortedIndex, keyed trunc(price × 10⁴) and entry_sequence as
// in §5.1) with the sizes the ladders sum, leg counts, and what only a viewer keeps (a ring of
// recent feed items, the price path, counts, the funding period). Exposure, pool, flags and
// parameters are the engine's; after each event the orders it touched are re-read from the state,
// so no domain rule is written twice.
//
// `reduce` mutates the store in place (a 20,000 events/s log is applied without allocating a new
// model per event), does no I/O and depends only on its arguments; `bookModel` in model.ts turns a
// store into the immutable BookModel the components render. A store starts empty (seq 0), or from
// a snapshot's engine State via `storeFromState`, and then takes the events after it. A store fed
// by the Redis read model (redis-feed.ts), or one that only collects feed items, has no State.
import { evolve } from '../engine/evolve.js';
import type { EventEnvelope } from '../engine/events.js';
import { entryValue, indexKey, liquidationKey } from '../engine/math.js';
import { emptyState, totalsOf, type State } from '../engine/state.js';
import { SortedIndex } from '../engine/triggers/sorted-index.js';
import { int, pct } from './format.js';
import {
  DEFAULT_FEED_PARAMS,
  DEFAULT_FEES,
  DEFAULT_RISK_PARAMS,
  type FeedParams,
  type Fees,
  type Pool,
  type PositionType,
  type RiskFlags,
  type RiskParams,
  type RiskTotals,
  type TraderOrder,
} from '../engine/types.js';

/** One resting entry of a book index: the open limit of a pending order or the liquidation price of a position. */
export interface Resting {
  uuid: string;
  account: string;
  side: PositionType;
  price: number;
  /** Entry value IM × L in sats (§1): the unit of size and exposure. */
  ev: number;
}

export type FeedKind = 'FILL' | 'SETTLE' | 'LIQUIDATION' | 'FUNDING' | 'LEND' | 'WITHDRAW' | 'MARKET';

/** One line of the scrolling feed. Numbers are raw (sats, USD); the components format them. */
export interface FeedItem {
  seq: number;
  ts: number;
  kind: FeedKind;
  account: string | null;
  side: PositionType | null;
  price: number | null;
  /** EV in sats for trader events, the deposit or withdrawal for lend events. */
  size: number | null;
  /** Signed sats: settlement payment, −IM on liquidation, net funding paid by positions. */
  amount: number | null;
  /** A short tag: MARKET/LIMIT fill, close type, liquidation trigger, funding positions, flag names. */
  detail: string;
}

export type LegCounts = Record<'close' | 'sl' | 'tp', { long: number; short: number }>;

/** The four indices the book shows. */
export type LadderName = 'open_long' | 'open_short' | 'liq_long' | 'liq_short';
export const LADDERS: readonly LadderName[] = ['open_long', 'open_short', 'liq_long', 'liq_short'];

interface Tracked {
  value: Resting;
  seq: number;
  status: 'PENDING' | 'FILLED';
  /** Key in the open index (PENDING) or the liquidation index (FILLED); null when not indexed. */
  key: number | null;
  legs: { close: number | null; sl: number | null; tp: number | null };
}

/** How many feed items are kept (the account filter looks through these). */
export const FEED_KEEP = 2000;
/** How many recent prices are kept for the sparkline. */
export const PRICE_KEEP = 120;

export interface BookStore {
  /** The engine's state after the last event applied; null for a view fed by the Redis read model. */
  state: State | null;
  /** SPEC §15 Π per side as the Redis read model last wrote it (a view without a State); null before. */
  traders_pnl: { long: number; short: number } | null;
  seq: number;
  /** ts of the last event applied. */
  last_ts: number;
  /** seq the store started from (a snapshot's seq, or 0). */
  base_seq: number;
  events: number;
  price: number | null;
  previous_price: number | null;
  /** ts of the last price change seen, or the committed feed clock when newer (heartbeats move it without events). */
  price_ts: number | null;
  /** The first price this store saw: the reference of the session change. */
  ref_price: number | null;
  ref_ts: number | null;
  prices: number[];
  stale: { at: number; halted: boolean } | null;
  funding_rate: number;
  funding_boundary: number | null;
  /** Smallest gap seen between two funding boundaries: the funding period. */
  funding_period: number | null;
  pool: Pool | null;
  risk: RiskTotals;
  flags: RiskFlags;
  params: RiskParams;
  fees: Fees;
  feed_params: FeedParams;
  orders: Map<string, Tracked>;
  open_long: SortedIndex<Resting>;
  open_short: SortedIndex<Resting>;
  liq_long: SortedIndex<Resting>;
  liq_short: SortedIndex<Resting>;
  legs: LegCounts;
  /**
   * The true sizes of the four indices when the store holds only a window of each (the Redis
   * source reads the entries nearest the mark); null when the indices are complete.
   */
  index_sizes: Record<LadderName, number> | null;
  counts: { fills: number; settlements: number; liquidations: number; fundings: number };
  /** Ring buffer of feed items; `feed_total` counts every item ever pushed. */
  feed: (FeedItem | null)[];
  feed_total: number;
  /** The funding item of the cycle being applied, so its per-position events add up into it. */
  funding_item: { cmd: string; item: FeedItem; rate: number; paid: number; received: number; positions: number } | null;
}

/** An empty store: with an engine State (event-log sources), or without one (`engine` false: a Redis view, a feed-only scratch). */
export function emptyStore(engine = true): BookStore {
  return {
    state: engine ? emptyState() : null,
    traders_pnl: null,
    seq: 0,
    last_ts: 0,
    base_seq: 0,
    events: 0,
    price: null,
    previous_price: null,
    price_ts: null,
    ref_price: null,
    ref_ts: null,
    prices: [],
    stale: null,
    funding_rate: 0,
    funding_boundary: null,
    funding_period: null,
    pool: null,
    risk: { total_long_btc: 0, total_short_btc: 0, total_pending_long_btc: 0, total_pending_short_btc: 0 },
    flags: { manual_halt: false, manual_close_only: false, pause_funding: false, pause_price_feed: false },
    params: { ...DEFAULT_RISK_PARAMS },
    fees: { ...DEFAULT_FEES },
    feed_params: { ...DEFAULT_FEED_PARAMS },
    orders: new Map(),
    open_long: new SortedIndex(),
    open_short: new SortedIndex(),
    liq_long: new SortedIndex(),
    liq_short: new SortedIndex(),
    legs: { close: { long: 0, short: 0 }, sl: { long: 0, short: 0 }, tp: { long: 0, short: 0 } },
    index_sizes: null,
    counts: { fills: 0, settlements: 0, liquidations: 0, fundings: 0 },
    feed: new Array<FeedItem | null>(FEED_KEEP).fill(null),
    feed_total: 0,
    funding_item: null,
  };
}

/** The store of an engine State (a decoded snapshot): every active order, leg, total and setting. */
export function storeFromState(state: State): BookStore {
  const s = emptyStore(false);
  s.state = state;
  s.seq = state.seq;
  s.base_seq = state.seq;
  s.last_ts = state.last_ts;
  s.price = state.price;
  s.price_ts = state.price_ts;
  s.ref_price = state.price;
  s.ref_ts = state.price_ts;
  if (state.price !== null) s.prices.push(state.price);
  s.funding_rate = state.funding_rate;
  s.funding_boundary = state.funding_boundary;
  fromState(s, state);
  if (state.stale_warned_at !== null && (state.price_ts === null || state.stale_warned_at >= state.price_ts)) {
    s.stale = { at: state.stale_warned_at, halted: false };
  }
  for (const uuid of state.orders.keys()) sync(s, state, uuid);
  return s;
}

/** What the view takes from the engine's state as it is: exposure, pool, flags and parameters. */
function fromState(s: BookStore, state: State): void {
  const r = state.risk;
  s.risk = totalsOf(r);
  s.pool = state.pool === null ? null : { ...state.pool };
  s.flags = { manual_halt: r.manual_halt, manual_close_only: r.manual_close_only, pause_funding: r.pause_funding, pause_price_feed: r.pause_price_feed };
  s.params = { ...state.params };
  s.fees = { ...state.fees };
  s.feed_params = { ...state.feed };
}

/**
 * Brings one order's view entries in line with the engine's live order: a PENDING order rests in
 * its open index, a FILLED one sits at its liquidation price with its legs counted, and an order
 * the state no longer holds (settled, liquidated, cancelled) leaves the view.
 */
function sync(s: BookStore, state: State, uuid: string): void {
  const o = state.orders.get(uuid);
  const t = s.orders.get(uuid);
  if (o === undefined || (o.order_status !== 'PENDING' && o.order_status !== 'FILLED')) {
    if (t === undefined) return;
    unindex(s, t);
    for (const leg of LEG_NAMES) clearLeg(s, t, leg);
    s.orders.delete(uuid);
    return;
  }
  const pending = o.order_status === 'PENDING';
  const price = pending ? o.entryprice : o.liquidation_price;
  const key = pending ? indexKey(price) : liquidationKey(price);
  if (t === undefined || t.status !== o.order_status || t.key !== key || t.value.price !== price) {
    if (t !== undefined) unindex(s, t);
    const next: Tracked = t ?? {
      value: { uuid: o.uuid, account: o.account_id, side: o.position_type, price, ev: ev(o) },
      seq: o.entry_sequence,
      status: o.order_status,
      key,
      legs: { close: null, sl: null, tp: null },
    };
    next.status = o.order_status;
    next.key = key;
    next.value.price = price;
    s.orders.set(uuid, next);
    index(s, next);
  }
  const tracked = s.orders.get(uuid)!;
  // legs are registered only on positions; a pending order keeps its SL/TP until it fills (§5.3)
  setOrClear(s, tracked, 'close', pending ? null : o.close_limit_price);
  setOrClear(s, tracked, 'sl', pending ? null : o.stop_loss_price);
  setOrClear(s, tracked, 'tp', pending ? null : o.take_profit_price);
}

const LEG_NAMES: readonly LegName[] = ['close', 'sl', 'tp'];

function setOrClear(s: BookStore, t: Tracked, leg: LegName, price: number | null): void {
  if (price === null) clearLeg(s, t, leg);
  else setLeg(s, t, leg, price);
}

/** The order an event concerns (its uuid), if any. */
function orderOf(env: EventEnvelope): string | null {
  const d = env.data as { order?: { uuid?: string }; order_id?: string };
  return d.order?.uuid ?? d.order_id ?? null;
}

/** The committed feed clock (DESIGN §4): heartbeat ticks move price_ts without an event. */
export function setClock(s: BookStore, priceTs: number | null): void {
  if (priceTs !== null && (s.price_ts === null || priceTs > s.price_ts)) s.price_ts = priceTs;
}

/** Applies one committed event. Events at or before the store's seq are ignored (a re-read tail). */
export function reduce(s: BookStore, env: EventEnvelope): BookStore {
  if (env.seq <= s.seq) return s;
  const state = s.state;
  if (state !== null) evolve(state, env);
  s.seq = env.seq;
  s.last_ts = env.ts;
  s.events++;
  view(s, env);
  if (state !== null) {
    const uuid = orderOf(env);
    if (uuid !== null) sync(s, state, uuid);
    fromState(s, state);
  }
  return s;
}

/** What only the viewer keeps of an event: feed items, counts, the price path, staleness, funding. */
function view(s: BookStore, env: EventEnvelope): void {
  switch (env.type) {
    case 'TraderOrderOpened': {
      const o = env.data.order;
      s.counts.fills++;
      pushFeed(s, env, 'FILL', o.account_id, o.position_type, o.entryprice, ev(o), null, env.data.converted_from_limit ? 'LIMIT→MARKET' : 'MARKET');
      return;
    }
    case 'TraderOrderFilled': {
      const o = env.data.order;
      s.counts.fills++;
      pushFeed(s, env, 'FILL', o.account_id, o.position_type, env.data.fill_price, ev(o), null, 'LIMIT');
      return;
    }
    case 'TraderOrderSettled': {
      const o = env.data.order;
      s.counts.settlements++;
      pushFeed(s, env, 'SETTLE', o.account_id, o.position_type, o.settlement_price, ev(o), env.data.payment, env.data.close_type);
      return;
    }
    case 'TraderOrderLiquidated': {
      const o = env.data.order;
      s.counts.liquidations++;
      pushFeed(s, env, 'LIQUIDATION', o.account_id, o.position_type, env.data.price, ev(o), env.data.payment, env.data.trigger);
      return;
    }
    case 'TraderOrderFundingApplied': {
      const f = s.funding_item;
      if (f !== null && f.cmd === env.cmd) {
        f.positions++;
        if (env.data.funding_payment < 0) f.paid -= env.data.funding_payment;
        else f.received += env.data.funding_payment;
        f.item.amount = f.paid - f.received;
        f.item.detail = fundingDetail(f.rate, f.positions, f.paid, f.received);
      }
      return;
    }
    case 'LendOrderCreated': {
      const l = env.data.lend_order;
      pushFeed(s, env, 'LEND', l.account_id, null, null, l.deposit, null, `${l.npoolshare / 10_000} shares`);
      return;
    }
    case 'LendOrderSettled': {
      const l = env.data.lend_order;
      pushFeed(s, env, 'WITHDRAW', l.account_id, null, null, env.data.withdraw, l.payment, 'lend');
      return;
    }
    case 'PoolInitialized':
      pushFeed(s, env, 'MARKET', env.data.account_id, null, null, env.data.pool.total_locked_value, null, 'pool initialized');
      return;
    case 'PriceUpdated': {
      const p = env.data.price;
      s.previous_price = env.data.previous_price ?? s.price;
      s.price = p;
      s.price_ts = env.ts;
      s.stale = null;
      if (s.ref_price === null) {
        s.ref_price = p;
        s.ref_ts = env.ts;
      }
      s.prices.push(p);
      if (s.prices.length > PRICE_KEEP) s.prices.splice(0, s.prices.length - PRICE_KEEP);
      return;
    }
    case 'FundingRateUpdated': {
      boundary(s, env.data.boundary);
      s.funding_rate = env.data.funding_rate;
      s.counts.fundings++;
      const rate = env.data.funding_rate;
      const item = pushFeed(s, env, 'FUNDING', null, null, env.data.price, null, 0, fundingDetail(rate, 0, 0, 0));
      s.funding_item = { cmd: env.cmd, item, rate, paid: 0, received: 0, positions: 0 };
      return;
    }
    case 'FundingCycleSkipped':
      boundary(s, env.data.boundary);
      return;
    case 'PriceStale':
      s.stale = { at: env.ts, halted: env.data.halted };
      return;
    case 'RiskFlagsUpdated': {
      const d = env.data;
      const before = s.flags;
      s.flags = { manual_halt: d.manual_halt, manual_close_only: d.manual_close_only, pause_funding: d.pause_funding, pause_price_feed: d.pause_price_feed };
      const changed = (Object.keys(s.flags) as (keyof RiskFlags)[]).filter((k) => s.flags[k] !== before[k]).map((k) => `${k} ${s.flags[k] ? 'on' : 'off'}`);
      if (changed.length > 0) pushFeed(s, env, 'MARKET', null, null, null, null, null, changed.join(', '));
      return;
    }
    case 'AdlTriggered': {
      const d = env.data;
      pushFeed(s, env, 'MARKET', null, d.side, null, null, d.traders_pnl, `ADL ${d.side}: traders' PnL above ${d.max_pnl_factor} × TLV ${d.tlv}`);
      return;
    }
    default:
      // the rest changes only what the engine's state holds (orders, legs, pool, parameters)
      return;
  }
}

/** Event types that change nothing the book shows: their lines are not even parsed. */
const IGNORED: ReadonlySet<string> = new Set(['Rejected', 'PriceCheckTriggered', 'SnapshotRequested', 'ShutdownRequested']);

/** Applies committed rows (StoredEvent: seq, ts, type and the envelope's JSON line) in order; returns how many were new. */
export function reduceRows(s: BookStore, rows: readonly { seq: number; ts: number; type: string; line: string }[]): number {
  const before = s.events;
  for (const r of rows) {
    if (r.seq <= s.seq) continue;
    if (IGNORED.has(r.type)) {
      s.seq = r.seq;
      s.last_ts = r.ts;
      s.events++;
      continue;
    }
    reduce(s, JSON.parse(r.line) as EventEnvelope);
  }
  return s.events - before;
}

/** Feed items newest first, at most `limit`, optionally only those of one account. */
export function recentFeed(s: BookStore, limit: number, account: string | null = null): FeedItem[] {
  const out: FeedItem[] = [];
  const n = Math.min(s.feed_total, FEED_KEEP);
  for (let i = 1; i <= n && out.length < limit; i++) {
    const item = s.feed[(s.feed_total - i) % FEED_KEEP]!;
    if (account === null || item.account === account) out.push({ ...item });
  }
  return out;
}

// ---- internals ------------------------------------------------------------------------------

const ev = (o: TraderOrder): number => entryValue(o.initial_margin, o.leverage);

function bookOf(s: BookStore, t: Tracked): SortedIndex<Resting> {
  const long = t.value.side === 'LONG';
  if (t.status === 'PENDING') return long ? s.open_long : s.open_short;
  return long ? s.liq_long : s.liq_short;
}

function index(s: BookStore, t: Tracked): void {
  if (t.key !== null) bookOf(s, t).insert(t.key, t.seq, t.value);
}

function unindex(s: BookStore, t: Tracked): void {
  if (t.key !== null) bookOf(s, t).remove(t.key, t.seq);
}

type LegName = 'close' | 'sl' | 'tp';

function setLeg(s: BookStore, t: Tracked, leg: LegName, price: number): void {
  if (t.legs[leg] === null) s.legs[leg][t.value.side === 'LONG' ? 'long' : 'short']++;
  t.legs[leg] = price;
}

function clearLeg(s: BookStore, t: Tracked, leg: LegName): void {
  if (t.legs[leg] === null) return;
  s.legs[leg][t.value.side === 'LONG' ? 'long' : 'short']--;
  t.legs[leg] = null;
}

/** A funding boundary seen: the period is the smallest gap between two of them. */
export function boundary(s: BookStore, b: number | null | undefined): void {
  if (b === undefined || b === null) return;
  if (s.funding_boundary !== null && b > s.funding_boundary) {
    const gap = b - s.funding_boundary;
    if (s.funding_period === null || gap < s.funding_period) s.funding_period = gap;
  }
  s.funding_boundary = b;
}

function fundingDetail(rate: number, positions: number, paid: number, received: number): string {
  return `${pct(rate, 4, true)} · ${positions} pos · paid ${int(paid)} / got ${int(received)} sats`;
}

export function pushFeed(
  s: BookStore,
  env: { seq: number; ts: number },
  kind: FeedKind,
  account: string | null,
  side: PositionType | null,
  price: number | null,
  size: number | null,
  amount: number | null,
  detail: string,
): FeedItem {
  const item: FeedItem = { seq: env.seq, ts: env.ts, kind, account, side, price, size, amount, detail };
  s.feed[s.feed_total % FEED_KEEP] = item;
  s.feed_total++;
  return item;
}
