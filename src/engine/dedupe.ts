// Command ids remembered for duplicate detection (SPEC §2, §12): id → seq of the first event of
// its first execution. Bounded (§12 "Bounded memory"): an id is forgotten once it is older than
// the window or once `maxIds` newer ids exist, oldest first, on command time and counts only, so
// live and replayed states forget the same ids. Rows (id, seq, ts) sit oldest first in a keyed
// ring (typed columns with an open-addressing index, util/keyed-ring.ts); a lookup also checks
// the window, so an expired id is never a duplicate even before the next remember prunes it.
import { KeyedRing } from './util/keyed-ring.js';

export class SeenIds {
  /** Rows: key = id, first = seq, second = ts. */
  private readonly rows = new KeyedRing();
  private lastId: string | null = null;
  private lastTs = NaN;
  /** The id `original` last found absent; nothing adds it before the next remember, which then need not look again. */
  private absent: string | null = null;

  get size(): number {
    return this.rows.size;
  }

  /** Room for `n` rows in a fresh set (a snapshot load). */
  reserve(n: number): void {
    this.rows.reserve(n);
  }

  /** seq of the original execution when `id` is a duplicate at command time `now`. */
  original(id: string, now: number, windowMs: number): number | undefined {
    const abs = this.rows.find(id);
    if (abs < 0) {
      this.absent = id;
      return undefined;
    }
    return now - this.rows.second(abs) > windowMs ? undefined : this.rows.first(abs);
  }

  has(id: string): boolean {
    return this.rows.find(id) >= 0;
  }

  /**
   * Records the first event of a command, then forgets ids older than the window and the oldest
   * ones past `maxIds`.
   */
  remember(id: string, seq: number, ts: number, windowMs: number, maxIds = Infinity): void {
    if (id === this.lastId && ts === this.lastTs) return; // the later events of the command just remembered
    this.lastId = id;
    this.lastTs = ts;
    this.prune(ts - windowMs, maxIds);
    const r = this.rows;
    const abs = id === this.absent ? -1 : r.find(id);
    this.absent = null;
    if (abs >= 0) {
      if (ts - r.second(abs) <= windowMs) return;
      r.kill(abs); // superseded: entries() and prune skip the old row
    }
    r.push(id, seq, ts);
    if (r.size > maxIds) this.prune(-Infinity, maxIds);
  }

  /** Live entries, oldest first: [id, seq, ts]. */
  *entries(): Generator<[string, number, number]> {
    const r = this.rows;
    for (let p = r.head; p < r.tail; p++) {
      const id = r.key(p);
      if (id !== undefined) yield [id, r.first(p), r.second(p)];
    }
  }

  /** The snapshot's `s` lines, `{"s":[id,seq,ts]}`, written as JSON.stringify writes them. */
  *lines(): Generator<string> {
    const r = this.rows;
    for (let p = r.head; p < r.tail; p++) {
      const id = r.key(p);
      if (id !== undefined) yield `{"s":[${JSON.stringify(id)},${r.first(p)},${r.second(p)}]}`;
    }
  }

  /** Drops rows older than `horizon` and, oldest first, those past `maxIds` live ids. */
  private prune(horizon: number, maxIds: number): void {
    const r = this.rows;
    while (r.length > 0 && (r.second(r.head) < horizon || r.size > maxIds)) r.shift();
  }
}
