// The one-line state summary committed with each batch and printed by status/replay.
import { marketStatus, type State } from '../engine/index.js';
import { fastStateHash } from './fast-hash.js';
import { flagsOf, totalsOf } from '../engine/state.js';

export interface StateSummary {
  seq: number;
  last_ts: number;
  price: number | null;
  price_ts: number | null;
  funding_rate: number;
  funding_boundary: number | null;
  feed: State['feed'];
  stale_warned_at: number | null;
  pool: State['pool'];
  status: string;
  status_reason: string | null;
  totals: ReturnType<typeof totalsOf>;
  flags: ReturnType<typeof flagsOf>;
  orders: { pending: number; filled: number; lend: number };
  state_hash?: string;
}

/** Committed with every batch: O(1), from the state's running counters (no walk over the orders). */
export function summarize(state: State, withHash = false): StateSummary {
  const s = marketStatus(state);
  return {
    seq: state.seq,
    last_ts: state.last_ts,
    price: state.price,
    price_ts: state.price_ts,
    funding_rate: state.funding_rate,
    funding_boundary: state.funding_boundary,
    feed: state.feed,
    stale_warned_at: state.stale_warned_at,
    pool: state.pool,
    status: s.status,
    status_reason: s.reason,
    totals: totalsOf(state.risk),
    flags: flagsOf(state.risk),
    orders: { pending: state.pending_count, filled: state.filled_count, lend: state.lends.size },
    ...(withHash ? { state_hash: fastStateHash(state) } : {}),
  };
}
