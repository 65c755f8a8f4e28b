// Acceptance of issue 16: `relayer feed --source …` over three local fake exchanges (binance,
// coinbase, kraken formats) puts PriceTicks with `sources` and `excluded` on the input log; a
// source lying by 5 % is excluded and the index follows the honest two; garbage and a dropped
// connection are counted per source on /metrics and in the --json status lines; `relayer verify`
// passes on the log; and `relayer feed file <recording>` into a second market appends the same
// commands.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FakeExchange } from '../helpers/fake-exchanges.js';
import { appliedPrices, drained, engineFor, exited, FEED_TEST_FLAGS, inbox, type InboxCommand, relayer, spawnCaptured, tempDir, until } from './cli-helpers.js';

/** What the feed put on the input log: every command after the genesis pool. */
const fed = (data: string): InboxCommand[] => inbox(data).filter((c) => c.id !== 'genesis');

test('feed --source: three exchanges, a liar excluded, sources and excluded on the log, verify passes, the recording replays', async (t) => {
  const dir = tempDir('relayer-feed-index-');
  const data = join(dir, 'data');
  const data2 = join(dir, 'data2');
  const rec = join(dir, 'rec.jsonl');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const engine = await engineFor(t, data);

  const [bin, cb, kr] = await Promise.all([FakeExchange.start('binance'), FakeExchange.start('coinbase'), FakeExchange.start('kraken')]);
  t.after(async () => {
    await Promise.all([bin, cb, kr].map((f) => f.close()));
  });

  const run = spawnCaptured(t, ['feed', '--source', bin.flag, '--source', cb.flag, '--source', kr.flag, '--data', data, '--record', rec, ...FEED_TEST_FLAGS]);
  const { child: feed, lines } = run;
  const status = (): Record<string, unknown> | undefined =>
    lines()
      .filter((l) => l['event'] === 'status')
      .at(-1);
  const ticked = (price: number): Promise<unknown> =>
    until(`a tick at ${price} (stdout: ${run.out()} stderr: ${run.err()})`, 10_000, () => (status()?.['last_tick_price'] === price ? true : null), 25);

  const started = await until(`the feed to start (${run.err()})`, 15_000, () => lines().find((l) => l['event'] === 'started'), 25);
  assert.deepEqual(
    [started['sources'], started['quorum'], started['max_deviation'], started['source_stale_ms']],
    [['binance', 'coinbase', 'kraken'], 2, 0.01, 10_000],
  );
  await until('three subscriptions', 10_000, () => ([bin, cb, kr].every((f) => f.subscribed.size === 1) ? true : null), 25);

  // all honest and agreeing (the same price, so a step between their trades ticks the same index)
  await bin.trade('65010');
  await cb.trade('65010');
  await kr.trade('65010');
  await until(
    'three sources in the index',
    10_000,
    () => ((status()?.['sources'] as Record<string, { state: string }> | undefined)?.['kraken']?.state === 'used' ? true : null),
    25,
  );
  await ticked(65_010);
  // coinbase lies by 5 %: excluded, a warning line, the index unmoved
  await cb.trade('68260.5');
  await until('coinbase excluded', 10_000, () => lines().find((l) => l['event'] === 'excluded' && l['source'] === 'coinbase'), 25);
  // the honest two move while coinbase still lies: a tick on their median that names the liar
  await bin.trade('65050');
  await kr.trade('65070');
  await ticked(65_060);
  // garbage on kraken, binance's connection dropped: both counted, and the feed goes on
  await kr.raw('{"not":"kraken"');
  bin.drop();
  await until('binance back', 10_000, () => (bin.connections === 2 && bin.subscribed.size === 1 ? true : null), 25);
  await bin.trade('65100');
  await cb.trade('65110');
  await kr.trade('65120');
  await ticked(65_110);
  await until('coinbase back in', 10_000, () => lines().find((l) => l['event'] === 'included' && l['source'] === 'coinbase'), 25);

  const metrics = await (await fetch(String(started['metrics']))).text();
  const series = (name: string, labels: string): number => Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
  assert.equal(series('relayer_feed_source_excluded_total', 'name="coinbase",reason="deviation",source="index"'), 1, metrics);
  assert.equal(series('relayer_feed_source_dropped_messages_total', 'name="kraken",source="index"'), 1, metrics);
  assert.equal(series('relayer_feed_source_reconnects_total', 'name="binance",source="index"'), 1, metrics);
  assert.equal(series('relayer_feed_source_last_price', 'name="kraken",source="index"'), 65_120);
  assert.equal(series('relayer_feed_index_price', 'source="index"'), 65_110);
  assert.equal(series('relayer_feed_quorum_met', 'source="index"'), 1);
  const s = status()!['sources'] as Record<string, Record<string, unknown>>;
  assert.deepEqual(
    [s['coinbase']!['excluded'], s['kraken']!['dropped'], s['binance']!['reconnects'], s['kraken']!['last_price']],
    [{ stale: 0, deviation: 1 }, 1, 1, 65_120],
  );
  assert.equal(typeof s['binance']!['age_ms'], 'number');

  feed.kill('SIGTERM');
  assert.deepEqual(await exited(feed), { code: 0, signal: null }, run.err());
  assert.equal(lines().at(-1)!['event'], 'stopped');

  await drained(data);
  const live = fed(data);
  const ticks = live.filter((c) => c.type === 'PriceTick').map((c) => c.params);
  // a step may fall between two exchanges' trades of one round and tick on the way: the rounds' own
  // ticks are there, and every tick is the median of the sources it names
  assert.deepEqual([ticks[0]!['price'], ticks[0]!['source']], [65_010, 'index']);
  assert.ok(
    ticks.some(
      (p) =>
        JSON.stringify(p) ===
        JSON.stringify({ price: 65_060, source: 'index', sources: { binance: 65_050, kraken: 65_070 }, excluded: { coinbase: 'deviation' } }),
    ),
    JSON.stringify(ticks),
  );
  assert.deepEqual(ticks.at(-1), { price: 65_110, source: 'index', sources: { binance: 65_100, coinbase: 65_110, kraken: 65_120 }, excluded: {} });
  // the lie never reached the index: no tick used it, and the index stayed put until the honest ones moved
  assert.ok(ticks.every((p) => (p['sources'] as Record<string, number>)['coinbase'] !== 68_260.5));
  assert.deepEqual(ticks[1]!['excluded'], { coinbase: 'deviation' }, JSON.stringify(ticks));
  for (const p of ticks) {
    const used = Object.values(p['sources'] as Record<string, number>).sort((a, b) => a - b);
    const mid = used.length >> 1;
    assert.equal(p['price'], used.length % 2 === 1 ? used[mid] : (used[mid - 1]! + used[mid]!) / 2);
    assert.deepEqual([...Object.keys(p['sources'] as object), ...Object.keys(p['excluded'] as object)].sort(), ['binance', 'coinbase', 'kraken']);
  }
  assert.deepEqual(
    appliedPrices(data),
    ticks.map((p) => Math.round(p['price'] as number)),
  );
  const verify = relayer(['verify', '--data', data]);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  engine.kill('SIGTERM');
  assert.equal((await exited(engine)).code, 0);

  // the recording into a fresh market gives the same commands (ids aside: they name the feed process)
  assert.ok(readFileSync(rec, 'utf8').includes('"msg":"{\\"not\\":\\"kraken\\""'));
  const engine2 = await engineFor(t, data2);
  const replay = relayer(['feed', 'file', rec, '--speed', '0', '--data', data2, '--json', '--status-ms', '0', '--log-level', 'error']);
  assert.equal(replay.code, 0, replay.stderr);
  await drained(data2);
  const strip = (cs: InboxCommand[]): [string, Record<string, unknown>][] => cs.map((c) => [c.type, c.params]);
  assert.deepEqual(strip(fed(data2)), strip(live));
  engine2.kill('SIGTERM');
  assert.equal((await exited(engine2)).code, 0);
});

test('feed --source: usage errors exit 2 with the reason; help shows index examples', () => {
  const cases: [string[], RegExp][] = [
    [['feed', '--source', 'ftx:BTC'], /unknown exchange ftx/],
    [['feed', '--source', 'binance'], /exchange:symbol/],
    [['feed', 'ws', '--source', 'binance:btcusdt'], /takes no ws/],
    [['feed', '--source', 'binance:btcusdt', '--source', 'okx:BTC-USDT', '--quorum', '3'], /more than the 2 source/],
    [['feed', '--source', 'binance:btcusdt', '--quorum', '0'], /--quorum must be a positive integer/],
    [['feed', '--source', 'binance:btcusdt', '--max-deviation', 'x'], /--max-deviation/],
    [['feed', '--source', 'binance:btcusdt', '--source-stale-ms', '-1'], /--source-stale-ms/],
    [['feed', 'walk', '--record', 'x.jsonl'], /--record records the messages of --source feeds/],
    [['feed', 'walk', '--quorum', '2'], /--quorum applies to --source feeds/],
  ];
  for (const [args, why] of cases) {
    const r = relayer([...args, '--data', 'no-such-dir']);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, why);
  }
  // a recording whose header asks for the impossible is refused before anything runs
  const dir = tempDir('relayer-feed-index-bad-');
  try {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      `${JSON.stringify({
        format: 'relayer-feed-index/1',
        sources: [{ name: 'binance', exchange: 'binance', symbol: 'x' }],
        quorum: 2,
        max_deviation: 0.01,
        source_stale_ms: 10_000,
        step_ms: 250,
        first_step: 0,
        gate: { tickMs: 250, heartbeatMs: 1000, tickSize: 1 },
      })}\n`,
    );
    const r = relayer(['feed', 'file', bad, '--data', join(dir, 'none')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad recording header: quorum must be an integer from 1 to the number of sources \(1\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const help = relayer(['feed', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--source binance:btcusdt --source coinbase:BTC-USD --source kraken:XBT\/USD/);
});
