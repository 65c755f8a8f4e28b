// An insertion-ordered map from strings, for the active orders and the account locks: entries sit
// in slots (key and value arrays, appended in insertion order, a deleted entry leaving a hole) and
// an open-addressing index (util/hash-slots.ts) maps a key's hash to its slot. A lookup that
// misses (a new account, a new uuid) reads index cells only, never another key string, where V8's
// Map compares the strings of its bucket chain (cache misses at 10⁵–10⁶ entries; D201).
// Iteration is in insertion order like a Map's. Holes are squeezed out when the slots fill up,
// which only a `set` of a new key does: deleting while iterating is fine (as with a Map), adding
// while iterating is not (the engine never does).
import { EMPTY, HashSlots, stringHash } from './hash-slots.js';

export class StringMap<V> {
  private keyList: (string | undefined)[] = [];
  private valList: (V | undefined)[] = [];
  /** Per slot: the key's hash (to rebuild the index without rehashing the string). */
  private hashes = new Int32Array(16);
  /** Twice the slot capacity (load ≤ ½). */
  private index = new HashSlots(32);
  /** Next entry slot to be written. */
  private end = 0;
  private live = 0;
  private hashedKey: string | null = null;
  private hashedValue = 0;

  get size(): number {
    return this.live;
  }

  get(key: string): V | undefined {
    const e = this.slotOf(key);
    return e < 0 ? undefined : this.valList[e];
  }

  // The …Hashed forms take the key's stringHash from a caller that kept it (orders/live-order.ts).
  // When `key` is the very string stored (a live order's own uuid), === is decided by identity, so
  // the probe reads neither the string nor its hash.

  has(key: string): boolean {
    return this.slotOf(key) >= 0;
  }

  set(key: string, value: V): this {
    return this.setHashed(key, value, this.hash(key));
  }

  setHashed(key: string, value: V, h: number): this {
    const c = this.cellOfHashed(key, h);
    if (c >= 0) {
      this.valList[this.index.entryAt(c)] = value;
      return this;
    }
    if (this.end === this.hashes.length) this.resize();
    const slot = this.end++;
    this.keyList[slot] = key;
    this.valList[slot] = value;
    this.hashes[slot] = h;
    this.index.insert(slot, h);
    this.live++;
    return this;
  }

  /** Sizes an empty map for `n` keys at once (a snapshot load), instead of doubling up to it. */
  reserve(n: number): void {
    if (this.end !== 0) return;
    let cap = 16;
    while (cap < n) cap *= 2;
    if (cap <= this.hashes.length) return;
    this.hashes = new Int32Array(cap);
    this.index = new HashSlots(2 * cap);
  }

  delete(key: string): boolean {
    return this.deleteHashed(key, this.hash(key));
  }

  deleteHashed(key: string, h: number): boolean {
    const c = this.cellOfHashed(key, h);
    if (c < 0) return false;
    this.removeCell(c);
    return true;
  }

  /** Deletes `key` only while it maps to `value`: one probe for a get-compare-delete. */
  deleteIf(key: string, value: V): boolean {
    return this.deleteIfHashed(key, value, this.hash(key));
  }

  deleteIfHashed(key: string, value: V, h: number): boolean {
    const c = this.cellOfHashed(key, h);
    if (c < 0 || this.valList[this.index.entryAt(c)] !== value) return false;
    this.removeCell(c);
    return true;
  }

  clear(): void {
    // emptied in place, so a walk in progress sees holes and ends, as a Map's iterator does
    this.keyList.length = 0;
    this.valList.length = 0;
    this.hashes = new Int32Array(16);
    this.index = new HashSlots(32);
    this.end = 0;
    this.live = 0;
  }

  // Walks are small iterator classes, not generators: a for-of over one is inlined to a loop
  // (a generator costs ~5× a Map's iterator over 10⁶ orders: snapshots, funding, ADL ranking).
  entries(): IterableIterator<[string, V]> {
    return new EntryWalk(this.keyList, this.valList, this.end);
  }

  keys(): IterableIterator<string> {
    return new KeyWalk(this.keyList, this.end);
  }

  values(): IterableIterator<V> {
    return new ValueWalk(this.keyList, this.valList, this.end);
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  /** Entry slot of `key`, or -1. */
  private slotOf(key: string): number {
    const c = this.cellOf(key);
    return c < 0 ? -1 : this.index.entryAt(c);
  }

  /** Index cell holding `key`, or -1. */
  private cellOf(key: string): number {
    return this.cellOfHashed(key, this.hash(key));
  }

  private cellOfHashed(key: string, h: number): number {
    const x = this.index;
    for (let s = x.home(h); ; s = x.next(s)) {
      const e = x.entryAt(s);
      if (e === EMPTY) return -1;
      if (x.hashAt(s) === h && this.keyList[e] === key) return s;
    }
  }

  /** Forgets the entry of index cell `c`; its slot stays a hole until the next resize compacts. */
  private removeCell(c: number): void {
    const e = this.index.entryAt(c);
    this.keyList[e] = undefined;
    this.valList[e] = undefined;
    this.live--;
    this.index.removeAt(c);
  }

  /** stringHash(key); the last key's is remembered, since a lookup is often followed by a set or delete of the same key. */
  hash(key: string): number {
    if (key !== this.hashedKey) {
      this.hashedKey = key;
      this.hashedValue = stringHash(key);
    }
    return this.hashedValue;
  }

  /** The slots are full: squeeze out holes, doubling the capacity when more than half are live. */
  private resize(): void {
    const cap = this.live * 2 > this.hashes.length ? this.hashes.length * 2 : this.hashes.length;
    const keys: (string | undefined)[] = [];
    const vals: (V | undefined)[] = [];
    const hashes = new Int32Array(cap);
    let n = 0;
    for (let e = 0; e < this.end; e++) {
      const k = this.keyList[e];
      if (k === undefined) continue;
      keys.push(k);
      vals.push(this.valList[e]);
      hashes[n++] = this.hashes[e]!;
    }
    this.keyList = keys;
    this.valList = vals;
    this.hashes = hashes;
    this.end = n;
    this.index = new HashSlots(2 * cap);
    for (let e = 0; e < n; e++) this.index.insert(e, hashes[e]!);
  }
}

// The walks read the slot arrays they were given: a delete during the walk empties a slot in them
// (seen as a hole), and nothing replaces the arrays until a new key is added.
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

class ValueWalk<V> implements IterableIterator<V> {
  private e = 0;
  constructor(
    private readonly keys: readonly (string | undefined)[],
    private readonly vals: readonly (V | undefined)[],
    private readonly end: number,
  ) {}
  next(): IteratorResult<V> {
    while (this.e < this.end) {
      const e = this.e++;
      if (this.keys[e] !== undefined) return { done: false, value: this.vals[e]! };
    }
    return DONE;
  }
  [Symbol.iterator](): this {
    return this;
  }
}

class KeyWalk implements IterableIterator<string> {
  private e = 0;
  constructor(
    private readonly keys: readonly (string | undefined)[],
    private readonly end: number,
  ) {}
  next(): IteratorResult<string> {
    while (this.e < this.end) {
      const k = this.keys[this.e++];
      if (k !== undefined) return { done: false, value: k };
    }
    return DONE;
  }
  [Symbol.iterator](): this {
    return this;
  }
}

class EntryWalk<V> implements IterableIterator<[string, V]> {
  private e = 0;
  constructor(
    private readonly keys: readonly (string | undefined)[],
    private readonly vals: readonly (V | undefined)[],
    private readonly end: number,
  ) {}
  next(): IteratorResult<[string, V]> {
    while (this.e < this.end) {
      const e = this.e++;
      const k = this.keys[e];
      if (k !== undefined) return { done: false, value: [k, this.vals[e]!] };
    }
    return DONE;
  }
  [Symbol.iterator](): this {
    return this;
  }
}
