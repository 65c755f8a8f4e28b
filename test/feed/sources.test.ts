// The pieces around the gate: reading trade messages and file lines, reconnect backoff, the walk,
// and the runner (ids, append order and retries, pause and resync, file replay at any speed).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sleep } from '../helpers/wait.js';
import { parseAggTrade } from '../../src/feed/aggtrade.js';
import { parseLine, parseTime, replayFile } from '../../src/feed/file-source.js';
import { FeedRunner, type EngineView, type RunnerOptions } from '../../src/feed/runner.js';
import { RandomWalk } from '../../src/feed/walk-source.js';
import { backoffMs } from '../../src/feed/reconnecting-socket.js';
import { silentLogger } from '../../src/infra/logger.js';

const TRADE = '{"e":"aggTrade","E":1732492800123,"s":"BTCUSDT","a":26129,"p":"65000.12","q":"0.015","f":100,"l":105,"T":1732492800120,"m":true,"M":true}';

test('aggTrade messages: only e == aggTrade is read, p as a float, T as feed_ts', () => {
  assert.deepEqual(parseAggTrade(TRADE), { kind: 'trade', price: 65_000.12, feedTs: 1_732_492_800_120 });
  assert.deepEqual(parseAggTrade('{"e":"aggTrade","E":5,"p":"1.5"}'), { kind: 'trade', price: 1.5, feedTs: 5 });
  assert.deepEqual(parseAggTrade(`{"stream":"btcusdt@aggTrade","data":${TRADE}}`).kind, 'trade');
  assert.deepEqual(parseAggTrade('{"e":"trade","p":"1"}'), { kind: 'ignored', what: 'trade' });
  assert.deepEqual(parseAggTrade('{"result":null,"id":1}'), { kind: 'ignored', what: 'reply' });
  for (const bad of [
    '',
    'garbage',
    '[1,2]',
    '"x"',
    'null',
    '{"p":"1"}',
    '{"e":"aggTrade"}',
    '{"e":"aggTrade","p":"abc"}',
    '{"e":"aggTrade","p":"-5"}',
    '{"e":"aggTrade","p":"0"}',
    '{"e":"aggTrade","p":"1e400"}',
    '{"e":"aggTrade","p":"2e9"}',
    '{"e":"aggTrade","p":""}',
    '{"e":"aggTrade","p":null}',
    '{"e":"aggTrade","p":"65000.12x"}',
  ]) {
    assert.equal(parseAggTrade(bad).kind, 'malformed', bad);
  }
});

test('reconnect delays double from the base up to the cap, jittered into [½, 1] of each step', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 10].map((n) => backoffMs(n, 2000, 30_000, 1)),
    [2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000],
  );
  assert.deepEqual(
    [0, 1, 2].map((n) => backoffMs(n, 2000, 30_000, 0)),
    [1000, 2000, 4000],
  );
  assert.equal(backoffMs(1000, 2000, 30_000, 0.5), 22_500);
});

test('file lines: CSV ts,price with a header, JSON lines, recorded aggTrade, ISO times', () => {
  assert.deepEqual(parseLine('ts,price', 1), { skip: true });
  assert.deepEqual(parseLine('timestamp , close', 1), { skip: true });
  assert.deepEqual(parseLine('1700000000000,65000.5', 2), { row: { t: 1_700_000_000_000, price: 65_000.5 } });
  assert.deepEqual(parseLine('1700000000000,"65000.5",12.3', 2), { row: { t: 1_700_000_000_000, price: 65_000.5 } });
  assert.deepEqual(parseLine('2023-11-14T22:13:20.000Z,65000', 2), { row: { t: 1_700_000_000_000, price: 65_000 } });
  assert.deepEqual(parseLine('{"ts":1700000000000,"price":65000.5}', 2), { row: { t: 1_700_000_000_000, price: 65_000.5 } });
  assert.deepEqual(parseLine('{"ts":1700000000000,"price":"65000.5"}', 2), { row: { t: 1_700_000_000_000, price: 65_000.5 } });
  assert.deepEqual(parseLine(TRADE, 2), { row: { t: 1_732_492_800_120, price: 65_000.12 } });
  assert.deepEqual(parseLine('', 3), { skip: true });
  assert.deepEqual(parseLine('# comment', 3), { skip: true });
  for (const bad of ['ts,price', '1700000000000', '1700000000000,abc', 'x,65000', '{"ts":1}', '{bad', '{"ts":"yesterday","price":1}', '1.5,65000']) {
    assert.ok('error' in parseLine(bad, 2), bad);
  }
  assert.equal(parseTime('2023-11-14'), 1_699_920_000_000);
  assert.equal(parseTime('soon'), null);
});

test('the walk is a pure function of its seed', () => {
  const a = new RandomWalk(7, 60_000);
  const b = new RandomWalk(7, 60_000);
  const c = new RandomWalk(8, 60_000);
  const pa = Array.from({ length: 200 }, () => a.next());
  assert.deepEqual(
    Array.from({ length: 200 }, () => b.next()),
    pa,
  );
  assert.notDeepEqual(
    Array.from({ length: 200 }, () => c.next()),
    pa,
  );
  assert.ok(pa.every((p) => p >= 1000 && Number(p.toFixed(2)) === p));
  assert.ok(new Set(pa.map(Math.round)).size > 100, 'the walk moves');
});

// ---- runner ------------------------------------------------------------------------------

interface Sink {
  appended: string[];
  fail: number;
  positions: number;
}

function runner(sink: Sink, extra: Partial<RunnerOptions> = {}): FeedRunner {
  return new FeedRunner({
    source: 'test',
    startedAt: 1000,
    gate: { tickMs: 0, heartbeatMs: 0, tickSize: 1 },
    log: silentLogger(),
    append: async (raws) => {
      if (sink.fail > 0) {
        sink.fail--;
        throw new Error('disk full');
      }
      sink.appended.push(...raws);
      return raws.map(() => ({ position: String(++sink.positions), ts: 0 }));
    },
    ...extra,
  });
}

const parsed = (raws: string[]): { id: string; type: string; params: Record<string, unknown> }[] =>
  raws.map((r) => JSON.parse(r) as { id: string; type: string; params: Record<string, unknown> });

test('runner: ids feed:<source>:<start>:<n>, PriceTick with source and feed_ts, heartbeats', async () => {
  const sink: Sink = { appended: [], fail: 0, positions: 0 };
  let now = 0;
  const r = runner(sink, { gate: { tickMs: 0, heartbeatMs: 1000, tickSize: 1 }, now: () => now });
  r.offer(65_000.12, 1_732_492_800_120);
  now = 1500;
  r.offer(65_000.3, null);
  r.offer(65_010, null);
  await r.stop();
  assert.deepEqual(parsed(sink.appended), [
    { v: 1, id: 'feed:test:1000:0', type: 'PriceTick', params: { price: 65_000.12, source: 'test', feed_ts: 1_732_492_800_120 } },
    { v: 1, id: 'feed:test:1000:1', type: 'Heartbeat', params: {} },
    { v: 1, id: 'feed:test:1000:2', type: 'PriceTick', params: { price: 65_010, source: 'test' } },
  ]);
  assert.deepEqual({ ticks: r.stats.ticks, heartbeats: r.stats.heartbeats, prices: r.stats.prices }, { ticks: 2, heartbeats: 1, prices: 3 });
});

test('runner: a failed append is retried with the same text, in order', async () => {
  const sink: Sink = { appended: [], fail: 2, positions: 0 };
  const r = runner(sink);
  for (const p of [100, 101, 102]) r.offer(p, null);
  await r.flushed();
  await r.stop();
  assert.deepEqual(
    parsed(sink.appended).map((c) => [c.id, c.params['price']]),
    [
      ['feed:test:1000:0', 100],
      ['feed:test:1000:1', 101],
      ['feed:test:1000:2', 102],
    ],
  );
  assert.equal(r.stats.append_errors, 2);
});

test('runner: counts rejected messages and reconnects into the counters', async () => {
  const seen: string[] = [];
  const r = runner({ appended: [], fail: 0, positions: 0 }, { counters: { inc: (n) => seen.push(n) } });
  r.rejected('not JSON', 'garbage');
  r.reconnecting(1, 50, 'closed');
  r.offer(100, null);
  await r.stop();
  assert.deepEqual(seen, ['rejected', 'reconnects', 'ticks']);
  assert.deepEqual([r.stats.rejected, r.stats.reconnects], [1, 1]);
});

test('runner: nothing is sent while the engine pauses the feed; the price again after', async () => {
  const sink: Sink = { appended: [], fail: 0, positions: 0 };
  let view: EngineView = { paused: false, price: null, position: null };
  const events: string[] = [];
  const r = runner(sink, { engineProbe: () => view, housekeepMs: 10, onEvent: (e) => events.push(e) });
  r.start();
  r.offer(100, null);
  view = { paused: true, price: 100, position: '1' };
  await sleep(40);
  r.offer(105, null);
  r.offer(106, null);
  view = { paused: false, price: 100, position: '1' };
  await sleep(40);
  await r.stop();
  assert.deepEqual(
    parsed(sink.appended).map((c) => c.params['price']),
    [100, 106],
  );
  assert.deepEqual(events, ['paused', 'unpaused']);
});

test('runner: when the engine consumed our tick but shows another P, the price is sent again', async () => {
  const sink: Sink = { appended: [], fail: 0, positions: 0 };
  let view: EngineView = { paused: false, price: null, position: null };
  const r = runner(sink, { engineProbe: () => view, housekeepMs: 10 });
  r.start();
  r.offer(100, null);
  await r.flushed();
  view = { paused: false, price: 100, position: '0' }; // not consumed yet; P is another's
  await sleep(30);
  assert.equal(sink.appended.length, 1);
  view = { paused: false, price: 70_000, position: '1' }; // consumed; someone set 70 000 after it
  await sleep(30);
  view = { paused: false, price: 100, position: '2' };
  await sleep(30);
  await r.stop();
  assert.deepEqual(
    parsed(sink.appended).map((c) => c.params['price']),
    [100, 100],
  );
});

test('file replay: the same ticks and heartbeats at recorded speed and at speed 60', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-feed-'));
  try {
    const file = join(dir, 'prices.csv');
    const rows = ['ts,price'];
    let p = 65_000;
    for (let i = 0; i < 40; i++) {
      p += [0, 0.3, -2, 0, 4, 0, 0, -0.4][i % 8]!;
      rows.push(`${1_700_000_000_000 + i * 40 + (i > 20 ? 1200 : 0)},${p.toFixed(2)}`);
    }
    rows.splice(5, 0, 'oops');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const replay = async (speed: number): Promise<{ out: unknown[]; ms: number }> => {
      const sink: Sink = { appended: [], fail: 0, positions: 0 };
      const r = runner(sink, { gate: { tickMs: 250, heartbeatMs: 1000, tickSize: 1 }, recorded: true });
      const t0 = performance.now();
      const res = await replayFile(r, file, speed, new AbortController().signal);
      await r.stop();
      assert.deepEqual([res.rows, res.rejected], [40, 1]);
      return { out: parsed(sink.appended).map((c) => [c.type, c.params]), ms: performance.now() - t0 };
    };
    const fast = await replay(60);
    const none = await replay(0);
    const real = await replay(1);
    assert.deepEqual(fast.out, real.out);
    assert.deepEqual(none.out, real.out);
    assert.ok(real.ms >= 2700, `recorded speed takes the recorded time (${real.ms} ms)`);
    assert.ok(fast.ms < real.ms / 5, `speed 60 is faster (${fast.ms} vs ${real.ms} ms)`);
    assert.ok(
      real.out.some((c) => (c as [string])[0] === 'Heartbeat'),
      'the recording has an unchanged second',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
