// A FIFO of rows (a string key, two numbers, optionally a second string) in columns, with a hash
// index from every live key to its row: the dedupe ids and the closed orders of SPEC §12, which
// are forgotten oldest first. The index (util/hash-slots.ts) maps a key's hash to its ring slot,
// so there is no Map entry or hash-table node per key and a lookup that misses (most of them: a
// new command id) reads no key string (docs/decisions.md D200). Rows are addressed by absolute
// position (0, 1, 2, … since creation) as in a plain ring; the ring's capacity doubles when full
// and never shrinks, and the index has twice the ring's capacity, rebuilt when the ring grows.
import { EMPTY, HashSlots, stringHash } from './hash-slots.js';

export class KeyedRing {
  private mask: number;
  private keys: (string | undefined)[];
  private notes: (string | undefined)[] | null;
  private a: Float64Array;
  private b: Float64Array;
  /** Per ring slot: its key's hash (to unindex and rebuild without rehashing the string). */
  private hashes: Int32Array;
  private index: HashSlots;
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
    this.index = new HashSlots(2 * c);
  }

  /** Sizes a ring that was never written for `n` rows at once (a snapshot load), instead of doubling up to it. */
  reserve(n: number): void {
    if (this.tail !== 0 || n <= this.mask + 1) return;
    let c = this.mask + 1;
    while (c < n) c *= 2;
    this.mask = c - 1;
    this.keys = new Array<string | undefined>(c).fill(undefined);
    if (this.notes !== null) this.notes = new Array<string | undefined>(c).fill(undefined);
    this.a = new Float64Array(c);
    this.b = new Float64Array(c);
    this.hashes = new Int32Array(c);
    this.index = new HashSlots(2 * c);
  }

  get length(): number {
    return this.tail - this.head;
  }

  /** Absolute position of the live row keyed `key`, or -1. */
  find(key: string): number {
    return this.findHashed(key, this.hashOf(key));
  }

  /** find, with `h` = stringHash(key) from the caller (who hashed the same id for another table). */
  findHashed(key: string, h: number): number {
    const x = this.index;
    for (let s = x.home(h); ; s = x.next(s)) {
      const i = x.entryAt(s);
      if (i === EMPTY) return -1;
      if (x.hashAt(s) === h && this.keys[i] === key) return this.head + ((i - (this.head & this.mask)) & this.mask);
    }
  }

  /** Appends a row for a key that has no live row (the caller checked); returns its absolute position. */
  push(key: string, a: number, b: number, note?: string): number {
    return this.pushHashed(key, this.hashOf(key), a, b, note);
  }

  /** push, with the key's stringHash from a caller that kept it. */
  pushHashed(key: string, h: number, a: number, b: number, note?: string): number {
    if (this.tail - this.head > this.mask) this.grow();
    const i = this.tail & this.mask;
    this.keys[i] = key;
    this.a[i] = a;
    this.b[i] = b;
    this.hashes[i] = h;
    if (this.notes !== null) this.notes[i] = note;
    this.index.insert(i, h);
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

  private unindex(i: number): void {
    this.index.remove(i, this.hashes[i]!);
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
    const index = new HashSlots(2 * c);
    for (let p = this.head; p < this.tail; p++) {
      const from = p & this.mask;
      const to = p & mask;
      keys[to] = this.keys[from];
      if (notes !== null) notes[to] = this.notes![from];
      a[to] = this.a[from]!;
      b[to] = this.b[from]!;
      hashes[to] = this.hashes[from]!;
    }
    // The index is rebuilt walking the old one slot by slot: its live keys in hash order, so the
    // inserts move forward through the new table instead of probing it at random (ring order).
    const old = this.index;
    const headSlot = this.head & this.mask;
    for (let s = 0, n = old.slots; s < n; s++) {
      const i = old.entryAt(s);
      if (i === EMPTY) continue;
      const abs = this.head + ((i - headSlot) & this.mask);
      index.insert(abs & mask, old.hashAt(s));
    }
    this.mask = mask;
    this.keys = keys;
    this.notes = notes;
    this.a = a;
    this.b = b;
    this.hashes = hashes;
    this.index = index;
  }
}
