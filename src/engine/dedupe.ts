// Command ids remembered for duplicate detection (SPEC §2, §12): id → seq of the first event of
// its first execution. Bounded (§12 "Bounded memory"): an id is forgotten once it is older than
// the window or once `maxIds` newer ids exist, oldest first, on command time and counts only, so
// live and replayed states forget the same ids. Entries sit oldest first in a queue of columns
// (ids, seqs, ts) so forgetting is a head pointer moving; a lookup also checks the window, so an
// expired id is never a duplicate even before the next remember prunes it.

export class SeenIds {
  private readonly index = new Map<string, number>();
  private ids: string[] = [];
  private seqs: number[] = [];
  private ts: number[] = [];
  /** Absolute queue position of ids[0]. */
  private base = 0;
  private head = 0;
  private lastId: string | null = null;
  private lastTs = NaN;
  /** The last id looked up and its queue position: remember reuses it instead of a second lookup. */
  private queried: string | null = null;
  private queriedAbs: number | undefined = undefined;

  get size(): number { return this.index.size; }

  /** seq of the original execution when `id` is a duplicate at command time `now`. */
  original(id: string, now: number, windowMs: number): number | undefined {
    const abs = this.index.get(id);
    this.queried = id;
    this.queriedAbs = abs;
    if (abs === undefined) return undefined;
    const i = abs - this.base;
    return now - this.ts[i]! > windowMs ? undefined : this.seqs[i];
  }

  has(id: string): boolean { return this.index.has(id); }

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
    if (abs !== undefined && ts - this.ts[abs - this.base]! <= windowMs) return;
    this.index.set(id, this.base + this.ids.length);
    this.queried = null;
    this.ids.push(id);
    this.seqs.push(seq);
    this.ts.push(ts);
    if (this.index.size > maxIds) this.prune(-Infinity, maxIds);
  }

  /** Live entries, oldest first: [id, seq, ts]. */
  *entries(): Generator<[string, number, number]> {
    for (let i = this.head; i < this.ids.length; i++) {
      const id = this.ids[i]!;
      if (this.index.get(id) === this.base + i) yield [id, this.seqs[i]!, this.ts[i]!];
    }
  }

  /** Drops entries older than `horizon` and, oldest first, those past `maxIds` live ids. */
  private prune(horizon: number, maxIds: number): void {
    while (this.head < this.ids.length && (this.ts[this.head]! < horizon || this.index.size > maxIds)) {
      const id = this.ids[this.head]!;
      if (this.index.get(id) === this.base + this.head) {
        this.index.delete(id);
        if (id === this.queried) this.queried = null;
      }
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.seqs = this.seqs.slice(this.head);
      this.ts = this.ts.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
  }
}
