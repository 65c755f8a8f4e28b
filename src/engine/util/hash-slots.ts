// The open-addressing index shared by KeyedRing and StringMap: table slots hold (entry, hash)
// pairs side by side in one Int32Array, so a probe reads one cache line and compares hashes
// without touching the owner's key strings; only a hash match reads a key. Linear probing,
// deletion by backward shift (no tombstones), load kept ≤ ½ by the owner sizing the table to
// twice its entry capacity (docs/decisions.md D200).

export const EMPTY = -1;

/** FNV-1a over UTF-16 units, then a final mix so the low bits (the slot) depend on every unit. */
export function stringHash(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x45d9f3b);
  return h ^ (h >>> 16);
}

export class HashSlots {
  /** [entry, hash] per slot; entry EMPTY = free. */
  private cells: Int32Array;
  private mask: number;

  /** `slots` must be a power of two. */
  constructor(slots: number) {
    this.cells = new Int32Array(2 * slots).fill(EMPTY);
    this.mask = slots - 1;
  }

  /** Number of slots. */
  get slots(): number {
    return this.mask + 1;
  }

  /** First slot to probe for hash `h`; continue with next(). */
  home(h: number): number {
    return h & this.mask;
  }
  next(s: number): number {
    return (s + 1) & this.mask;
  }
  entryAt(s: number): number {
    return this.cells[2 * s]!;
  }
  hashAt(s: number): number {
    return this.cells[2 * s + 1]!;
  }

  insert(entry: number, h: number): void {
    const c = this.cells;
    let s = h & this.mask;
    while (c[2 * s] !== EMPTY) s = (s + 1) & this.mask;
    c[2 * s] = entry;
    c[2 * s + 1] = h;
  }

  /** Removes `entry` (present, stored with hash `h`). */
  remove(entry: number, h: number): void {
    let s = h & this.mask;
    while (this.cells[2 * s] !== entry) s = (s + 1) & this.mask;
    this.removeAt(s);
  }

  /** Empties slot `s`, moving later members of its probe chain back so every chain stays whole. */
  removeAt(s: number): void {
    const c = this.cells;
    const mask = this.mask;
    c[2 * s] = EMPTY;
    for (let j = (s + 1) & mask; c[2 * j] !== EMPTY; j = (j + 1) & mask) {
      const home = c[2 * j + 1]! & mask;
      // the member at j may fill the hole at s unless its home lies cyclically in (s, j]
      if (s <= j ? home <= s || home > j : home <= s && home > j) {
        c[2 * s] = c[2 * j]!;
        c[2 * s + 1] = c[2 * j + 1]!;
        c[2 * j] = EMPTY;
        s = j;
      }
    }
  }
}
