// The live index feed in-process against five local fake exchanges, each speaking its own format:
// subscriptions and application pings are answered, garbage is dropped and counted per source, a
// dropped connection is redialled and resubscribed, the index ticks with every source, and the
// recording replays to the same commands.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { until } from '../helpers/wait.js';
import { nameSources, parseSourceFlag } from '../../src/feed/exchanges/index.js';
import { replayIndexFile } from '../../src/feed/index-replay.js';
import { runIndex } from '../../src/feed/index-source.js';
import { Oracle, stepAtOrAfter } from '../../src/feed/oracle.js';
import { Recorder, RECORDING_FORMAT } from '../../src/feed/recording.js';
import { silentLogger } from '../../src/infra/logger.js';
import { FakeExchange, type ExchangeName } from '../helpers/fake-exchanges.js';
import { collectingIndexRunner, type FedCommand } from '../helpers/feed-runner.js';

const GATE = { tickMs: 250, heartbeatMs: 1000, tickSize: 1 };
// quorum 5: the first tick needs every exchange
const RULE = { quorum: 5, maxDeviation: 0.01, staleMs: 10_000 };

test('five exchanges live: subscriptions, pings, garbage, a dropped connection, index ticks, and a replay of the recording', async (t) => {
  const names: ExchangeName[] = ['binance', 'coinbase', 'kraken', 'okx', 'bybit'];
  const fakes = await Promise.all(names.map((n) => FakeExchange.start(n)));
  t.after(async () => {
    await Promise.all(fakes.map((f) => f.close()));
  });
  const by = (n: ExchangeName): FakeExchange => fakes[names.indexOf(n)]!;
  const dir = mkdtempSync(join(tmpdir(), 'relayer-index-live-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const recording = join(dir, 'rec.jsonl');

  const sources = nameSources(fakes.map((f) => parseSourceFlag(f.flag)));
  const live: FedCommand[] = [];
  const events: [string, Record<string, unknown>][] = [];
  const runner = collectingIndexRunner(GATE, live, { onEvent: (e, f) => events.push([e, f]) });
  const oracle = new Oracle(sources, RULE, runner.gate);
  const firstStep = stepAtOrAfter(Date.now() + 1, 250);
  const recorder = new Recorder(recording, {
    format: RECORDING_FORMAT,
    sources: sources.map(({ name, exchange, symbol }) => ({ name, exchange, symbol })),
    quorum: RULE.quorum,
    max_deviation: RULE.maxDeviation,
    source_stale_ms: RULE.staleMs,
    step_ms: 250,
    first_step: firstStep,
    gate: GATE,
  });
  const stop = new AbortController();
  const done = runIndex(
    runner,
    oracle,
    {
      sources,
      stepMs: 250,
      firstStep,
      log: silentLogger(),
      recorder,
      connection: { reconnectMs: 20, reconnectMaxMs: 50, pingMs: 10_000, handshakeMs: 5000, log: silentLogger(), random: () => 0, appPingMs: 40 },
    },
    stop.signal,
  );
  let last: number | null = null;
  try {
    await until('five subscriptions', 5000, () => (fakes.every((f) => f.subscribed.size === 1) ? true : null), 10);
    for (const [i, f] of fakes.entries()) await f.trade(String(65_000 + i * 10));
    await until('a first tick', 3000, () => (live.some((c) => c.type === 'PriceTick') ? true : null), 10);
    await by('kraken').raw('garbage');
    await by('okx').raw('{"arg":{"channel":"trades"},"data":[{"px":"oops"}]}');
    by('okx').drop();
    await until('okx back', 5000, () => (by('okx').connections === 2 && by('okx').subscribed.size === 1 ? true : null), 10);
    for (const [i, f] of fakes.entries()) await f.trade(String(65_100 + i * 10));
    await until('the tick of the second round', 3000, () => (live.some((c) => c.type === 'PriceTick' && c.params['price'] === 65_120) ? true : null), 10);
    await until('application pings', 3000, () => (['kraken', 'okx', 'bybit'].every((n) => by(n as ExchangeName).pings > 0) ? true : null), 10);
  } finally {
    stop.abort();
    last = await done;
    recorder.end(last);
  }
  await runner.flushed();

  const ticks = live.filter((c) => c.type === 'PriceTick').map((c) => c.params);
  // the second round may tick on its way (a step between two exchanges' trades): first and last are known
  assert.deepEqual(ticks[0], {
    price: 65_020,
    source: 'index',
    sources: { binance: 65_000, bybit: 65_040, coinbase: 65_010, kraken: 65_020, okx: 65_030 },
    excluded: {},
  });
  assert.deepEqual(ticks.at(-1), {
    price: 65_120,
    source: 'index',
    sources: { binance: 65_100, bybit: 65_140, coinbase: 65_110, kraken: 65_120, okx: 65_130 },
    excluded: {},
  });
  assert.deepEqual([oracle.stats['kraken']!.dropped, oracle.stats['okx']!.dropped, oracle.stats['binance']!.dropped], [1, 1, 0]);
  assert.equal(oracle.stats['okx']!.reconnects, 1);
  assert.ok(events.some(([e, f]) => e === 'reconnecting' && f['source'] === 'okx'));
  for (const f of fakes) assert.deepEqual(f.unexpected, [], `${f.exchange} got frames it does not know`);
  assert.equal(
    fakes.filter((f) => f.exchange !== 'okx').every((f) => f.connections === 1),
    true,
  );

  // the recording: every message (acks, pongs and garbage too) with its arrival time; replayed it gives the same commands
  const lines = readFileSync(recording, 'utf8').trim().split('\n');
  assert.ok(lines.some((l) => l.includes('"msg":"garbage"')));
  assert.deepEqual(JSON.parse(lines.at(-1)!), { end: last });
  const replayed: FedCommand[] = [];
  const again = collectingIndexRunner(GATE, replayed);
  const r = await replayIndexFile(again, recording, 0, silentLogger(), new AbortController().signal);
  await again.flushed();
  assert.equal(r.rejected, 0);
  assert.equal(r.last_step, last);
  assert.deepEqual(replayed, live);
});
