// The BookModel: everything one frame of `relayer book` shows, as plain data (it is also what
// `--json` prints). `bookModel` derives it from a store at a wall-clock `now`; it reads the store
// and never changes it, and walks the price indices only as far as the requested depth.
import type { IndexEntry, SortedIndex } from '../engine/triggers/sorted-index.js';
import type { MarketStatus, PositionType, RiskFlags, RiskParams } from '../engine/types.js';
import { recentFeed, type BookStore, type FeedItem, type LadderName, type LegCounts, type Resting } from './store.js';
import { tradersPnl } from '../engine/risk/adl.js';

/** One aggregated price level: `price` is the bucket label, `nearest` the entry closest to the mark. */
export interface Level {
  price: number;
  nearest: number;
  size: number;
  count: number;
}
/** A liquidation level with how far the mark must move to reach it (USD, and % of the mark). */
export interface LiqLevel extends Level {
  distance: number | null;
  distance_pct: number | null;
}
export interface SideTotal {
  size: number;
  count: number;
}

export type FeedState = 'LIVE' | 'STALE' | 'HALTED' | 'PAUSED' | 'NO_PRICE';

export interface BookModel {
  /** The market's base asset (BTC for BTC-USD): the unit of sizes, margins and pool figures. */
  base: string;
  seq: number;
  last_ts: number;
  now: number;
  /** seq the view started from (its snapshot), and how many events it applied since. */
  base_seq: number;
  events: number;
  price: {
    mark: number | null;
    previous: number | null;
    direction: 'up' | 'down' | 'flat';
    /** Last move: mark − previous. */
    change: number | null;
    /** The first price this view saw, and the change since then. */
    ref: number | null;
    ref_ts: number | null;
    change_ref: number | null;
    change_ref_pct: number | null;
    history: number[];
  };
  funding: {
    /** The funding rate as stored (§4.8; 0.045 is 0.045 % of position size per cycle). */
    rate: number;
    last_boundary: number | null;
    period_ms: number;
    /** true when the period was measured from two boundaries, false when guessed. */
    period_measured: boolean;
    next_at: number;
    next_in_ms: number;
  };
  pool: { tlv: number; tps: number; share_price: number | null; nonce: number } | null;
  market: {
    status: MarketStatus;
    reason: 'MANUAL_HALT' | 'MANUAL_CLOSE_ONLY' | 'POOL_EQUITY_INVALID' | null;
    feed: FeedState;
    /** ms since the last price (tick or heartbeat) the engine committed. */
    feed_age_ms: number | null;
    flags: RiskFlags;
  };
  /** Resting open limits: longs (bids, below the mark, nearest first) and shorts (asks, above). */
  book: { step: number; long: Level[]; short: Level[]; long_total: SideTotal; short_total: SideTotal };
  /** Liquidation prices of open positions: longs below the mark, shorts above, nearest first. */
  liquidations: { step: number; long: LiqLevel[]; short: LiqLevel[]; long_total: SideTotal; short_total: SideTotal };
  legs: LegCounts & { total: { close: number; sl: number; tp: number } };
  risk: {
    long: number;
    short: number;
    pending_long: number;
    pending_short: number;
    open_interest: number;
    max_open_interest: number;
    oi_used: number | null;
    net: number;
    max_net: number;
    skew_used: number | null;
    long_pct: number;
    short_pct: number;
    utilization: number;
    max_position: number;
    max_long: number;
    max_short: number;
    params: RiskParams;
    /**
     * SPEC §15: the factors (0 = off), while on the cap and the ADL target in sats of TLV, each
     * side's Π at the price (null before a price), and how much of the cap the larger Π uses.
     */
    pnl_cap: {
      max_pnl_factor: number;
      adl_target_factor: number;
      cap: number | null;
      target: number | null;
      traders_pnl_long: number | null;
      traders_pnl_short: number | null;
      used: number | null;
    };
  };
  counts: { fills: number; settlements: number; liquidations: number; fundings: number };
  feed: FeedItem[];
  filter: string | null;
}

export interface ModelOptions {
  now: number;
  /** The market shown (default BTC-USD): sizes and sums are in its base asset. */
  market?: string;
  /** Levels per side of each ladder. */
  depth?: number;
  /** Price bucket in USD; default: a round number near 0.1 % of the mark. */
  step?: number | null;
  feed?: number;
  /** Only this account's orders and feed items. */
  account?: string | null;
}

export const DEFAULT_FUNDING_PERIOD_MS = 3_600_000;

export function bookModel(s: BookStore, o: ModelOptions): BookModel {
  const depth = o.depth ?? 10;
  const account = o.account ?? null;
  const step = o.step ?? autoStep(s.price);
  const keep = account === null ? null : (r: Resting) => r.account === account;
  const mark = s.price;
  const r = s.risk;
  const tlv = s.pool === null ? 0 : s.pool.total_locked_value;
  const oi = r.total_long_btc + r.total_short_btc;
  const net = r.total_long_btc - r.total_short_btc;
  const p = s.params;
  const { max_pnl_factor: maxPnl = 0, adl_target_factor: adlTarget = 0, ...limits } = p;
  const status = marketStatusOf(s);
  const healthy = status.status === 'HEALTHY';
  // Π from the engine's own running sums where the view has a State, else as Redis wrote it
  const pnl =
    s.state !== null && s.price !== null ? { long: tradersPnl(s.state, 'LONG', s.price), short: tradersPnl(s.state, 'SHORT', s.price) } : s.traders_pnl;
  const xPos = p.max_position_pct * tlv;
  const xOi = Math.max(0, p.max_oi_mult * tlv - oi);
  const period = s.funding_period ?? guessPeriod(s.funding_boundary);
  const nextAt = s.funding_boundary !== null ? s.funding_boundary + period : Math.ceil(o.now / period) * period;
  return {
    base: (o.market ?? 'BTC-USD').split('-')[0]!,
    seq: s.seq,
    last_ts: s.last_ts,
    now: o.now,
    base_seq: s.base_seq,
    events: s.events,
    price: {
      mark,
      previous: s.previous_price,
      direction: mark === null || s.previous_price === null || mark === s.previous_price ? 'flat' : mark > s.previous_price ? 'up' : 'down',
      change: mark === null || s.previous_price === null ? null : mark - s.previous_price,
      ref: s.ref_price,
      ref_ts: s.ref_ts,
      change_ref: mark === null || s.ref_price === null ? null : mark - s.ref_price,
      change_ref_pct: mark === null || s.ref_price === null || s.ref_price === 0 ? null : ((mark - s.ref_price) / s.ref_price) * 100,
      history: s.prices.slice(-32),
    },
    funding: {
      rate: s.funding_rate,
      last_boundary: s.funding_boundary,
      period_ms: period,
      period_measured: s.funding_period !== null,
      next_at: nextAt,
      next_in_ms: nextAt - o.now,
    },
    pool:
      s.pool === null
        ? null
        : {
            tlv: s.pool.total_locked_value,
            tps: s.pool.total_pool_share,
            share_price: s.pool.total_pool_share > 0 ? s.pool.total_locked_value / s.pool.total_pool_share : null,
            nonce: s.pool.nonce,
          },
    market: { ...status, ...feedState(s, o.now), flags: { ...s.flags } },
    book: {
      step,
      long: levels(descending(s.open_long), depth, step, 'floor', keep),
      short: levels(s.open_short.entries(), depth, step, 'ceil', keep),
      long_total: totalOf(s, 'open_long', r.total_pending_long_btc, keep),
      short_total: totalOf(s, 'open_short', r.total_pending_short_btc, keep),
    },
    liquidations: {
      step,
      long: withDistance(levels(descending(s.liq_long), depth, step, 'ceil', keep), mark, 'LONG'),
      short: withDistance(levels(s.liq_short.entries(), depth, step, 'floor', keep), mark, 'SHORT'),
      long_total: totalOf(s, 'liq_long', r.total_long_btc, keep),
      short_total: totalOf(s, 'liq_short', r.total_short_btc, keep),
    },
    legs: {
      close: { ...s.legs.close },
      sl: { ...s.legs.sl },
      tp: { ...s.legs.tp },
      total: {
        close: s.legs.close.long + s.legs.close.short,
        sl: s.legs.sl.long + s.legs.sl.short,
        tp: s.legs.tp.long + s.legs.tp.short,
      },
    },
    risk: {
      long: r.total_long_btc,
      short: r.total_short_btc,
      pending_long: r.total_pending_long_btc,
      pending_short: r.total_pending_short_btc,
      open_interest: oi,
      max_open_interest: p.max_oi_mult * tlv,
      oi_used: tlv > 0 && p.max_oi_mult > 0 ? oi / (p.max_oi_mult * tlv) : null,
      net,
      max_net: p.max_net_mult * tlv,
      skew_used: tlv > 0 && p.max_net_mult > 0 ? Math.abs(net) / (p.max_net_mult * tlv) : null,
      long_pct: oi > 0 ? (r.total_long_btc / oi) * 100 : 0,
      short_pct: oi > 0 ? (r.total_short_btc / oi) * 100 : 0,
      utilization: tlv > 0 ? oi / tlv : 0,
      max_position: xPos,
      max_long: healthy ? Math.min(xOi, Math.max(0, p.max_net_mult * tlv - net), xPos) : 0,
      max_short: healthy ? Math.min(xOi, Math.max(0, p.max_net_mult * tlv + net), xPos) : 0,
      // the §15 factors are under pnl_cap: whether a source lists them as 0 or leaves them out is the same
      params: limits,
      pnl_cap: {
        max_pnl_factor: maxPnl,
        adl_target_factor: adlTarget,
        cap: maxPnl > 0 ? maxPnl * tlv : null,
        target: maxPnl > 0 ? adlTarget * tlv : null,
        traders_pnl_long: pnl?.long ?? null,
        traders_pnl_short: pnl?.short ?? null,
        used: pnl !== null && maxPnl > 0 && tlv > 0 ? Math.max(pnl.long, pnl.short) / (maxPnl * tlv) : null,
      },
    },
    counts: { ...s.counts },
    feed: recentFeed(s, o.feed ?? 50, account),
    filter: account,
  };
}

/** §6.1 market status, first match wins. */
export function marketStatusOf(s: BookStore): Pick<BookModel['market'], 'status' | 'reason'> {
  if (s.flags.manual_halt) return { status: 'HALT', reason: 'MANUAL_HALT' };
  if (s.flags.manual_close_only) return { status: 'CLOSE_ONLY', reason: 'MANUAL_CLOSE_ONLY' };
  if (s.pool === null || s.pool.total_locked_value <= 0) return { status: 'HALT', reason: 'POOL_EQUITY_INVALID' };
  return { status: 'HEALTHY', reason: null };
}

/** §6.1 / §8 feed: paused, no price, or how long since the last tick (stale after warn, halting after halt). */
function feedState(s: BookStore, now: number): { feed: FeedState; feed_age_ms: number | null } {
  const age = s.price_ts === null ? null : Math.max(0, now - s.price_ts);
  if (s.flags.pause_price_feed) return { feed: 'PAUSED', feed_age_ms: age };
  if (s.price === null || age === null) return { feed: 'NO_PRICE', feed_age_ms: age };
  if (age > s.feed_params.stale_halt_ms) return { feed: 'HALTED', feed_age_ms: age };
  if (age > s.feed_params.stale_warn_ms) return { feed: 'STALE', feed_age_ms: age };
  if (s.stale !== null && s.stale.at >= s.price_ts!) return { feed: s.stale.halted ? 'HALTED' : 'STALE', feed_age_ms: age };
  return { feed: 'LIVE', feed_age_ms: age };
}

/** A round bucket (1, 2, 2.5, 5 × 10ⁿ USD) no larger than 0.1 % of the price. */
export function autoStep(price: number | null): number {
  if (price === null || !(price > 1000)) return 1;
  const target = price / 1000;
  const mag = 10 ** Math.floor(Math.log10(target));
  let best = 1;
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag <= target) best = m * mag;
  return Math.max(1, best);
}

/** The funding period when only one boundary has been seen: the coarsest usual period it is a multiple of. */
function guessPeriod(boundary: number | null): number {
  if (boundary === null) return DEFAULT_FUNDING_PERIOD_MS;
  for (const p of [DEFAULT_FUNDING_PERIOD_MS, 60_000, 10_000, 1000]) if (boundary % p === 0) return p;
  return DEFAULT_FUNDING_PERIOD_MS;
}

/** Entries from the high end down, fetched in growing slices (the index only lists downward by count). */
function* descending<T>(idx: SortedIndex<T>): Generator<IndexEntry<T>> {
  let limit = 64;
  let given = 0;
  for (;;) {
    const batch = idx.highest(limit);
    for (let i = given; i < batch.length; i++) yield batch[i]!;
    if (batch.length < limit) return;
    given = batch.length;
    limit *= 4;
  }
}

function levels(entries: Iterable<IndexEntry<Resting>>, depth: number, step: number, round: 'floor' | 'ceil', keep: ((r: Resting) => boolean) | null): Level[] {
  const out: Level[] = [];
  if (depth <= 0) return out;
  let cur: Level | null = null;
  for (const e of entries) {
    const v = e.val;
    if (keep !== null && !keep(v)) continue;
    const bucket = Math[round](v.price / step) * step;
    if (cur === null || cur.price !== bucket) {
      if (out.length === depth) break;
      cur = { price: bucket, nearest: v.price, size: 0, count: 0 };
      out.push(cur);
    }
    cur.size += v.ev;
    cur.count++;
  }
  return out;
}

function withDistance(ls: Level[], mark: number | null, side: PositionType): LiqLevel[] {
  return ls.map((l) => {
    if (mark === null || mark <= 0) return { ...l, distance: null, distance_pct: null };
    const d = side === 'LONG' ? mark - l.nearest : l.nearest - mark;
    return { ...l, distance: d, distance_pct: (d / mark) * 100 };
  });
}

/** A side's size and count: the exposure totals, or the filtered account's own entries (all held, whatever the source). */
function totalOf(s: BookStore, name: LadderName, size: number, keep: ((r: Resting) => boolean) | null): SideTotal {
  const idx = s[name];
  if (keep === null) return { size, count: s.index_sizes?.[name] ?? idx.size };
  const t = { size: 0, count: 0 };
  for (const e of idx.entries())
    if (keep(e.val)) {
      t.size += e.val.ev;
      t.count++;
    }
  return t;
}
