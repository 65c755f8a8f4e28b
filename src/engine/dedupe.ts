// Command ids remembered for duplicate detection (SPEC §2, §12): id → seq of the first event of
// its first execution, kept while `ts − first ts ≤ dedupe_window_ms`. Oldest first in a log so
// pruning is cheap; a lookup also checks the window, so an expired id is never a duplicate even
// before it is pruned.

export class SeenIds {
  private readonly index = new Map<string, number>();
  private ids: string[] = [];
  private seqs: number[] = [];
  private ts: number[] = [];
  /** Absolute log position of ids[0]. */
  private base = 0;
  private head = 0;
  private lastId: string | null = null;
  private lastTs = NaN;

  get size(): number { return this.index.size; }

  /** seq of the original execution when `id` is a duplicate at command time `now`. */
  original(id: string, now: number, windowMs: number): number | undefined {
    const abs = this.index.get(id);
    if (abs === undefined) return undefined;
    const i = abs - this.base;
    return now - this.ts[i]! > windowMs ? undefined : this.seqs[i];
  }

  has(id: string): boolean { return this.index.has(id); }

  /** Records the first event of a command; forgets ids whose first event is older than the window. */
  remember(id: string, seq: number, ts: number, windowMs: number): void {
    if (id === this.lastId && ts === this.lastTs) return; // the later events of the command just remembered
    this.lastId = id;
    this.lastTs = ts;
    this.prune(ts - windowMs);
    const abs = this.index.get(id);
    if (abs !== undefined && ts - this.ts[abs - this.base]! <= windowMs) return;
    this.index.set(id, this.base + this.ids.length);
    this.ids.push(id);
    this.seqs.push(seq);
    this.ts.push(ts);
  }

  /** Live entries, oldest first: [id, seq, ts]. */
  *entries(): Generator<[string, number, number]> {
    for (let i = this.head; i < this.ids.length; i++) {
      const id = this.ids[i]!;
      if (this.index.get(id) === this.base + i) yield [id, this.seqs[i]!, this.ts[i]!];
    }
  }

  private prune(horizon: number): void {
    while (this.head < this.ids.length && this.ts[this.head]! < horizon) {
      const id = this.ids[this.head]!;
      if (this.index.get(id) === this.base + this.head) this.index.delete(id);
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
