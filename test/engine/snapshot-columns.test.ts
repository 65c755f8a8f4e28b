// The column image of a state (snapshot body codec 2, D245) against the canonical lines: over the
// shared random command streams, with the default memory limits and with small ones (so closed
// orders and command ids are being forgotten), decoding the image gives a state with the same
// snapshot lines, and both states go on emitting the same events. Values JSON would not tell
// apart (-0, lone surrogates) survive exactly; a cut or damaged image is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeColumns, emptyState, encodeColumns, encodeState, executeRaw, type EngineConfig, type State } from '../../src/engine/index.js';
import { Driver, scenarioArb, type Step } from '../helpers/arbitraries.js';

const RUNS = Math.max(300, Number(process.env['PROPERTY_RUNS'] ?? 0) || 0);

const lines = (s: State): string[] => [...encodeState(s, true)];

/** Small limits: the streams close more orders and send more ids than these remember. */
const SMALL: Partial<EngineConfig> = { history_max_orders: 3, dedupe_max_ids: 4, history_window_ms: 5_000, dedupe_window_ms: 7_000 };

test('given random command streams, when a state goes through its column image, then it has the same snapshot lines and runs on identically', () => {
  fc.assert(
    fc.property(scenarioArb, fc.nat(), fc.boolean(), (steps: Step[], cut: number, small: boolean) => {
      const config = small ? SMALL : {};
      const k = cut % (steps.length + 1);
      const live = emptyState(config);
      const d = new Driver();
      let restored: State | null = null;
      const roundTrip = (): void => {
        restored = decodeColumns(encodeColumns(live));
        assert.deepEqual(lines(restored), lines(live), `after ${d.fallbackId()}`);
        assert.deepEqual(restored.config, live.config);
        assert.equal(restored.pending_count, live.pending_count);
        assert.equal(restored.filled_count, live.filled_count);
      };
      steps.forEach((s, i) => {
        if (i === k) roundTrip();
        const raw = d.next(s);
        const a = executeRaw(live, raw, d.fallbackId());
        if (restored !== null) assert.equal(JSON.stringify(executeRaw(restored, raw, d.fallbackId())), JSON.stringify(a), `command ${i + 1} after the image`);
        d.observe(a);
      });
      roundTrip();
    }),
    { numRuns: RUNS, includeErrorInReport: true },
  );
});

/** A state with a few orders and closed orders, from the random streams (fixed seed). */
function someState(): State {
  const [steps] = fc.sample(
    scenarioArb.filter((x) => x.length > 20),
    { seed: 7, numRuns: 1 },
  );
  const s = emptyState();
  const d = new Driver();
  for (const step of steps!) d.observe(executeRaw(s, d.next(step), d.fallbackId()));
  return s;
}

test('given values JSON cannot tell apart, when encoded as columns, then they come back bit for bit', () => {
  const s = someState();
  const [first] = [...s.orders.values()];
  if (first === undefined) return assert.fail('the sample has no active order');
  first.unrealized_pnl = -0;
  first.account_id = 'lone \ud800 surrogate';
  first.sltp_on_fill = { sl: null, tp: 1.5e-300 };
  const back = decodeColumns(encodeColumns(s));
  const o = back.orders.get(first.uuid)!;
  assert.ok(Object.is(o.unrealized_pnl, -0), 'negative zero kept');
  assert.equal(o.account_id, first.account_id);
  assert.deepEqual(o.sltp_on_fill, { sl: null, tp: 1.5e-300 });
  assert.deepEqual(lines(back), lines(s));
});

test('a cut column image, or one with a damaged header, is refused', () => {
  const data = encodeColumns(someState());
  for (const at of [1, 5, Math.floor(data.length / 2), data.length - 1]) {
    assert.throws(() => decodeColumns(data.subarray(0, at)), /state columns|truncated|header/, `cut at ${at}`);
  }
  const bad = Uint8Array.from(data);
  bad[0] = 9;
  assert.throws(() => decodeColumns(bad), /layout 9 is not known/);
  const badHeader = Uint8Array.from(data);
  badHeader[6] = 0x7b; // `{` inside the header JSON
  assert.throws(() => decodeColumns(badHeader), /header/);
});
