// The engine's in-memory state. Everything here except `price_ts` is rebuilt exactly by replaying
// the event log with evolve; `price_ts` (the feed clock) moves on ticks that emit no event
// (SPEC §2.5, §12) and travels in snapshots and commit metadata instead (docs/decisions.md).
import { SeenIds } from './dedupe.js';
import { ClosedOrders } from './orders/history.js';
import { emptyBooks, type Books } from './triggers/books.js';
import { StringMap } from './util/string-map.js';
import {
  DEFAULT_CONFIG,
  DEFAULT_FEED_PARAMS,
  DEFAULT_FEES,
  DEFAULT_RISK_PARAMS,
  type EngineConfig,
  type FeedParams,
  type Fees,
  type LendOrder,
  type Pool,
  type RiskFlags,
  type RiskParams,
  type RiskTotals,
  type TraderOrder,
} from './types.js';

export type RiskState = RiskTotals & RiskFlags;

export type { ClosedOrder } from './orders/history.js';

export interface State {
  /** seq of the last event applied. */
  seq: number;
  /** ts of the last event applied. */
  last_ts: number;
  pool: Pool | null;
  pool_account: string | null;
  price: number | null;
  price_ts: number | null;
  funding_rate: number;
  /** Boundary (ms) of the last scheduled funding cycle, null before the first (issue: scheduler). */
  funding_boundary: number | null;
  feed: FeedParams;
  /** ts of the last PriceStale warning; a new warning needs a tick after it. */
  stale_warned_at: number | null;
  fees: Fees;
  params: RiskParams;
  risk: RiskState;
  trader_seq: number;
  lend_seq: number;
  /** The PS log: summed position size of FILLED longs / shorts (§4.8). */
  ps_long: number;
  ps_short: number;
  /** Active trader orders (PENDING, FILLED) in entry_sequence order. */
  orders: StringMap<TraderOrder>;
  /** Running counts of `orders` by status, so a batch summary need not walk every order. */
  pending_count: number;
  filled_count: number;
  /** Closed orders still remembered (§12 bounded memory), oldest first; also their forgetting queue. */
  closed: ClosedOrders;
  trader_by_account: StringMap<string>;
  /** Active lend orders (FILLED) in entry_sequence order. */
  lends: StringMap<LendOrder>;
  lend_by_account: StringMap<string>;
  books: Books;
  /** command id → seq of the first event of its first execution (§12 duplicates). */
  seen: SeenIds;
  config: EngineConfig;
}

function emptyRisk(): RiskState {
  return {
    total_long_btc: 0,
    total_short_btc: 0,
    total_pending_long_btc: 0,
    total_pending_short_btc: 0,
    manual_halt: false,
    manual_close_only: false,
    pause_funding: false,
    pause_price_feed: false,
  };
}

export function emptyState(config: Partial<EngineConfig> = {}): State {
  return {
    seq: 0,
    last_ts: 0,
    pool: null,
    pool_account: null,
    price: null,
    price_ts: null,
    funding_rate: 0,
    funding_boundary: null,
    feed: { ...DEFAULT_FEED_PARAMS },
    stale_warned_at: null,
    fees: { ...DEFAULT_FEES },
    params: { ...DEFAULT_RISK_PARAMS },
    risk: emptyRisk(),
    trader_seq: 0,
    lend_seq: 0,
    ps_long: 0,
    ps_short: 0,
    orders: new StringMap(),
    pending_count: 0,
    filled_count: 0,
    closed: new ClosedOrders(),
    trader_by_account: new StringMap(),
    lends: new StringMap(),
    lend_by_account: new StringMap(),
    books: emptyBooks(),
    seen: new SeenIds(),
    config: { ...DEFAULT_CONFIG, ...config },
  };
}

export function totalsOf(risk: RiskState): RiskTotals {
  return {
    total_long_btc: risk.total_long_btc,
    total_short_btc: risk.total_short_btc,
    total_pending_long_btc: risk.total_pending_long_btc,
    total_pending_short_btc: risk.total_pending_short_btc,
  };
}

export function flagsOf(risk: RiskState): RiskFlags {
  return {
    manual_halt: risk.manual_halt,
    manual_close_only: risk.manual_close_only,
    pause_funding: risk.pause_funding,
    pause_price_feed: risk.pause_price_feed,
  };
}
