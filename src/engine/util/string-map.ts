// An insertion-ordered map from strings, for the active orders and the account locks: entries sit
// in slots (key and value arrays, appended in insertion order, a deleted entry leaving a hole) and
// an open-addressing table (linear probing, deletion by backward shift) in an Int32Array maps a
// key to its slot, with each slot's 32-bit key hash kept in a typed column. A lookup that misses
// (a new account, a new uuid) reads table slots and hashes only, never another key string, where
// V8's Map compares the strings of its bucket chain (cache misses at 10⁵–10⁶ entries; D202).
// Iteration is in insertion order like a Map's. Holes are squeezed out when the slots fill up,
// which only a `set` of a new key does: deleting while iterating is fine (as with a Map), adding
// while iterating is not (the engine never does).
import { stringHash } from './keyed-ring.js';

const EMPTY = -1;

export class StringMap<V> {
  private keyList: (string | undefined)[] = [];
  private valList: (V | undefined)[] = [];
  /** Per slot: the key's hash. */
  private hashes = new Int32Array(16);
  /** Table slot → entry slot, or EMPTY; twice the slot capacity (load ≤ ½). */
  private table = new Int32Array(32).fill(EMPTY);
  private tmask = 31;
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

  has(key: string): boolean {
    return this.slotOf(key) >= 0;
  }

  set(key: string, value: V): this {
    const e = this.slotOf(key);
    if (e >= 0) {
      this.valList[e] = value;
      return this;
    }
    if (this.end === this.hashes.length) this.resize();
    const h = this.hashOf(key);
    const slot = this.end++;
    this.keyList[slot] = key;
    this.valList[slot] = value;
    this.hashes[slot] = h;
    this.place(slot, h);
    this.live++;
    return this;
  }

  delete(key: string): boolean {
    const h = this.hashOf(key);
    const table = this.table;
    const tmask = this.tmask;
    let s = h & tmask;
    for (; ; s = (s + 1) & tmask) {
      const e = table[s]!;
      if (e === EMPTY) return false;
      if (this.hashes[e] === h && this.keyList[e] === key) break;
    }
    const e = table[s]!;
    this.keyList[e] = undefined;
    this.valList[e] = undefined;
    this.live--;
    this.unplace(s);
    return true;
  }

  clear(): void {
    this.keyList = [];
    this.valList = [];
    this.hashes = new Int32Array(16);
    this.table = new Int32Array(32).fill(EMPTY);
    this.tmask = 31;
    this.end = 0;
    this.live = 0;
  }

  *entries(): Generator<[string, V]> {
    for (let e = 0; e < this.end; e++) {
      const k = this.keyList[e];
      if (k !== undefined) yield [k, this.valList[e]!];
    }
  }

  *keys(): Generator<string> {
    for (let e = 0; e < this.end; e++) {
      const k = this.keyList[e];
      if (k !== undefined) yield k;
    }
  }

  *values(): Generator<V> {
    for (let e = 0; e < this.end; e++) if (this.keyList[e] !== undefined) yield this.valList[e]!;
  }

  [Symbol.iterator](): Generator<[string, V]> {
    return this.entries();
  }

  /** Entry slot of `key`, or -1. */
  private slotOf(key: string): number {
    const h = this.hashOf(key);
    const table = this.table;
    const tmask = this.tmask;
    for (let s = h & tmask; ; s = (s + 1) & tmask) {
      const e = table[s]!;
      if (e === EMPTY) return -1;
      if (this.hashes[e] === h && this.keyList[e] === key) return e;
    }
  }

  private hashOf(key: string): number {
    if (key !== this.hashedKey) {
      this.hashedKey = key;
      this.hashedValue = stringHash(key);
    }
    return this.hashedValue;
  }

  private place(e: number, h: number): void {
    const table = this.table;
    const tmask = this.tmask;
    let s = h & tmask;
    while (table[s] !== EMPTY) s = (s + 1) & tmask;
    table[s] = e;
  }

  /** Empties table slot `s`, shifting later entries of its probe chain back (no tombstones). */
  private unplace(s: number): void {
    const table = this.table;
    const tmask = this.tmask;
    for (let j = s; ; ) {
      table[s] = EMPTY;
      let moved = false;
      for (;;) {
        j = (j + 1) & tmask;
        const e = table[j]!;
        if (e === EMPTY) break;
        const home = this.hashes[e]! & tmask;
        if (s <= j ? home <= s || home > j : home <= s && home > j) {
          table[s] = e;
          s = j;
          moved = true;
          break;
        }
      }
      if (!moved) return;
    }
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
    this.table = new Int32Array(2 * cap).fill(EMPTY);
    this.tmask = 2 * cap - 1;
    for (let e = 0; e < n; e++) this.place(e, hashes[e]!);
  }
}
