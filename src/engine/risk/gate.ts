// §6.1–§6.3: market status, feed availability, and the gates in front of open/close/lend.
import type { CreateTrader } from '../commands.js';
import type { State } from '../state.js';
import { entryValue } from '../math.js';
import type { MarketStatus, ReasonCode } from '../types.js';

interface StatusOf {
  readonly status: MarketStatus;
  readonly reason: 'MANUAL_HALT' | 'MANUAL_CLOSE_ONLY' | 'POOL_EQUITY_INVALID' | null;
}

const MANUAL_HALT: StatusOf = Object.freeze({ status: 'HALT', reason: 'MANUAL_HALT' });
const MANUAL_CLOSE_ONLY: StatusOf = Object.freeze({ status: 'CLOSE_ONLY', reason: 'MANUAL_CLOSE_ONLY' });
const POOL_EQUITY_INVALID: StatusOf = Object.freeze({ status: 'HALT', reason: 'POOL_EQUITY_INVALID' });
const HEALTHY: StatusOf = Object.freeze({ status: 'HEALTHY', reason: null });

/** §6.1 market status, first match wins. */
export function marketStatus(state: State): StatusOf {
  if (state.risk.manual_halt) return MANUAL_HALT;
  if (state.risk.manual_close_only) return MANUAL_CLOSE_ONLY;
  if (state.pool === null || state.pool.total_locked_value <= 0) return POOL_EQUITY_INVALID;
  return HEALTHY;
}

/** §6.1 feed unavailable: paused, no price yet, or stale at command time `ts`. */
function feedUnavailable(state: State, ts: number): 'NO_PRICE' | 'PRICE_FEED_PAUSED' | null {
  if (state.price === null) return 'NO_PRICE';
  if (state.risk.pause_price_feed) return 'PRICE_FEED_PAUSED';
  if (state.price_ts === null || ts - state.price_ts > state.feed.stale_halt_ms) return 'PRICE_FEED_PAUSED';
  return null;
}

function haltCode(s: StatusOf): ReasonCode {
  return s.reason === 'MANUAL_HALT' ? 'HALT:MANUAL_HALT' : 'HALT:POOL_EQUITY_INVALID';
}

/** §6.3 gate for ExecuteTraderOrder* and CancelTraderOrder*: feed and HALT refuse, CLOSE_ONLY allows. */
export function closeGate(state: State, ts: number): ReasonCode | null {
  const feed = feedUnavailable(state, ts);
  if (feed !== null) return feed;
  const s = marketStatus(state);
  return s.status === 'HALT' ? haltCode(s) : null;
}

/** §6.3 gate for lend operations: only HALT refuses, including no pool / TLV ≤ 0 (§7) even when close-only ranks first in §6.1. */
export function lendGate(state: State): ReasonCode | null {
  const s = marketStatus(state);
  if (s.status === 'HALT') return haltCode(s);
  if (state.pool === null || state.pool.total_locked_value <= 0) return 'HALT:POOL_EQUITY_INVALID';
  return null;
}

/** §6.2 limits available to a new position on one side (0 unless HEALTHY). */
export function openLimits(state: State) {
  const r = state.risk;
  const p = state.params;
  const ep = state.pool === null ? 0 : state.pool.total_locked_value;
  const oi = r.total_long_btc + r.total_short_btc;
  const net = r.total_long_btc - r.total_short_btc;
  const xPos = p.max_position_pct * ep;
  const xOi = Math.max(0, p.max_oi_mult * ep - oi);
  const xNetLong = Math.max(0, p.max_net_mult * ep - net);
  const xNetShort = Math.max(0, p.max_net_mult * ep + net);
  const healthy = marketStatus(state).status === 'HEALTHY';
  return {
    xPos,
    xOi,
    xNetLong,
    xNetShort,
    maxLong: healthy ? Math.min(xOi, xNetLong, xPos) : 0,
    maxShort: healthy ? Math.min(xOi, xNetShort, xPos) : 0,
  };
}

/** §6.2 open checks in order; NO_PRICE is reported by the caller first (§2.1 rule 2). */
export function openCheck(state: State, ts: number, o: Pick<CreateTrader, 'position_type' | 'initial_margin' | 'leverage'>): ReasonCode | null {
  const feed = feedUnavailable(state, ts);
  if (feed !== null) return feed;
  const s = marketStatus(state);
  if (s.status === 'HALT') return haltCode(s);
  if (s.status === 'CLOSE_ONLY') return 'CLOSE_ONLY:MANUAL_CLOSE_ONLY';
  if (o.initial_margin <= 0 || o.leverage <= 0) return 'INVALID_PARAMS';
  const p = state.params;
  if (p.max_leverage > 0 && o.leverage > p.max_leverage) return 'LEVERAGE_TOO_HIGH';
  const x = entryValue(o.initial_margin, o.leverage);
  if (p.min_position_btc > 0 && x < p.min_position_btc) return 'BELOW_MIN_SIZE';
  const l = openLimits(state);
  const xNet = o.position_type === 'LONG' ? l.xNetLong : l.xNetShort;
  const allowed = o.position_type === 'LONG' ? l.maxLong : l.maxShort;
  if (x > l.xPos) return 'SIZE_TOO_LARGE';
  if (x > l.xOi) return 'OI_LIMIT_REACHED';
  if (x > xNet) return 'SKEW_LIMIT_REACHED';
  if (x > allowed) return 'LIMIT_REACHED';
  return null;
}

const REASON_TEXT: Partial<Record<ReasonCode, string>> = {
  NO_PRICE: 'no price has been received yet',
  PRICE_FEED_PAUSED: 'the price feed is paused or stale',
  'HALT:MANUAL_HALT': 'the market is halted by the operator',
  'HALT:POOL_EQUITY_INVALID': 'the market is halted: the pool has no equity',
  'CLOSE_ONLY:MANUAL_CLOSE_ONLY': 'the market is close-only',
  INVALID_PARAMS: 'initial margin and leverage must be positive',
  LEVERAGE_TOO_HIGH: 'leverage is above the maximum',
  BELOW_MIN_SIZE: 'position is below the minimum size',
  SIZE_TOO_LARGE: 'position is larger than the per-position limit',
  OI_LIMIT_REACHED: 'open interest limit reached',
  SKEW_LIMIT_REACHED: 'long/short skew limit reached',
  LIMIT_REACHED: 'risk limit reached',
  PNL_CAP_REACHED: "the withdrawal would put traders' profit above the pool's PnL cap",
};

export function reasonText(code: ReasonCode): string {
  return REASON_TEXT[code] ?? code;
}
