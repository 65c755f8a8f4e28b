// The ten price-sorted trigger indices of SPEC.md §5.1 and their inclusive firing rules.
import type { PositionType, TraderOrder } from '../types.js';
import { SortedIndex } from './sorted-index.js';

export type IndexName = 'liq_long' | 'liq_short' | 'open_long' | 'open_short' | 'close_long' | 'close_short' | 'sl_long' | 'sl_short' | 'tp_long' | 'tp_short';

export const INDEX_NAMES: readonly IndexName[] = [
  'liq_long',
  'liq_short',
  'open_long',
  'open_short',
  'close_long',
  'close_short',
  'sl_long',
  'sl_short',
  'tp_long',
  'tp_short',
];

/** Which end fires: 'up' = entries with key ≥ k, 'down' = key ≤ k (§5.1 table). */
const FIRES: Readonly<Record<IndexName, 'up' | 'down'>> = {
  liq_long: 'up',
  liq_short: 'down',
  open_long: 'up',
  open_short: 'down',
  close_long: 'down',
  close_short: 'up',
  sl_long: 'up',
  sl_short: 'down',
  tp_long: 'down',
  tp_short: 'up',
};

export type Books = Record<IndexName, SortedIndex<TraderOrder>>;

export function emptyBooks(): Books {
  return {
    liq_long: new SortedIndex(),
    liq_short: new SortedIndex(),
    open_long: new SortedIndex(),
    open_short: new SortedIndex(),
    close_long: new SortedIndex(),
    close_short: new SortedIndex(),
    sl_long: new SortedIndex(),
    sl_short: new SortedIndex(),
    tp_long: new SortedIndex(),
    tp_short: new SortedIndex(),
  };
}

export type LegName = 'close' | 'sl' | 'tp';

// The books of one side by named property: a keyed load with a computed name (books[liqIndex(side)])
// is a megamorphic property lookup on the hot path, these are plain loads.
export function liqBook(books: Books, side: PositionType): SortedIndex<TraderOrder> {
  return side === 'LONG' ? books.liq_long : books.liq_short;
}
export function openBook(books: Books, side: PositionType): SortedIndex<TraderOrder> {
  return side === 'LONG' ? books.open_long : books.open_short;
}
export function legBook(books: Books, leg: LegName, side: PositionType): SortedIndex<TraderOrder> {
  const l = side === 'LONG';
  return leg === 'close'
    ? l
      ? books.close_long
      : books.close_short
    : leg === 'sl'
      ? l
        ? books.sl_long
        : books.sl_short
      : l
        ? books.tp_long
        : books.tp_short;
}

export function liqIndex(side: PositionType): IndexName {
  return side === 'LONG' ? 'liq_long' : 'liq_short';
}
export function openIndex(side: PositionType): IndexName {
  return side === 'LONG' ? 'open_long' : 'open_short';
}
export function legIndex(leg: LegName, side: PositionType): IndexName {
  const l = side === 'LONG';
  switch (leg) {
    case 'close':
      return l ? 'close_long' : 'close_short';
    case 'sl':
      return l ? 'sl_long' : 'sl_short';
    case 'tp':
      return l ? 'tp_long' : 'tp_short';
    default: {
      const never: never = leg;
      throw new Error(`unknown leg ${String(never)}`);
    }
  }
}

/** Would an entry at `key` fire at tick key `k`? (inclusive, §5.1) */
export function fires(name: IndexName, key: number, k: number): boolean {
  return FIRES[name] === 'up' ? key >= k : key <= k;
}

/** Orders whose entry in index `name` fires at tick key k, ascending by key then entry_sequence. */
export function firedOrders(books: Books, name: IndexName, k: number): readonly TraderOrder[] {
  const idx = books[name];
  if (FIRES[name] === 'up' ? idx.maxKey() < k : idx.minKey() > k) return NONE;
  return FIRES[name] === 'up' ? idx.atLeast(k) : idx.atMost(k);
}

/** firedOrders, with their entries taken out of the book in the same pass (D324). */
export function takeFired(books: Books, name: IndexName, k: number): readonly TraderOrder[] {
  const idx = books[name];
  if (FIRES[name] === 'up' ? idx.maxKey() < k : idx.minKey() > k) return NONE;
  return FIRES[name] === 'up' ? idx.takeAtLeast(k) : idx.takeAtMost(k);
}

const NONE: readonly TraderOrder[] = Object.freeze([]);
