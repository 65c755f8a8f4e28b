// The oracle (SPEC §14) on controlled time: raw exchange messages with arrival times in, steps on
// the 250 ms grid, commands and notes out. No sockets and no clock: the same inputs must give the
// same outputs, which is what file replay relies on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { TickGate, type Emission } from '../../src/feed/gate.js';
import { Oracle, type OracleNote } from '../../src/feed/oracle.js';
import { tradeMessage, type ExchangeName } from '../helpers/fake-exchanges.js';

const T0 = 1_732_492_800_000;
const THREE = [
  { name: 'binance', exchange: 'binance', symbol: 'btcusdt' },
  { name: 'coinbase', exchange: 'coinbase', symbol: 'BTC-USD' },
  { name: 'kraken', exchange: 'kraken', symbol: 'XBT/USD' },
];

/** [arrival ms after T0, source, price] → what each step from 0 to `until` emitted, as text. */
function run(
  sources: typeof THREE,
  msgs: [number, ExchangeName, string][],
  until: number,
  rule = { quorum: 2, maxDeviation: 0.01, staleMs: 10_000 },
): { out: string[]; notes: (OracleNote & { t: number })[]; oracle: Oracle } {
  const oracle = new Oracle(sources, rule, new TickGate({ tickMs: 250, heartbeatMs: 1000, tickSize: 1 }));
  const out: string[] = [];
  const notes: (OracleNote & { t: number })[] = [];
  let i = 0;
  for (let t = 0; t <= until; t += 250) {
    for (; i < msgs.length && msgs[i]![0] <= t; i++) oracle.message(msgs[i]![1], tradeMessage(msgs[i]![1], msgs[i]![2], T0), T0 + msgs[i]![0]);
    const s = oracle.step(T0 + t);
    for (const { emission: e, index } of s.sent) {
      out.push(e.kind === 'tick' ? `${t} tick ${e.price} ${JSON.stringify(index.sources)} ${JSON.stringify(index.excluded)}` : `${t} hb`);
    }
    notes.push(...s.notes.map((n) => ({ ...n, t })));
  }
  return { out, notes, oracle };
}

test('given three sources, when they trade, then the index ticks with the sources used', () => {
  const { out, notes } = run(
    THREE,
    [
      [10, 'binance', '65000'],
      [20, 'coinbase', '65020'],
      [30, 'kraken', '65010'],
    ],
    250,
  );
  // at step 0 nothing has arrived; at 250 all three have
  assert.deepEqual(out, ['250 tick 65010 {"binance":65000,"coinbase":65020,"kraken":65010} {}']);
  // the first quorum is news; a source's first use is not
  assert.deepEqual(
    notes.map((n) => n.kind),
    ['quorum_regained'],
  );
});

test('given one source lying by 5 %, then it is excluded for deviation, the index does not move, and a warning note says so', () => {
  const { out, notes, oracle } = run(
    THREE,
    [
      [0, 'binance', '65000'],
      [0, 'coinbase', '65010'],
      [0, 'kraken', '65020'],
      [300, 'coinbase', '68260.5'], // +5 %
      [600, 'binance', '65000'],
      [600, 'kraken', '65020'],
    ],
    1250,
  );
  assert.deepEqual(out, [
    '0 tick 65010 {"binance":65000,"coinbase":65010,"kraken":65020} {}',
    '1000 hb', // the index stayed at 65010: no tick, only the heartbeat
  ]);
  assert.deepEqual(
    notes.filter((n) => n.kind === 'excluded'),
    [{ kind: 'excluded', source: 'coinbase', reason: 'deviation', price: 68_260.5, index: 65_010, t: 500 }],
  );
  assert.deepEqual(oracle.stats['coinbase']!.excluded, { stale: 0, deviation: 1 });
  assert.equal(oracle.stats['coinbase']!.state, 'deviation');
});

test('given two of three sources silent past source_stale_ms, then no ticks and no heartbeats until one returns', () => {
  const msgs: [number, ExchangeName, string][] = [
    [0, 'binance', '65000'],
    [0, 'coinbase', '65000'],
    [0, 'kraken', '65000'],
  ];
  for (let t = 500; t <= 14_000; t += 500) msgs.push([t, 'binance', '65000']); // only binance keeps trading
  msgs.push([14_100, 'kraken', '65050']);
  const { out, notes } = run(THREE, msgs, 15_000);
  const times = out.map((l) => Number(l.split(' ')[0]));
  // heartbeats while coinbase and kraken are fresh (≤ 10 s), nothing from 10.25 s until kraken is back
  assert.ok(times.includes(10_000));
  assert.deepEqual(
    times.filter((t) => t > 10_000 && t < 14_100),
    [],
  );
  assert.deepEqual(
    out.filter((l) => Number(l.split(' ')[0]) >= 14_100),
    ['14250 tick 65025 {"binance":65000,"kraken":65050} {"coinbase":"stale"}'],
  );
  assert.deepEqual(
    notes.filter((n) => n.kind.startsWith('quorum')).map((n) => [n.kind, n.t]),
    [
      ['quorum_regained', 0],
      ['quorum_lost', 10_250],
      ['quorum_regained', 14_250],
    ],
  );
  assert.deepEqual(
    notes.filter((n) => n.kind === 'excluded').map((n) => n.kind === 'excluded' && [n.source, n.reason, n.t]),
    [
      ['coinbase', 'stale', 10_250],
      ['kraken', 'stale', 10_250],
    ],
  );
});

test('a message counts from the first step at or after its arrival, never before', () => {
  const oracle = new Oracle(THREE.slice(0, 1), { quorum: 1, maxDeviation: 0.01, staleMs: 10_000 }, new TickGate({ tickMs: 0, heartbeatMs: 0, tickSize: 1 }));
  oracle.message('binance', tradeMessage('binance', '65000', T0), T0 + 251);
  assert.deepEqual(oracle.step(T0 + 250).sent, []);
  assert.equal(oracle.step(T0 + 500).sent[0]?.emission.kind, 'tick');
  assert.throws(() => oracle.step(T0 + 250), /before step/);
});

test('at one instant, what was due goes out first, then a price arriving at that instant is read (as the single-source feed)', () => {
  const oracle = new Oracle(THREE.slice(0, 1), { quorum: 1, maxDeviation: 0.01, staleMs: 10_000 }, new TickGate({ tickMs: 0, heartbeatMs: 1000, tickSize: 1 }));
  const at = (t: number, p: string): void => {
    oracle.message('binance', tradeMessage('binance', p, T0), T0 + t);
  };
  at(0, '65000');
  oracle.step(T0); // tick 65000
  at(500, '65000'); // a heartbeat is due at 1000
  at(1000, '65100'); // and a new price arrives at 1000 exactly
  const s = oracle.step(T0 + 1000);
  assert.deepEqual(
    s.sent.map((x) => (x.emission.kind === 'tick' ? `tick ${x.emission.price}` : 'hb')),
    ['hb', 'tick 65100'],
  );
  assert.equal(s.index.price, 65_100);
});

test('one source alone: heartbeats only when it delivered since the last command, as the single-source feed', () => {
  const one = THREE.slice(0, 1);
  const { out } = run(
    one,
    [
      [0, 'binance', '65000'],
      [1100, 'binance', '65000.2'],
    ],
    4000,
    { quorum: 1, maxDeviation: 0.01, staleMs: 10_000 },
  );
  assert.deepEqual(out, ['0 tick 65000 {"binance":65000} {}', '1250 hb']);
});

test('garbage is counted as dropped per source and changes nothing', () => {
  const oracle = new Oracle(THREE, { quorum: 2, maxDeviation: 0.01, staleMs: 10_000 }, new TickGate({ tickMs: 250, heartbeatMs: 1000, tickSize: 1 }));
  assert.equal(oracle.message('kraken', 'garbage', T0).kind, 'malformed');
  assert.equal(oracle.message('kraken', '{"event":"heartbeat"}', T0).kind, 'ignored');
  assert.equal(oracle.message('coinbase', '{"type":"ticker","price":"x"}', T0).kind, 'malformed');
  assert.deepEqual([oracle.stats['kraken']!.dropped, oracle.stats['kraken']!.messages, oracle.stats['coinbase']!.dropped], [1, 2, 1]);
  assert.deepEqual(oracle.step(T0).sent, []);
});

test('the same messages and steps give the same commands (determinism)', () => {
  const msgs: [number, ExchangeName, string][] = [];
  let x = 7;
  const next = (): number => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
  const names: ExchangeName[] = ['binance', 'coinbase', 'kraken'];
  for (let t = 0; t < 20_000; t += Math.floor(next() * 400)) msgs.push([t, names[Math.floor(next() * 3)]!, (65_000 + next() * 2000 - 1000).toFixed(2)]);
  assert.deepEqual(run(THREE, msgs, 25_000).out, run(THREE, msgs, 25_000).out);
  assert.ok(run(THREE, msgs, 25_000).out.length > 10);
});

test('while the engine ignores ticks nothing goes out; on resume the index is sent again even if unchanged', () => {
  const gate = new TickGate({ tickMs: 250, heartbeatMs: 1000, tickSize: 1 });
  const oracle = new Oracle(THREE, { quorum: 2, maxDeviation: 0.01, staleMs: 10_000 }, gate);
  const feed = (t: number): void => {
    for (const ex of ['binance', 'coinbase', 'kraken'] as const) oracle.message(ex, tradeMessage(ex, '65000', T0), T0 + t);
  };
  feed(0);
  assert.equal(oracle.step(T0).sent[0]?.emission.kind, 'tick');
  gate.setPaused(true);
  for (let t = 250; t <= 3000; t += 250) {
    feed(t);
    assert.deepEqual(oracle.step(T0 + t).sent, []);
  }
  gate.setPaused(false);
  feed(3250);
  assert.deepEqual(
    oracle.step(T0 + 3250).sent.map((x) => x.emission),
    [{ kind: 'tick', price: 65_000, feedTs: null, at: T0 + 3250 }],
  );
});

test('property: one source alone sends what the single-source feed sends, for prices arriving on the step grid', () => {
  const gateOpts = { tickMs: 250, heartbeatMs: 1000, tickSize: 1 };
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: -400, max: 400 })), { minLength: 1, maxLength: 80 }), (steps) => {
      const msgs: [number, number][] = [];
      let t = 0;
      let p = 65_000;
      for (const [gap, move] of steps) {
        t += gap * 250;
        p += move / 100;
        msgs.push([t, p]);
      }
      const until = t + 15_000;
      // today's feed: each price offered to the gate when it arrives, and the gate polled when due
      const g = new TickGate(gateOpts);
      const today: string[] = [];
      const note = (e: Emission | null): void => {
        if (e !== null) today.push(e.kind === 'tick' ? `${e.at} tick ${e.price}` : `${e.at} hb`);
      };
      const advance = (to: number): void => {
        for (let due = g.nextDue(); due !== null && due <= to; due = g.nextDue()) {
          const e = g.poll(due);
          if (e === null) break;
          note(e);
        }
      };
      for (const [at, price] of msgs) {
        advance(at);
        note(g.offer(price, null, at));
      }
      advance(until);
      // the index over that one source
      const oracle = new Oracle(THREE.slice(0, 1), { quorum: 1, maxDeviation: 0.01, staleMs: 10_000 }, new TickGate(gateOpts));
      const index: string[] = [];
      let i = 0;
      for (let s = 0; s <= until; s += 250) {
        for (; i < msgs.length && msgs[i]![0] <= s; i++) oracle.message('binance', tradeMessage('binance', String(msgs[i]![1]), 0), msgs[i]![0]);
        for (const { emission: e } of oracle.step(s).sent) index.push(e.kind === 'tick' ? `${e.at} tick ${e.price}` : `${e.at} hb`);
      }
      assert.deepEqual(index, today);
    }),
  );
});
