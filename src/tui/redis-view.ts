// The book's store from the Redis read model (docs/read-models.md): what one read of its keys
// returned (a RedisView, decoded) is laid over the store. Redis holds current values, not events,
// so the ladders are rebuilt from the sorted sets each time (only a window near the mark is read,
// with the true sizes alongside), and feed items come from what is new since the last read: trades
// after the last trade seq, a funding update after the last funding seq, a change of the market
// flags. Pure: no I/O, no clock; redis-feed.ts does the reading.
import { entryValue, indexKey, liquidationKey } from '../engine/math.js';
import { SortedIndex } from '../engine/triggers/sorted-index.js';
import type { Fees, Pool, PositionType, RiskFlags, RiskParams, TraderOrder } from '../engine/types.js';
import type { MarketInfo, RiskStats, Trade } from '../projections/mirror.js';
import { int, pct } from './format.js';
import { boundary, LADDERS, PRICE_KEEP, pushFeed, type BookStore, type LadderName, type Resting } from './store.js';

/** `price:info`: the last PriceUpdated. */
export interface PriceInfo {
  price: number;
  previous_price: number | null;
  feed_price: number;
  ts: number;
  seq: number;
}
/** `funding`: the last FundingRateUpdated data plus its ts and seq. */
export interface FundingInfo {
  funding_rate: number;
  price: number;
  long_position_size: number;
  short_position_size: number;
  total_position_size: number;
  boundary?: number;
  ts: number;
  seq: number;
}

/** One member of a book's sorted set: `<entry_sequence>:<uuid>` and its score (the index key). */
export interface ViewEntry {
  seq: number;
  uuid: string;
  key: number;
}

/** What the book reads from Redis in one step, decoded. */
export interface RedisView {
  /** The read model's checkpoint: its last applied event. */
  seq: number;
  ts: number;
  /** The log's head and feed clock as the projector last saw them (null before it wrote one). */
  head: { seq: number; price_ts: number | null } | null;
  price: PriceInfo | null;
  funding: FundingInfo | null;
  pool: Pool | null;
  risk: RiskStats | null;
  market: MarketInfo | null;
  /** Per ladder: every entry's count, and the entries nearest the mark. */
  books: Record<LadderName, { size: number; entries: ViewEntry[] }>;
  legs: Record<'close' | 'sl' | 'tp', { long: number; short: number }>;
  /** Trades newer than the read asked for, newest first. */
  trades: Trade[];
  /** The filtered account's active orders (all of them), when an account was asked for. */
  account: TraderOrder[] | null;
}

/** What the book keeps of an order to place it on a ladder. */
export interface OrderInfo {
  account: string;
  side: PositionType;
  ev: number;
  entry: number;
  liq: number;
}

export function orderInfo(o: TraderOrder): OrderInfo {
  return { account: o.account_id, side: o.position_type, ev: entryValue(o.initial_margin, o.leverage), entry: o.entryprice, liq: o.liquidation_price };
}

/** Where the reading stands between two views: what has been turned into feed items already. */
export interface ViewCursor {
  price_seq: number;
  funding_seq: number;
  trade_seq: number;
  first: boolean;
}

export function newCursor(): ViewCursor {
  return { price_seq: 0, funding_seq: 0, trade_seq: 0, first: true };
}

const SIDE: Readonly<Record<LadderName, PositionType>> = { open_long: 'LONG', open_short: 'SHORT', liq_long: 'LONG', liq_short: 'SHORT' };

/** The exact price of a ladder entry: the order's own when its key matches the score, else the score's price. */
function entryPrice(name: LadderName, e: ViewEntry, o: OrderInfo | undefined): number {
  if (o !== undefined) {
    if (name.startsWith('open') && indexKey(o.entry) === e.key) return o.entry;
    if (name.startsWith('liq') && liquidationKey(o.liq) === e.key) return o.liq;
  }
  return e.key / 10_000;
}

/**
 * Lays a view over the store. `orders` holds what is known of the orders in the view's books (an
 * order missing there still shows, at its score's price with no size). The first view only sets
 * the scene: its trades fill the feed but count as history, not as fills seen live.
 */
export function applyView(s: BookStore, v: RedisView, orders: ReadonlyMap<string, OrderInfo>, c: ViewCursor): void {
  const first = c.first;
  c.first = false;
  if (first) s.base_seq = v.seq;
  s.seq = v.seq;
  s.last_ts = v.ts;
  s.events = Math.max(0, v.seq - s.base_seq);

  const p = v.price;
  if (p !== null && p.seq > c.price_seq) {
    c.price_seq = p.seq;
    s.previous_price = p.previous_price ?? s.price;
    s.price = p.price;
    if (s.price_ts === null || p.ts > s.price_ts) s.price_ts = p.ts;
    if (s.ref_price === null) {
      s.ref_price = p.price;
      s.ref_ts = p.ts;
    }
    s.prices.push(p.price);
    if (s.prices.length > PRICE_KEEP) s.prices.splice(0, s.prices.length - PRICE_KEEP);
  }
  const clock = v.head?.price_ts ?? null;
  if (clock !== null && (s.price_ts === null || clock > s.price_ts)) s.price_ts = clock;

  if (v.pool !== null) s.pool = { total_locked_value: v.pool.total_locked_value, total_pool_share: v.pool.total_pool_share, nonce: v.pool.nonce };

  let flagChange: string | null = null;
  if (v.risk !== null) {
    const r = v.risk;
    s.risk = {
      total_long_btc: r.total_long_btc,
      total_short_btc: r.total_short_btc,
      total_pending_long_btc: r.total_pending_long_btc,
      total_pending_short_btc: r.total_pending_short_btc,
    };
    flagChange = flags(s, r.flags, first);
    s.params = { ...(r.params as RiskParams) };
    s.fees = { ...(r.fees as Fees) };
    s.funding_rate = r.funding_rate;
    s.traders_pnl = r.traders_pnl_long === null || r.traders_pnl_short === null ? null : { long: r.traders_pnl_long, short: r.traders_pnl_short };
  }

  const m = v.market;
  if (m !== null) {
    s.feed_params = { stale_warn_ms: m.stale_warn_ms, stale_halt_ms: m.stale_halt_ms };
    // a warning newer than the last price: the engine found the feed stale (the age decides how far)
    const warned = m.stale_warned_at;
    s.stale = warned !== null && (s.price_ts === null || warned >= s.price_ts) ? { at: warned, halted: false } : null;
    boundary(s, m.funding_boundary);
  }

  // new feed items in seq order: trades, and the funding update among them
  const fresh: (() => void)[] = [];
  const at: number[] = [];
  const f = v.funding;
  if (f !== null && f.seq > c.funding_seq) {
    c.funding_seq = f.seq;
    boundary(s, f.boundary);
    if (!first) s.counts.fundings++;
    at.push(f.seq);
    fresh.push(() =>
      pushFeed(
        s,
        f,
        'FUNDING',
        null,
        null,
        f.price,
        null,
        null,
        `${pct(f.funding_rate, 4, true)} · PS long ${int(f.long_position_size)} / short ${int(f.short_position_size)}`,
      ),
    );
  }
  for (const t of v.trades) {
    if (t.seq <= c.trade_seq) continue;
    at.push(t.seq);
    fresh.push(() => trade(s, t, !first));
  }
  c.trade_seq = Math.max(c.trade_seq, ...v.trades.map((t) => t.seq));
  if (flagChange !== null) {
    const detail = flagChange;
    at.push(v.seq); // somewhere in the batch up to the checkpoint: after what came before it
    fresh.push(() => pushFeed(s, { seq: v.seq, ts: v.ts }, 'MARKET', null, null, null, null, null, detail));
  }
  for (const i of at.map((_, i) => i).sort((a, b) => at[a]! - at[b]!)) fresh[i]!();

  const sizes = {} as Record<LadderName, number>;
  for (const name of LADDERS) {
    const idx = new SortedIndex<Resting>();
    const side = SIDE[name];
    const held = new Set<string>();
    for (const e of v.books[name].entries) {
      const o = orders.get(e.uuid);
      idx.insert(e.key, e.seq, { uuid: e.uuid, account: o?.account ?? '', side, price: entryPrice(name, e, o), ev: o?.ev ?? 0 });
      held.add(e.uuid);
    }
    // the filtered account's entries beyond the window: its totals and ladders are then complete
    for (const o of v.account ?? []) {
      if (o.position_type !== side || held.has(o.uuid)) continue;
      const pending = name.startsWith('open');
      if (pending !== (o.order_status === 'PENDING') || (!pending && o.order_status !== 'FILLED')) continue;
      const key = pending ? indexKey(o.entryprice) : liquidationKey(o.liquidation_price);
      if (key === null) continue;
      idx.insert(key, o.entry_sequence, {
        uuid: o.uuid,
        account: o.account_id,
        side,
        price: pending ? o.entryprice : o.liquidation_price,
        ev: entryValue(o.initial_margin, o.leverage),
      });
    }
    s[name] = idx;
    sizes[name] = v.books[name].size;
  }
  s.index_sizes = sizes;
  s.legs = { close: { ...v.legs.close }, sl: { ...v.legs.sl }, tp: { ...v.legs.tp } };
}

/** Takes the new flags; after the first view, says which changed (a MARKET item, as the log's RiskFlagsUpdated gives). */
function flags(s: BookStore, next: RiskFlags, first: boolean): string | null {
  const before = s.flags;
  s.flags = { ...next };
  if (first) return null;
  const changed = (Object.keys(next) as (keyof RiskFlags)[]).filter((k) => next[k] !== before[k]).map((k) => `${k} ${next[k] ? 'on' : 'off'}`);
  return changed.length > 0 ? changed.join(', ') : null;
}

function trade(s: BookStore, t: Trade, live: boolean): void {
  const side = t.position_type as PositionType;
  switch (t.kind) {
    case 'OPEN':
    case 'FILL':
      // a trade cannot tell a limit that crossed on arrival (the log's LIMIT→MARKET) from a market open
      if (live) s.counts.fills++;
      pushFeed(s, t, 'FILL', t.account_id, side, t.price, t.entry_value, null, t.kind === 'OPEN' ? 'MARKET' : 'LIMIT');
      return;
    case 'SETTLE':
      if (live) s.counts.settlements++;
      pushFeed(s, t, 'SETTLE', t.account_id, side, t.price, t.entry_value, t.payment, t.close_type ?? '');
      return;
    case 'LIQUIDATION':
      if (live) s.counts.liquidations++;
      pushFeed(s, t, 'LIQUIDATION', t.account_id, side, t.price, t.entry_value, t.payment, t.trigger ?? '');
      return;
    default: {
      const unknown: never = t.kind;
      void unknown; // a trade kind newer than this build: left out of the feed
    }
  }
}
