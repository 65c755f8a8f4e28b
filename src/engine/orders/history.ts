// Closed trader orders kept for lookups (SPEC §12 "Bounded memory"): a settled, cancelled or
// liquidated order is remembered (a close naming it is INVALID_STATUS) for `history_window_ms`
// of command time and while among the newest `history_max_orders` closed orders; then it is
// forgotten and a command naming it answers as for an unknown order (ORDER_NOT_FOUND). Orders
// close in ts order, so a keyed ring of (uuid, closed ts, status, account) oldest first is both
// the lookup and the forgetting queue: no object or Map entry per closed order (D201).
import type { TraderStatus } from '../types.js';
import { stringHash } from '../util/hash-slots.js';
import { KeyedRing } from '../util/keyed-ring.js';

/** What is kept of a trader order after it reached a terminal status, and when (ts) it did. */
export interface ClosedOrder {
  account_id: string;
  status: TraderStatus;
  closed_ts: number;
}

const STATUSES: readonly TraderStatus[] = ['PENDING', 'FILLED', 'SETTLED', 'CANCELLED', 'LIQUIDATE'];

export class ClosedOrders {
  /** Rows: key = uuid, first = closed ts, second = index in STATUSES, note = account id. */
  private readonly rows = new KeyedRing(true);

  get size(): number {
    return this.rows.size;
  }

  /** Room for `n` rows in a fresh set (a snapshot load). */
  reserve(n: number): void {
    this.rows.reserve(n);
  }

  /** Remembers an order that just closed (orders close in ts order); `h` is stringHash(uuid). */
  add(uuid: string, account_id: string, status: TraderStatus, ts: number, h = stringHash(uuid)): void {
    this.rows.pushHashed(uuid, h, ts, STATUSES.indexOf(status), account_id);
  }

  has(uuid: string): boolean {
    return this.rows.find(uuid) >= 0;
  }

  /** ts at which `uuid` closed, undefined when it is not remembered (no record is built); `h` is stringHash(uuid). */
  closedTs(uuid: string, h?: number): number | undefined {
    const abs = h === undefined ? this.rows.find(uuid) : this.rows.findHashed(uuid, h);
    return abs < 0 ? undefined : this.rows.first(abs);
  }

  get(uuid: string): ClosedOrder | undefined {
    const abs = this.rows.find(uuid);
    return abs < 0 ? undefined : this.at(abs);
  }

  /** Forgets, oldest first, the closed orders older than the window or past the count. */
  forget(now: number, windowMs: number, maxOrders: number): void {
    const r = this.rows;
    const horizon = now - windowMs;
    while (r.length > 0 && (r.first(r.head) < horizon || r.size > maxOrders)) r.shift();
  }

  /** Does the oldest entry need forgetting at `now`? (the O(1) test evolve runs on every event) */
  due(now: number, windowMs: number): boolean {
    const r = this.rows;
    return r.length > 0 && r.first(r.head) < now - windowMs;
  }

  /** Remembered orders, oldest first, as a Map of them would list them. */
  *entries(): Generator<[string, ClosedOrder]> {
    const r = this.rows;
    for (let p = r.head; p < r.tail; p++) {
      const uuid = r.key(p);
      if (uuid !== undefined) yield [uuid, this.at(p)];
    }
  }

  *keys(): Generator<string> {
    for (const [uuid] of this.entries()) yield uuid;
  }

  *values(): Generator<ClosedOrder> {
    for (const [, c] of this.entries()) yield c;
  }

  [Symbol.iterator](): Generator<[string, ClosedOrder]> {
    return this.entries();
  }

  private at(abs: number): ClosedOrder {
    const r = this.rows;
    return { account_id: r.note(abs)!, status: STATUSES[r.second(abs)]!, closed_ts: r.first(abs) };
  }
}
