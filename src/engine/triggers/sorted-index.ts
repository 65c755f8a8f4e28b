// A price-sorted index of (key, entry_sequence) → value, kept as a list of small sorted chunks:
// O(1) min/max (an idle tick only looks at the ends), O(log n + chunk) insert/remove, and range
// reads from either end (atLeast / atMost) that leave the index as it is: a fired order's keys go
// when evolve applies the event that closes or fills it. The one exception takes a range out as
// it reads it (takeAtLeast / takeAtMost): a tick's liquidations, which all leave the book (D324).
// Integer keys are trunc(price × 10⁴) (§5.1); ties order by entry_sequence. Each chunk's last
// (key, seq) is also kept in two flat typed arrays (the fences), so finding a chunk is a binary
// search over contiguous numbers instead of a chain of loads through chunk objects and their
// arrays (D321).

/** A loaded chunk's size; a chunk splits past twice this. Small, since an insert or a removal moves
 *  half a chunk on average; the fences keep the many chunks cheap to search (D321). */
const CHUNK_MAX = 32;

interface Chunk<T> {
  keys: number[];
  seqs: number[];
  vals: T[];
}

export interface IndexEntry<T> {
  key: number;
  seq: number;
  val: T;
}

export class SortedIndex<T> {
  private chunks: Chunk<T>[] = [];
  /** Per chunk, in chunk order: its last key and last seq. */
  private fenceKeys = new Float64Array(16);
  private fenceSeqs = new Float64Array(16);
  private count = 0;
  /** The chunk chunkFor found last (a hint, checked before use). */
  private lastChunk = 0;

  get size(): number {
    return this.count;
  }

  /** Smallest key, or +Infinity when empty. */
  minKey(): number {
    const c = this.chunks[0];
    return c === undefined ? Infinity : c.keys[0]!;
  }

  /** Largest key, or −Infinity when empty. */
  maxKey(): number {
    const c = this.chunks[this.chunks.length - 1];
    return c === undefined ? -Infinity : c.keys[c.keys.length - 1]!;
  }

  insert(key: number, seq: number, val: T): void {
    const chunks = this.chunks;
    this.count++;
    if (chunks.length === 0) {
      chunks.push({ keys: [key], seqs: [seq], vals: [val] });
      this.fence(0);
      return;
    }
    const ci = this.chunkFor(key, seq);
    const c = chunks[ci]!;
    const i = position(c, key, seq);
    insertAt(c.keys, i, key);
    insertAt(c.seqs, i, seq);
    insertAt(c.vals, i, val);
    if (i === c.keys.length - 1) this.fence(ci);
    if (c.keys.length > CHUNK_MAX * 2) this.split(ci);
  }

  /**
   * Fills an empty index with entries given in any order, sorted here once by (key, seq) and cut
   * into full chunks: what a snapshot load does instead of one insert per order (D264).
   */
  load(keys: readonly number[], seqs: readonly number[], vals: readonly T[]): void {
    if (this.count !== 0) throw new Error('SortedIndex.load needs an empty index');
    const n = keys.length;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => keys[a]! - keys[b]! || seqs[a]! - seqs[b]!);
    for (let from = 0; from < n; from += CHUNK_MAX) {
      const to = Math.min(n, from + CHUNK_MAX);
      const c: Chunk<T> = { keys: [], seqs: [], vals: [] };
      for (let j = from; j < to; j++) {
        const i = order[j]!;
        c.keys.push(keys[i]!);
        c.seqs.push(seqs[i]!);
        c.vals.push(vals[i]!);
      }
      this.chunks.push(c);
      this.fence(this.chunks.length - 1);
    }
    this.count = n;
  }

  /** Removes the entry (key, seq); false when absent. */
  remove(key: number, seq: number): boolean {
    const chunks = this.chunks;
    if (chunks.length === 0) return false;
    const ci = this.chunkFor(key, seq);
    const c = chunks[ci]!;
    const i = position(c, key, seq);
    if (i >= c.keys.length || c.keys[i] !== key || c.seqs[i] !== seq) return false;
    removeAt(c.keys, i);
    removeAt(c.seqs, i);
    removeAt(c.vals, i);
    this.count--;
    if (c.keys.length === 0) {
      chunks.splice(ci, 1);
      this.fenceKeys.copyWithin(ci, ci + 1, chunks.length + 1);
      this.fenceSeqs.copyWithin(ci, ci + 1, chunks.length + 1);
    } else if (i === c.keys.length) this.fence(ci);
    return true;
  }

  /** Values of every entry with key ≥ k, ascending by (key, seq); the index is not changed. */
  atLeast(k: number): T[] {
    const out: T[] = [];
    if (this.maxKey() < k) return out;
    const chunks = this.chunks;
    let ci = chunks.length - 1;
    while (ci > 0 && chunks[ci - 1]!.keys[chunks[ci - 1]!.keys.length - 1]! >= k) ci--;
    for (let c = ci; c < chunks.length; c++) {
      const ch = chunks[c]!;
      for (let j = 0; j < ch.keys.length; j++) if (ch.keys[j]! >= k) out.push(ch.vals[j]!);
    }
    return out;
  }

  /** Values of every entry with key ≤ k, ascending by (key, seq); the index is not changed. */
  atMost(k: number): T[] {
    const out: T[] = [];
    if (this.minKey() > k) return out;
    for (const ch of this.chunks) {
      if (ch.keys[0]! > k) break;
      for (let j = 0; j < ch.keys.length && ch.keys[j]! <= k; j++) out.push(ch.vals[j]!);
    }
    return out;
  }

  /**
   * Removes every entry with key ≥ k and returns their values ascending by (key, seq): atLeast and
   * one remove per entry at once (a cascade's liquidations, which all leave this book; D324).
   */
  takeAtLeast(k: number): T[] {
    if (this.maxKey() < k) return [];
    const chunks = this.chunks;
    let ci = chunks.length - 1;
    while (ci > 0 && chunks[ci - 1]!.keys[chunks[ci - 1]!.keys.length - 1]! >= k) ci--;
    const c = chunks[ci]!;
    let j = 0;
    while (c.keys[j]! < k) j++;
    const out = c.vals.splice(j);
    c.keys.length = j;
    c.seqs.length = j;
    for (let x = ci + 1; x < chunks.length; x++) for (const v of chunks[x]!.vals) out.push(v);
    chunks.length = j === 0 ? ci : ci + 1;
    if (j > 0) this.fence(ci);
    this.count -= out.length;
    return out;
  }

  /** Removes every entry with key ≤ k and returns their values ascending by (key, seq) (D324). */
  takeAtMost(k: number): T[] {
    if (this.minKey() > k) return [];
    const chunks = this.chunks;
    const out: T[] = [];
    let whole = 0;
    for (; whole < chunks.length && chunks[whole]!.keys[chunks[whole]!.keys.length - 1]! <= k; whole++) {
      for (const v of chunks[whole]!.vals) out.push(v);
    }
    if (whole < chunks.length) {
      const c = chunks[whole]!;
      let j = 0;
      while (c.keys[j]! <= k) j++;
      for (const v of c.vals.splice(0, j)) out.push(v);
      c.keys.splice(0, j);
      c.seqs.splice(0, j);
    }
    if (whole > 0) {
      const n = chunks.length;
      chunks.splice(0, whole);
      this.fenceKeys.copyWithin(0, whole, n);
      this.fenceSeqs.copyWithin(0, whole, n);
    }
    this.count -= out.length;
    return out;
  }

  /** Every value ascending by (key, seq), without removing. */
  values(): T[] {
    const out: T[] = [];
    for (const c of this.chunks) for (let j = 0; j < c.vals.length; j++) out.push(c.vals[j]!);
    return out;
  }

  /** Every entry ascending, without removing. */
  *entries(): IterableIterator<IndexEntry<T>> {
    for (const c of this.chunks) {
      for (let j = 0; j < c.keys.length; j++) yield { key: c.keys[j]!, seq: c.seqs[j]!, val: c.vals[j]! };
    }
  }

  /** Entries in ascending order from the low end, at most `limit` (for ladders and tools). */
  lowest(limit: number): IndexEntry<T>[] {
    const out: IndexEntry<T>[] = [];
    for (const e of this.entries()) {
      if (out.length >= limit) break;
      out.push(e);
    }
    return out;
  }

  /** Entries in descending order from the high end, at most `limit`. */
  highest(limit: number): IndexEntry<T>[] {
    const out: IndexEntry<T>[] = [];
    for (let c = this.chunks.length - 1; c >= 0 && out.length < limit; c--) {
      const ch = this.chunks[c]!;
      for (let j = ch.keys.length - 1; j >= 0 && out.length < limit; j--) out.push({ key: ch.keys[j]!, seq: ch.seqs[j]!, val: ch.vals[j]! });
    }
    return out;
  }

  clear(): void {
    this.chunks = [];
    this.count = 0;
  }

  /** Records chunk ci's last entry in the fences. */
  private fence(ci: number): void {
    this.fenceRoom(ci + 1);
    const c = this.chunks[ci]!;
    const n = c.keys.length - 1;
    this.fenceKeys[ci] = c.keys[n]!;
    this.fenceSeqs[ci] = c.seqs[n]!;
  }

  /** Index of the chunk where (key, seq) belongs: the first whose last entry is ≥ it. */
  private chunkFor(key: number, seq: number): number {
    const chunks = this.chunks;
    // A cascade removes entries one after another in key order, mostly from the chunk the last
    // call found: two reads confirm it is still the one, instead of a binary search (D300).
    const h = this.lastChunk;
    if (h < chunks.length && !this.fenceBelow(h, key, seq) && (h === 0 || this.fenceBelow(h - 1, key, seq))) return h;
    this.lastChunk = this.searchChunk(key, seq);
    return this.lastChunk;
  }

  private searchChunk(key: number, seq: number): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.fenceBelow(mid, key, seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Grows the fences (doubling) to hold at least n chunks. */
  private fenceRoom(n: number): void {
    if (n <= this.fenceKeys.length) return;
    let cap = this.fenceKeys.length * 2;
    while (cap < n) cap *= 2;
    const keys = new Float64Array(cap);
    const seqs = new Float64Array(cap);
    keys.set(this.fenceKeys);
    seqs.set(this.fenceSeqs);
    this.fenceKeys = keys;
    this.fenceSeqs = seqs;
  }

  /** Is chunk ci's last (key, seq) below the given pair? */
  private fenceBelow(ci: number, key: number, seq: number): boolean {
    const lk = this.fenceKeys[ci]!;
    return lk < key || (lk === key && this.fenceSeqs[ci]! < seq);
  }

  private split(ci: number): void {
    const c = this.chunks[ci]!;
    const half = c.keys.length >>> 1;
    const right: Chunk<T> = { keys: c.keys.splice(half), seqs: c.seqs.splice(half), vals: c.vals.splice(half) };
    this.chunks.splice(ci + 1, 0, right);
    const n = this.chunks.length;
    // the fences of the chunks after ci move up one slot
    this.fenceRoom(n);
    this.fenceKeys.copyWithin(ci + 2, ci + 1, n - 1);
    this.fenceSeqs.copyWithin(ci + 2, ci + 1, n - 1);
    this.fence(ci);
    this.fence(ci + 1);
  }
}

/** First position in a chunk whose (key, seq) is ≥ the given pair. */
function position<T>(c: Chunk<T>, key: number, seq: number): number {
  let lo = 0;
  let hi = c.keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = c.keys[mid]!;
    if (k < key || (k === key && c.seqs[mid]! < seq)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** In-place insert: shifts the tail by one instead of allocating as splice does. */
function insertAt<T>(a: T[], i: number, v: T): void {
  let j = a.length;
  a.push(v);
  for (; j > i; j--) a[j] = a[j - 1]!;
  a[i] = v;
}

/**
 * In-place remove, moving the shorter side: a front half entry moves its predecessors up one and
 * drops the first with shift(), which V8 does without copying (it trims the array's start). A
 * cascade removes each chunk's entries from the front, one after another.
 */
function removeAt<T>(a: T[], i: number): void {
  const n = a.length - 1;
  if (i < n >>> 1) {
    for (let j = i; j > 0; j--) a[j] = a[j - 1]!;
    a.shift();
    return;
  }
  for (let j = i; j < n; j++) a[j] = a[j + 1]!;
  a.pop();
}
