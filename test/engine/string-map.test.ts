// The insertion-ordered string map behind the active orders and account locks
// (util/string-map.ts) against a Map: random sets, overwrites, deletes, conditional deletes
// (deleteIf) and clears over a small key alphabet (collisions, long probe chains, backward-shift
// deletions, hole squeezing and doubling) must give the same answers, size and iteration order,
// also when entries are deleted while the map is being iterated. Each set, delete and deleteIf
// goes through its …Hashed form half the time, with the key's hash given by the caller.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { stringHash } from '../../src/engine/util/hash-slots.js';
import { StringMap } from '../../src/engine/util/string-map.js';

type Op =
  | { kind: 'set'; key: string; v: number; hashed: boolean }
  | { kind: 'delete'; key: string; hashed: boolean }
  | { kind: 'deleteIf'; key: string; same: boolean; hashed: boolean }
  | { kind: 'clear' }
  | { kind: 'sweep'; every: number }
  | { kind: 'clearMid' };

const key = fc.string({ maxLength: 2 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('set' as const), key, v: fc.integer(), hashed: fc.boolean() }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('delete' as const), key, hashed: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('deleteIf' as const), key, same: fc.boolean(), hashed: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const), every: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clearMid' as const }) },
);

test('given random sets, deletes and clears, when read back, then the string map agrees with a Map in answers and order', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 500 }), (ops) => {
      const ours = new StringMap<number>();
      const model = new Map<string, number>();
      for (const o of ops) {
        if (o.kind === 'set') {
          if (o.hashed) ours.setHashed(o.key, o.v, stringHash(o.key));
          else ours.set(o.key, o.v);
          model.set(o.key, o.v);
        } else if (o.kind === 'delete') {
          assert.equal(o.hashed ? ours.deleteHashed(o.key, stringHash(o.key)) : ours.delete(o.key), model.delete(o.key));
        } else if (o.kind === 'deleteIf') {
          // the value the key maps to now, or one it does not map to
          const cur = model.get(o.key);
          const v = o.same && cur !== undefined ? cur : (cur ?? 0) + 1;
          const hit = model.get(o.key) === v;
          if (hit) model.delete(o.key);
          assert.equal(o.hashed ? ours.deleteIfHashed(o.key, v, stringHash(o.key)) : ours.deleteIf(o.key, v), hit);
        } else if (o.kind === 'clear') {
          ours.clear();
          model.clear();
        } else if (o.kind === 'clearMid') {
          // cleared after the first value of a walk: the walk ends, as a Map's does
          const seen: number[] = [];
          for (const v of ours.values()) {
            seen.push(v);
            ours.clear();
          }
          const want: number[] = [];
          for (const v of model.values()) {
            want.push(v);
            model.clear();
          }
          assert.deepEqual(seen, want);
        } else {
          // delete every n-th entry while iterating, as a Map allows
          let i = 0;
          for (const [k] of ours) if (i++ % o.every === 0) ours.delete(k);
          i = 0;
          for (const [k] of model) if (i++ % o.every === 0) model.delete(k);
        }
        assert.equal(ours.size, model.size);
        const probe = o.kind === 'set' || o.kind === 'delete' || o.kind === 'deleteIf' ? o.key : '';
        assert.equal(ours.has(probe), model.has(probe));
        assert.equal(ours.get(probe), model.get(probe));
        assert.equal(ours.hash(probe), stringHash(probe));
      }
      assert.deepEqual([...ours.entries()], [...model.entries()]);
      assert.deepEqual([...ours.keys()], [...model.keys()]);
      assert.deepEqual([...ours.values()], [...model.values()]);
      for (const k of model.keys()) assert.equal(ours.get(k), model.get(k));
    }),
    { numRuns: 300 },
  );
});
