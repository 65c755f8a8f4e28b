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

test('given any mix of inserts and removals, then the index answers as a sorted list does after every step', () => {
  // ops: an insert (any key, any unused seq, as a re-indexed order keeps its old entry_sequence),
  // a removal of a held entry (by position) or of one never held, and now and then a take of every
  // entry from a key up or down (a cascade, D324). Hundreds of entries split chunks, inserts land
  // at chunk ends, and removals and takes empty chunks again (D321's fences).
  const insert = fc.record({ kind: fc.constant('insert' as const), key: fc.integer({ min: 0, max: 300 }), seq: fc.integer({ min: 1, max: 1e9 }) });
  const remove = fc.record({ kind: fc.constant('remove' as const), at: fc.nat() });
  const absent = fc.record({ kind: fc.constant('absent' as const), key: fc.integer({ min: 0, max: 300 }) });
  // a take from the top or the bottom third of the keys, so most takes cut a part, not everything
  const take = fc.record({ kind: fc.constant('take' as const), up: fc.boolean(), key: fc.integer({ min: 0, max: 100 }) });
  // a growing phase (mostly inserts) then a shrinking one (mostly removals)
  const phase = (grow: boolean) =>
    fc.array(
      fc.oneof(
        { weight: grow ? 60 : 10, arbitrary: insert },
        { weight: grow ? 10 : 60, arbitrary: remove },
        { weight: 10, arbitrary: absent },
        { weight: 1, arbitrary: take },
      ),
      {
        minLength: 1_000,
        maxLength: 1_600,
      },
    );
  const opsArb = fc.tuple(phase(true), phase(false)).map(([up, down]) => [...up, ...down]);
  const before = (a: [number, number], key: number, seq: number): boolean => a[0] < key || (a[0] === key && a[1] < seq);
  fc.assert(
    fc.property(opsArb, fc.boolean(), (ops, bulk) => {
      const x = new SortedIndex<number>();
      const model: [number, number][] = [];
      const used = new Set<number>();
      if (bulk) {
        for (let i = 1; i <= 600; i++) {
          model.push([(i * 7919) % 301, i]);
          used.add(i);
        }
        x.load(
          model.map((e) => e[0]),
          model.map((e) => e[1]),
          model.map((e) => e[1]),
        );
        model.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      }
      ops.forEach((op, step) => {
        if (op.kind === 'insert' && !used.has(op.seq)) {
          used.add(op.seq);
          x.insert(op.key, op.seq, op.seq);
          let at = 0;
          while (at < model.length && before(model[at]!, op.key, op.seq)) at++;
          model.splice(at, 0, [op.key, op.seq]);
        } else if (op.kind === 'remove' && model.length > 0) {
          const at = op.at % model.length;
          const [key, seq] = model[at]!;
          assert.equal(x.remove(key, seq), true);
          model.splice(at, 1);
        } else if (op.kind === 'absent') {
          assert.equal(x.remove(op.key, 0), false);
        } else if (op.kind === 'take') {
          const k = op.up ? 300 - op.key : op.key;
          const hit = (e: [number, number]) => (op.up ? e[0] >= k : e[0] <= k);
          assert.deepEqual(
            op.up ? x.takeAtLeast(k) : x.takeAtMost(k),
            model.filter(hit).map((e) => e[1]),
          );
          model.splice(0, model.length, ...model.filter((e) => !hit(e)));
        }
        assert.equal(x.size, model.length);
        assert.equal(x.minKey(), model.length === 0 ? Infinity : model[0]![0]);
        assert.equal(x.maxKey(), model.length === 0 ? -Infinity : model[model.length - 1]![0]);
        if (step % 25 === 0 || step === ops.length - 1)
          assert.deepEqual(
            dump(x),
            model.map(([k, s]) => [k, s, s]),
          );
      });
    }),
    { numRuns: 40 },
  );
});
