// Issue 16: two of three sources fall silent → the index loses its quorum → no ticks and no
// heartbeats → the engine refuses opens once its feed clock is 30 s old → a source returns, the
// quorum is back, and opens are accepted again. The oracle runs on controlled time (its steps
// take the time), its commands are stamped with their step times and go through `relayer exec`
// with the opens, so the engine's staleness rule sees exactly the feed's timing, without a real
// 30 s wait.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TickGate } from '../../src/feed/gate.js';
import { Oracle } from '../../src/feed/oracle.js';
import { tradeMessage, type ExchangeName } from '../helpers/fake-exchanges.js';
import { marketLong } from '../helpers/orders.js';
import { relayer } from './cli-helpers.js';

const T0 = 1_732_492_800_000;
const SOURCES = [
  { name: 'binance', exchange: 'binance', symbol: 'btcusdt' },
  { name: 'coinbase', exchange: 'coinbase', symbol: 'BTC-USD' },
  { name: 'kraken', exchange: 'kraken', symbol: 'XBT/USD' },
];
const open = (account: string): Record<string, unknown> => marketLong(account, { execution_price: 65_000 });

test('two of three sources silent → no ticks → opens refused past 30 s → a source returns → opens accepted', () => {
  // binance trades every 500 ms throughout; coinbase and kraken once at the start; kraken again at 50 s
  const trades: [number, ExchangeName, string][] = [
    [0, 'coinbase', '65010'],
    [0, 'kraken', '65020'],
  ];
  for (let t = 0; t <= 60_000; t += 500) trades.push([t, 'binance', '65000']);
  trades.push([50_000, 'kraken', '65030']);
  trades.sort((a, b) => a[0] - b[0]);
  const opens: [number, string][] = [
    [5_000, 'a'],
    [20_000, 'b'],
    [40_300, 'c'],
    [49_900, 'd'],
    [50_500, 'e'],
  ];

  const oracle = new Oracle(SOURCES, { quorum: 2, maxDeviation: 0.01, staleMs: 10_000 }, new TickGate({ tickMs: 250, heartbeatMs: 1000, tickSize: 1 }));
  const input: string[] = [JSON.stringify({ v: 1, id: 'pool', ts: T0, type: 'InitPool', params: {} })];
  const feedAt: number[] = [];
  let n = 0;
  let ti = 0;
  let oi = 0;
  for (let t = 0; t <= 60_000; t += 250) {
    for (; oi < opens.length && opens[oi]![0] < t; oi++) {
      input.push(JSON.stringify({ v: 1, id: `open-${opens[oi]![1]}`, ts: T0 + opens[oi]![0], type: 'CreateTraderOrder', params: open(opens[oi]![1]) }));
    }
    for (; ti < trades.length && trades[ti]![0] <= t; ti++) {
      const [at, src, price] = trades[ti]!;
      oracle.message(src, tradeMessage(src, price, T0 + at), T0 + at);
    }
    for (const { emission: e, index } of oracle.step(T0 + t).sent) {
      feedAt.push(t);
      const params = e.kind === 'tick' ? { price: e.price, source: 'index', sources: index.sources, excluded: index.excluded } : {};
      input.push(JSON.stringify({ v: 1, id: `feed:index:0:${n++}`, ts: T0 + t, type: e.kind === 'tick' ? 'PriceTick' : 'Heartbeat', params }));
    }
  }
  // the feed spoke until coinbase and kraken went stale (10 s), then not until kraken's return at 50 s
  assert.equal(Math.max(...feedAt.filter((t) => t < 50_000)), 10_000);
  assert.equal(Math.min(...feedAt.filter((t) => t > 10_000)), 50_000);

  const r = relayer(['exec'], `${input.join('\n')}\n`);
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { cmd: string; type: string; data: Record<string, unknown> });
  const outcome = (id: string): string => {
    const e = events.find((x) => x.cmd === id)!;
    return e.type === 'Rejected' ? String(e.data['reason_code']) : e.type;
  };
  assert.equal(outcome('open-a'), 'TraderOrderOpened');
  assert.equal(outcome('open-b'), 'TraderOrderOpened'); // the feed clock is 10 s old
  assert.equal(outcome('open-c'), 'PRICE_FEED_PAUSED'); // 30.3 s since the last heartbeat
  assert.equal(outcome('open-d'), 'PRICE_FEED_PAUSED');
  assert.equal(outcome('open-e'), 'TraderOrderOpened'); // kraken back: the quorum, a tick, a fresh clock
  // the tick that ended the silence names the sources it used and the one still stale
  const back = input.map((l) => JSON.parse(l) as { ts: number; type: string; params: Record<string, unknown> }).find((c) => c.ts === T0 + 50_000)!;
  assert.deepEqual(back, {
    ...back,
    type: 'PriceTick',
    params: { price: 65_015, source: 'index', sources: { binance: 65_000, kraken: 65_030 }, excluded: { coinbase: 'stale' } },
  });
});
