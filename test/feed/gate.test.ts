// The tick gate (SPEC §8) with a fake clock: every call names its time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TickGate, type Emission } from '../../src/feed/gate.js';

const gate = (tickMs = 250, heartbeatMs = 1000, tickSize = 1): TickGate => new TickGate({ tickMs, heartbeatMs, tickSize });

/** Drives the gate like the live runner: offers at their times, polls at every due time in between. */
function drive(g: TickGate, prices: readonly [number, number][], until: number): string[] {
  const out: string[] = [];
  const note = (e: Emission | null): void => {
    if (e !== null) out.push(e.kind === 'tick' ? `${e.at} tick ${e.price}` : `${e.at} hb`);
  };
  const advance = (t: number): void => {
    for (let due = g.nextDue(); due !== null && due <= t; due = g.nextDue()) {
      const e = g.poll(due);
      if (e === null) break;
      note(e);
    }
  };
  for (const [t, p] of prices) {
    advance(t);
    note(g.offer(p, null, t));
  }
  advance(until);
  return out;
}

test('the first price is a tick at once', () => {
  const g = gate();
  const e = g.offer(65_000.12, 1_700_000_000_000, 5);
  assert.deepEqual(e, { kind: 'tick', price: 65_000.12, feedTs: 1_700_000_000_000, at: 5 });
});

test('a tick needs round(price) to move by the tick size', () => {
  assert.deepEqual(
    drive(
      gate(),
      [
        [0, 65_000],
        [300, 65_000.4],
        [600, 65_000.6],
        [900, 65_001.2],
      ],
      900,
    ),
    [
      '0 tick 65000',
      '600 tick 65000.6', // round 65001
    ],
  );
  // a 5 USD tick size: moves of less than 5 make no tick
  assert.deepEqual(
    drive(
      gate(250, 0, 5),
      [
        [0, 65_000],
        [300, 65_004],
        [600, 64_996],
        [900, 65_005],
      ],
      900,
    ),
    ['0 tick 65000', '900 tick 65005'],
  );
});

test('ticks come at most every tickMs and carry the latest price when they fall due', () => {
  const out = drive(
    gate(),
    [
      [0, 100],
      [10, 101],
      [20, 102],
      [100, 103],
      [260, 104],
      [270, 105],
    ],
    2000,
  );
  assert.deepEqual(out.slice(0, 3), ['0 tick 100', '250 tick 103', '500 tick 105']);
});

test('a move that comes back before the tick is due makes no tick', () => {
  const out = drive(
    gate(250, 0),
    [
      [0, 100],
      [50, 105],
      [100, 100.2],
    ],
    2000,
  );
  assert.deepEqual(out, ['0 tick 100']);
});

test('an unchanged price gives a heartbeat at most once per heartbeatMs', () => {
  // the source speaks every 100 ms at the same price for 3.05 s
  const prices: [number, number][] = Array.from({ length: 31 }, (_, i) => [i * 100 + 50, 100] as [number, number]);
  prices[0] = [0, 100];
  assert.deepEqual(drive(gate(), prices, 3050), ['0 tick 100', '1000 hb', '2000 hb', '3000 hb']);
});

test('a heartbeat waits heartbeatMs after the last tick, not after the last heartbeat', () => {
  assert.deepEqual(
    drive(
      gate(),
      [
        [0, 100],
        [700, 101],
        [900, 101],
        [1500, 101],
        [1800, 101],
      ],
      2500,
    ),
    ['0 tick 100', '700 tick 101', '1700 hb'],
  );
});

test('a silent source gets no heartbeats', () => {
  const g = gate();
  assert.equal(g.offer(100, null, 0)?.kind, 'tick');
  assert.equal(g.nextDue(), null);
  for (const t of [1000, 2000, 60_000]) assert.equal(g.poll(t), null);
  // speaking again after a silence: a heartbeat at once (the last command is long past)
  assert.deepEqual(g.offer(100, null, 60_000), { kind: 'heartbeat', at: 60_000 });
});

test('heartbeatMs 0 disables heartbeats; tickMs 0 sends every change at once', () => {
  assert.deepEqual(
    drive(
      gate(0, 0),
      [
        [0, 100],
        [1, 101],
        [2, 101],
        [3, 102],
        [5000, 102],
      ],
      9000,
    ),
    ['0 tick 100', '1 tick 101', '3 tick 102'],
  );
});

test('nothing while paused; after resume the price is sent again even if unchanged', () => {
  const g = gate();
  assert.equal(g.offer(100, null, 0)?.kind, 'tick');
  g.setPaused(true);
  assert.equal(g.offer(105, null, 300), null);
  assert.equal(g.nextDue(), null);
  assert.equal(g.poll(5000), null);
  g.setPaused(false);
  assert.deepEqual(g.poll(5001), { kind: 'tick', price: 105, feedTs: null, at: 5001 });
  // pause, resume with the price where it was: still a tick, the engine ignored what came meanwhile
  g.setPaused(true);
  g.setPaused(false);
  assert.equal(g.offer(105, null, 5002)?.kind, 'tick');
});

test('resync makes the next poll a tick at the current price', () => {
  const g = gate();
  g.offer(100, null, 0);
  g.offer(100, null, 100);
  g.resync();
  assert.equal(g.nextDue(), 250);
  assert.deepEqual(g.poll(250), { kind: 'tick', price: 100, feedTs: null, at: 250 });
});

test('nextDue names exactly the time poll sends something', () => {
  const g = gate(250, 1000);
  g.offer(100, null, 0);
  g.offer(102, null, 10);
  assert.equal(g.nextDue(), 250);
  assert.equal(g.poll(249), null);
  assert.equal(g.poll(250)?.kind, 'tick');
  g.offer(102, null, 300);
  assert.equal(g.nextDue(), 1250);
  assert.equal(g.poll(1249), null);
  assert.equal(g.poll(1250)?.kind, 'heartbeat');
  assert.equal(g.nextDue(), null);
});

test('options must be non-negative numbers', () => {
  assert.throws(() => new TickGate({ tickMs: -1, heartbeatMs: 0, tickSize: 1 }), RangeError);
  assert.throws(() => new TickGate({ tickMs: 0, heartbeatMs: NaN, tickSize: 1 }), RangeError);
});
