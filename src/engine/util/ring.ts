// A FIFO of (string, number, number) rows in columns: a ring over a power-of-two capacity, the
// numbers in Float64Arrays, addressed by absolute position (0, 1, 2, … since creation) so an index
// elsewhere can point at a row that stays put while older rows leave. Capacity doubles when full
// and never shrinks, so at a steady size its memory is fixed (no slice copies, no array slack).

export class Ring {
  private mask: number;
  private keys: (string | undefined)[];
  private a: Float64Array;
  private b: Float64Array;
  /** Absolute position of the oldest row; `tail` is the next one to be written. */
  head = 0;
  tail = 0;

  constructor(capacity = 1024) {
    let c = 16;
    while (c < capacity) c *= 2;
    this.mask = c - 1;
    this.keys = new Array<string | undefined>(c).fill(undefined);
    this.a = new Float64Array(c);
    this.b = new Float64Array(c);
  }

  get length(): number {
    return this.tail - this.head;
  }

  /** Appends a row; returns its absolute position. */
  push(key: string, a: number, b: number): number {
    if (this.tail - this.head > this.mask) this.grow();
    const i = this.tail & this.mask;
    this.keys[i] = key;
    this.a[i] = a;
    this.b[i] = b;
    return this.tail++;
  }

  /** Drops the oldest row (the caller checked length > 0). */
  shift(): void {
    this.keys[this.head & this.mask] = undefined;
    this.head++;
  }

  /** Marks a row dead (its key superseded by a newer row); it leaves with shift like any other. */
  clear(abs: number): void {
    this.keys[abs & this.mask] = undefined;
  }

  /** The row's key; undefined once cleared. */
  key(abs: number): string | undefined {
    return this.keys[abs & this.mask];
  }
  first(abs: number): number {
    return this.a[abs & this.mask]!;
  }
  second(abs: number): number {
    return this.b[abs & this.mask]!;
  }

  private grow(): void {
    const c = (this.mask + 1) * 2;
    const mask = c - 1;
    const keys = new Array<string | undefined>(c).fill(undefined);
    const a = new Float64Array(c);
    const b = new Float64Array(c);
    for (let p = this.head; p < this.tail; p++) {
      const from = p & this.mask;
      const to = p & mask;
      keys[to] = this.keys[from];
      a[to] = this.a[from]!;
      b[to] = this.b[from]!;
    }
    this.mask = mask;
    this.keys = keys;
    this.a = a;
    this.b = b;
  }
}
