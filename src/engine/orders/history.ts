// Closed trader orders kept for lookups (SPEC §12 "Bounded memory"): a settled, cancelled or
// liquidated order is remembered (a close naming it is INVALID_STATUS) for `history_window_ms`
// of command time and while among the newest `history_max_orders` closed orders; then it is
// forgotten and a command naming it answers as for an unknown order (ORDER_NOT_FOUND). Orders
// close in ts order, so a ring of (uuid, closed ts) oldest first is all forgetting needs.
import type { ClosedOrder } from '../state.js';
import { Ring } from '../util/ring.js';

export class ClosedLog {
  /** Rows: key = uuid, first = closed ts. */
  private readonly rows = new Ring();

  add(uuid: string, ts: number): void {
    this.rows.push(uuid, ts, 0);
  }

  /** Forgets, oldest first, the closed orders older than the window or past the count. */
  forget(closed: Map<string, ClosedOrder>, now: number, windowMs: number, maxOrders: number): void {
    const r = this.rows;
    const horizon = now - windowMs;
    while (r.length > 0 && (r.first(r.head) < horizon || closed.size > maxOrders)) {
      closed.delete(r.key(r.head)!);
      r.shift();
    }
  }

  /** Does the oldest entry need forgetting at `now`? (the O(1) test evolve runs on every event) */
  due(now: number, windowMs: number): boolean {
    const r = this.rows;
    return r.length > 0 && r.first(r.head) < now - windowMs;
  }
}
