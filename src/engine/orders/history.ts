// Closed trader orders kept for lookups (SPEC §12 "Bounded memory"): a settled, cancelled or
// liquidated order is remembered (a close naming it is INVALID_STATUS) for `history_window_ms`
// of command time and while among the newest `history_max_orders` closed orders; then it is
// forgotten and a command naming it answers as for an unknown order (ORDER_NOT_FOUND). Orders
// close in ts order, so a queue of (uuid, closed ts) oldest first is all forgetting needs.
import type { ClosedOrder } from '../state.js';

export class ClosedLog {
  private ids: string[] = [];
  private ts: number[] = [];
  private head = 0;

  add(uuid: string, ts: number): void {
    this.ids.push(uuid);
    this.ts.push(ts);
  }

  /** Forgets, oldest first, the closed orders older than the window or past the count. */
  forget(closed: Map<string, ClosedOrder>, now: number, windowMs: number, maxOrders: number): void {
    const horizon = now - windowMs;
    while (this.head < this.ids.length && (this.ts[this.head]! < horizon || closed.size > maxOrders)) {
      closed.delete(this.ids[this.head]!);
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.ts = this.ts.slice(this.head);
      this.head = 0;
    }
  }

  /** Does the oldest entry need forgetting at `now`? (the O(1) test evolve runs on every event) */
  due(now: number, windowMs: number): boolean {
    return this.head < this.ids.length && this.ts[this.head]! < now - windowMs;
  }
}
