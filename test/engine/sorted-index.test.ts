// The trigger books' sorted index (triggers/sorted-index.ts): a bulk load (snapshot decode, D264)
// must make the same index as one insert per entry, and removals from either end of a chunk
// (D263) must keep it sorted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SortedIndex } from '../../src/engine/triggers/sorted-index.js';

/** Entries with distinct seqs (as every order's entry_sequence is) and keys from a small range (many ties). */
const entriesArb = fc.uniqueArray(fc.record({ key: fc.integer({ min: 0, max: 50 }), seq: fc.integer({ min: 1, max: 100_000 }) }), {
  selector: (e) => e.seq,
  maxLength: 1_200,
});

function dump(x: SortedIndex<number>): [number, number, number][] {
  return [...x.entries()].map((e) => [e.key, e.seq, e.val]);
}

test('given entries in any order, when loaded in bulk or inserted one by one, then the indices hold the same entries in the same order', () => {
  fc.assert(
    fc.property(entriesArb, fc.integer({ min: 0, max: 50 }), (entries, k) => {
      const inserted = new SortedIndex<number>();
      for (const e of entries) inserted.insert(e.key, e.seq, e.seq);
      const loaded = new SortedIndex<number>();
      loaded.load(
        entries.map((e) => e.key),
        entries.map((e) => e.seq),
        entries.map((e) => e.seq),
      );
      assert.deepEqual(dump(loaded), dump(inserted));
      assert.equal(loaded.size, inserted.size);
      assert.equal(loaded.minKey(), inserted.minKey());
      assert.equal(loaded.maxKey(), inserted.maxKey());
      assert.deepEqual(loaded.atLeast(k), inserted.atLeast(k));
      assert.deepEqual(loaded.atMost(k), inserted.atMost(k));
      assert.deepEqual(loaded.values(), inserted.values());
    }),
  );
});

test('given an index, when entries are removed in ascending, descending or random order, then what is left stays sorted and complete', () => {
  fc.assert(
    fc.property(entriesArb, fc.constantFrom('asc', 'desc', 'given'), (entries, how) => {
      const x = new SortedIndex<number>();
      x.load(
        entries.map((e) => e.key),
        entries.map((e) => e.seq),
        entries.map((e) => e.seq),
      );
      const sorted = [...entries].sort((a, b) => a.key - b.key || a.seq - b.seq);
      const order = how === 'asc' ? sorted : how === 'desc' ? [...sorted].reverse() : entries;
      const gone = new Set<number>();
      order.forEach((e, i) => {
        assert.equal(x.remove(e.key, e.seq), true);
        gone.add(e.seq);
        if (i % 97 === 0) {
          const want = sorted.filter((s) => !gone.has(s.seq)).map((s) => [s.key, s.seq, s.seq]);
          assert.deepEqual(dump(x), want);
        }
      });
      assert.equal(x.size, 0);
      assert.equal(x.remove(0, 1), false);
    }),
    { numRuns: 60 },
  );
});

test('given a non-empty index, when loaded in bulk, then it refuses', () => {
  const x = new SortedIndex<number>();
  x.insert(1, 1, 1);
  assert.throws(() => x.load([2], [2], [2]), /empty index/);
});
