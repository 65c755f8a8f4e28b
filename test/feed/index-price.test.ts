// The index rule of SPEC §14 as a pure function: fresh sources, quorum, median, deviation drop,
// median of the rest. Examples first, then properties over random quotes (fast-check).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { defaultQuorum, indexAt, median, type IndexRule, type SourceQuote } from '../../src/feed/index-price.js';

const RULE: IndexRule = { quorum: 2, maxDeviation: 0.01, staleMs: 10_000 };
const q = (name: string, price: number | null, at: number | null = 0): SourceQuote => ({ name, price, at });

test('median: odd count the middle, even count the mean of the two middle values', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(defaultQuorum(1), 1);
  assert.equal(defaultQuorum(3), 2);
  assert.equal(defaultQuorum(4), 3);
  assert.equal(defaultQuorum(5), 3);
});

test('given three agreeing sources, the index is their median and nothing is excluded', () => {
  const r = indexAt([q('okx', 65_010), q('binance', 65_000), q('kraken', 65_030)], 100, RULE);
  assert.deepEqual(r, { price: 65_010, sources: { binance: 65_000, kraken: 65_030, okx: 65_010 }, excluded: {}, short: null });
});

test('given one source lying by 5 %, it is excluded for deviation and the index is the median of the others', () => {
  const r = indexAt([q('binance', 65_000), q('coinbase', 68_250), q('kraken', 65_020)], 100, RULE);
  assert.deepEqual(r, { price: 65_010, sources: { binance: 65_000, kraken: 65_020 }, excluded: { coinbase: 'deviation' }, short: null });
});

test('a source older than source_stale_ms is stale; exactly source_stale_ms is still fresh', () => {
  const r = indexAt([q('a', 100, 0), q('b', 101, 1), q('c', 99, 10_001)], 10_001, RULE);
  assert.deepEqual(r.excluded, { a: 'stale' });
  assert.equal(r.price, 100);
  const never = indexAt([q('a', null, null), q('b', 101, 1), q('c', 99, 1)], 10, RULE);
  assert.deepEqual(never.excluded, { a: 'stale' });
});

test('fewer than quorum fresh → no index; fewer than quorum agreeing → no index', () => {
  const fresh = indexAt([q('a', 100, 0), q('b', 100, -20_000), q('c', 100, -20_000)], 1, RULE);
  assert.equal(fresh.price, null);
  assert.equal(fresh.short, 'fresh');
  // two fresh, far apart: both deviate from their mean, none agrees
  const split = indexAt([q('a', 100, 0), q('b', 110, 0), q('c', 100, -20_000)], 1, RULE);
  assert.equal(split.price, null);
  assert.equal(split.short, 'agreeing');
  assert.deepEqual(split.excluded, { a: 'deviation', b: 'deviation', c: 'stale' });
});

test('one source with quorum 1 is the price itself', () => {
  assert.equal(indexAt([q('binance', 65_000.12)], 5, { ...RULE, quorum: 1 }).price, 65_000.12);
});

const quotes = fc.uniqueArray(
  fc.record({
    name: fc.constantFrom('binance', 'coinbase', 'kraken', 'okx', 'bybit', 'x1', 'x2'),
    price: fc.double({ min: 1000, max: 200_000, noNaN: true }),
    at: fc.integer({ min: -30_000, max: 0 }),
  }),
  { selector: (r) => r.name, minLength: 1, maxLength: 7 },
);

test('property: the index lies between the lowest and highest source used, and the order of sources does not matter', () => {
  fc.assert(
    fc.property(quotes, fc.integer({ min: 1, max: 7 }), (qs, quorum) => {
      const rule = { ...RULE, quorum: Math.min(quorum, qs.length) };
      const r = indexAt(qs, 0, rule);
      assert.deepEqual(indexAt([...qs].reverse(), 0, rule), r);
      const named = new Set([...Object.keys(r.sources), ...Object.keys(r.excluded)]);
      if (r.price === null) return;
      assert.equal(named.size, qs.length); // every source is either used or excluded
      const used = Object.values(r.sources);
      assert.ok(used.length >= rule.quorum);
      assert.ok(r.price >= Math.min(...used) && r.price <= Math.max(...used));
      for (const [name, why] of Object.entries(r.excluded)) {
        const src = qs.find((x) => x.name === name)!;
        assert.equal(why === 'stale', src.at < -RULE.staleMs);
      }
    }),
  );
});

test('property: with a fresh majority agreeing, one source moved anywhere moves the index by at most the spread of the others', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 64_900, max: 65_100, noNaN: true }), { minLength: 2, maxLength: 4 }),
      fc.double({ min: 1, max: 1e6, noNaN: true }),
      (honest, liar) => {
        const qs = [...honest.map((p, i) => q(`h${i}`, p)), q('liar', liar)];
        const r = indexAt(qs, 0, { ...RULE, quorum: defaultQuorum(qs.length) });
        assert.notEqual(r.price, null);
        assert.ok(r.price! >= Math.min(...honest) && r.price! <= Math.max(...honest), `${r.price} outside ${honest}`);
      },
    ),
  );
});
