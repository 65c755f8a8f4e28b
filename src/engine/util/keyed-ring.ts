// A FIFO of rows (a string key, two numbers, optionally a second string) in columns, with a hash
// index from every live key to its row: the dedupe ids and the closed orders of SPEC §12, which
// are forgotten oldest first. The index is an open-addressing table (linear probing, deletion by
// backward shift) in an Int32Array of ring slots, with each row's 32-bit key hash kept beside it,
// so a lookup that misses (most of them: a new command id) touches one table slot and one hash,
// never a key string, and there is no Map entry or hash-table node per key (docs/decisions.md
// D200). Rows are addressed by absolute position (0, 1, 2, … since creation) as in a plain ring;
// the ring's capacity doubles when full and never shrinks, and the table is twice the ring's
// capacity (load ≤ ½), rebuilt when the ring grows.

const EMPTY = -1;

/** FNV-1a over UTF-16 units, then a final mix so the low bits (the table slot) depend on every unit. */
export function stringHash(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x45d9f3b);
  return h ^ (h >>> 16);
}

export class KeyedRing {
  private mask: number;
  private keys: (string | undefined)[];
  private notes: (string | undefined)[] | null;
  private a: Float64Array;
  private b: Float64Array;
  private hashes: Int32Array;
  /** Table slot → ring slot of the row holding that key, or EMPTY. */
  private table: Int32Array;
  private tmask: number;
  /** The last key hashed and its hash: a lookup is often followed by a push of the same key. */
  private hashedKey: string | null = null;
  private hashedValue = 0;
  /** Absolute position of the oldest row; `tail` is the next one to be written. */
  head = 0;
  tail = 0;
  /** Live keys (rows not killed). */
  size = 0;

  constructor(withNotes = false, capacity = 1024) {
    let c = 16;
    while (c < capacity) c *= 2;
    this.mask = c - 1;
    this.keys = new Array<string | undefined>(c).fill(undefined);
    this.notes = withNotes ? new Array<string | undefined>(c).fill(undefined) : null;
    this.a = new Float64Array(c);
    this.b = new Float64Array(c);
    this.hashes = new Int32Array(c);
    this.table = new Int32Array(2 * c).fill(EMPTY);
    this.tmask = 2 * c - 1;
  }

  get length(): number {
    return this.tail - this.head;
  }

  /** Absolute position of the live row keyed `key`, or -1. */
  find(key: string): number {
    const h = this.hashOf(key);
    const table = this.table;
    const tmask = this.tmask;
    for (let s = h & tmask; ; s = (s + 1) & tmask) {
      const i = table[s]!;
      if (i === EMPTY) return -1;
      if (this.hashes[i] === h && this.keys[i] === key) return this.head + ((i - (this.head & this.mask)) & this.mask);
    }
  }

  /** Appends a row for a key that has no live row (the caller checked); returns its absolute position. */
  push(key: string, a: number, b: number, note?: string): number {
    if (this.tail - this.head > this.mask) this.grow();
    const i = this.tail & this.mask;
    const h = this.hashOf(key);
    this.keys[i] = key;
    this.a[i] = a;
    this.b[i] = b;
    this.hashes[i] = h;
    if (this.notes !== null) this.notes[i] = note;
    this.place(i, h);
    this.size++;
    return this.tail++;
  }

  /** Drops the oldest row, live or killed (the caller checked length > 0). */
  shift(): void {
    const i = this.head & this.mask;
    if (this.keys[i] !== undefined) this.unindex(i);
    this.head++;
  }

  /** Removes a live row's key; the row stays in the queue, dead, until shift drops it. */
  kill(abs: number): void {
    this.unindex(abs & this.mask);
  }

  /** The row's key; undefined once killed or dropped. */
  key(abs: number): string | undefined {
    return this.keys[abs & this.mask];
  }
  first(abs: number): number {
    return this.a[abs & this.mask]!;
  }
  second(abs: number): number {
    return this.b[abs & this.mask]!;
  }
  note(abs: number): string | undefined {
    return this.notes === null ? undefined : this.notes[abs & this.mask];
  }

  private hashOf(key: string): number {
    if (key !== this.hashedKey) {
      this.hashedKey = key;
      this.hashedValue = stringHash(key);
    }
    return this.hashedValue;
  }

  private place(i: number, h: number): void {
    const table = this.table;
    const tmask = this.tmask;
    let s = h & tmask;
    while (table[s] !== EMPTY) s = (s + 1) & tmask;
    table[s] = i;
  }

  /** Takes ring slot `i` out of the table (backward-shift deletion keeps every probe chain whole). */
  private unindex(i: number): void {
    const table = this.table;
    const tmask = this.tmask;
    let s = this.hashes[i]! & tmask;
    while (table[s] !== i) s = (s + 1) & tmask;
    for (let j = s; ; ) {
      table[s] = EMPTY;
      let moved = false;
      for (;;) {
        j = (j + 1) & tmask;
        const r = table[j]!;
        if (r === EMPTY) break;
        const home = this.hashes[r]! & tmask;
        // r may fill the hole at s unless its home lies cyclically in (s, j]
        if (s <= j ? home <= s || home > j : home <= s && home > j) {
          table[s] = r;
          s = j;
          moved = true;
          break;
        }
      }
      if (!moved) break;
    }
    this.keys[i] = undefined;
    if (this.notes !== null) this.notes[i] = undefined;
    this.size--;
  }

  private grow(): void {
    const c = (this.mask + 1) * 2;
    const mask = c - 1;
    const keys = new Array<string | undefined>(c).fill(undefined);
    const notes = this.notes === null ? null : new Array<string | undefined>(c).fill(undefined);
    const a = new Float64Array(c);
    const b = new Float64Array(c);
    const hashes = new Int32Array(c);
    for (let p = this.head; p < this.tail; p++) {
      const from = p & this.mask;
      const to = p & mask;
      keys[to] = this.keys[from];
      if (notes !== null) notes[to] = this.notes![from];
      a[to] = this.a[from]!;
      b[to] = this.b[from]!;
      hashes[to] = this.hashes[from]!;
    }
    this.mask = mask;
    this.keys = keys;
    this.notes = notes;
    this.a = a;
    this.b = b;
    this.hashes = hashes;
    this.table = new Int32Array(2 * c).fill(EMPTY);
    this.tmask = 2 * c - 1;
    for (let p = this.head; p < this.tail; p++) {
      const i = p & mask;
      if (keys[i] !== undefined) this.place(i, hashes[i]!);
    }
  }
}
