// The keyed ring behind the dedupe ids and the closed orders (util/keyed-ring.ts) against a model:
// a Map from key to row plus an array of rows oldest first. Random pushes, kills and shifts over
// a small key alphabet (many collisions in the low bits, long probe chains, backward-shift
// deletions across the table's wrap-around) and past several capacity doublings must leave every
// live key findable at its row, every dropped or killed key absent, and the count right. Half the
// pushes go through pushHashed, and lookups through findHashed, with the key's hash given by the
// caller.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { stringHash } from '../../src/engine/util/hash-slots.js';
import { KeyedRing } from '../../src/engine/util/keyed-ring.js';

type Op = { kind: 'push'; key: string; a: number; hashed: boolean } | { kind: 'kill'; pick: number } | { kind: 'shift' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('push' as const), key: fc.string({ maxLength: 3 }), a: fc.integer(), hashed: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('kill' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('shift' as const) }) },
);

test('given random pushes, kills and shifts, when keys are looked up, then the keyed ring agrees with a Map over a queue', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 400 }), fc.boolean(), (ops, withNotes) => {
      const ring = new KeyedRing(withNotes, 16);
      const live = new Map<string, number>(); // key → abs
      const queue: (string | null)[] = []; // abs → key (null = killed or dropped)
      let head = 0;
      for (const o of ops) {
        if (o.kind === 'push') {
          if (live.has(o.key)) continue; // the caller's contract: only keys without a live row
          const abs = o.hashed
            ? ring.pushHashed(o.key, stringHash(o.key), o.a, abs2(queue.length), `n${o.key}`)
            : ring.push(o.key, o.a, abs2(queue.length), `n${o.key}`);
          assert.equal(abs, queue.length);
          live.set(o.key, abs);
          queue.push(o.key);
        } else if (o.kind === 'kill') {
          if (live.size === 0) continue;
          const key = [...live.keys()][o.pick % live.size]!;
          ring.kill(live.get(key)!);
          queue[live.get(key)!] = null;
          live.delete(key);
        } else {
          if (head === queue.length) continue;
          ring.shift();
          const key = queue[head];
          if (key !== null && key !== undefined) live.delete(key);
          queue[head++] = null;
        }
        assert.equal(ring.size, live.size);
        assert.equal(ring.length, queue.length - head);
      }
      for (const [key, abs] of live) {
        assert.equal(ring.find(key), abs, `live key ${JSON.stringify(key)}`);
        assert.equal(ring.findHashed(key, stringHash(key)), abs, `live key ${JSON.stringify(key)} by its hash`);
        assert.equal(ring.key(abs), key);
        assert.equal(ring.second(abs), abs2(abs));
        assert.equal(ring.note(abs), withNotes ? `n${key}` : undefined);
      }
      for (const key of new Set(queue.filter((k): k is string => k !== null))) if (!live.has(key)) assert.equal(ring.find(key), -1);
      for (const o of ops) {
        if (o.kind === 'push' && !live.has(o.key)) {
          assert.equal(ring.find(o.key), -1, `gone ${JSON.stringify(o.key)}`);
          assert.equal(ring.findHashed(o.key, stringHash(o.key)), -1, `gone ${JSON.stringify(o.key)} by its hash`);
        }
      }
    }),
    { numRuns: 300 },
  );
});

function abs2(abs: number): number {
  return abs * 2 + 1;
}
