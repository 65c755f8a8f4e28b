// Command ids remembered for duplicate detection (SPEC §2, §12): id → seq of the first event of
// its first execution. Bounded (§12 "Bounded memory"): an id is forgotten once it is older than
// the window or once `maxIds` newer ids exist, oldest first, on command time and counts only, so
// live and replayed states forget the same ids. Rows (id, seq, ts) sit oldest first in a ring of
// typed columns, and the index maps an id to its row's absolute position; a lookup also checks
// the window, so an expired id is never a duplicate even before the next remember prunes it.
import { Ring } from './util/ring.js';

export class SeenIds {
  private readonly index = new Map<string, number>();
  /** Rows: key = id, first = seq, second = ts. */
  private readonly rows = new Ring();
  private lastId: string | null = null;
  private lastTs = NaN;
  /** The last id looked up and its row: remember reuses it instead of a second lookup. */
  private queried: string | null = null;
  private queriedAbs: number | undefined = undefined;

  get size(): number {
    return this.index.size;
  }

  /** seq of the original execution when `id` is a duplicate at command time `now`. */
  original(id: string, now: number, windowMs: number): number | undefined {
    const abs = this.index.get(id);
    this.queried = id;
    this.queriedAbs = abs;
    if (abs === undefined) return undefined;
    return now - this.rows.second(abs) > windowMs ? undefined : this.rows.first(abs);
  }

  has(id: string): boolean {
    return this.index.has(id);
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
    const abs = id === this.queried ? this.queriedAbs : this.index.get(id);
    if (abs !== undefined) {
      if (ts - this.rows.second(abs) <= windowMs) return;
      this.rows.clear(abs); // superseded: entries() and prune skip the old row without a lookup
    }
    this.index.set(id, this.rows.push(id, seq, ts));
    this.queried = null;
    if (this.index.size > maxIds) this.prune(-Infinity, maxIds);
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
    while (r.length > 0 && (r.second(r.head) < horizon || this.index.size > maxIds)) {
      const id = r.key(r.head);
      if (id !== undefined) {
        this.index.delete(id);
        if (id === this.queried) this.queried = null;
      }
      r.shift();
    }
  }
}
