// Replaying index recordings: a recording cut short by a crash (no end line) steps on until every
// source is stale; unreadable lines, unknown sources and arrival times that go back are counted
// and skipped; a file that is not a recording is not taken for one.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readRecordingHeader, replayIndexFile } from '../../src/feed/index-replay.js';
import { RECORDING_FORMAT } from '../../src/feed/recording.js';
import { silentLogger } from '../../src/infra/logger.js';
import { tradeMessage } from '../helpers/fake-exchanges.js';
import { collectingIndexRunner, type FedCommand } from '../helpers/feed-runner.js';

const T0 = 1_732_492_800_000;
const GATE = { tickMs: 250, heartbeatMs: 1000, tickSize: 1 };
const HEADER = {
  format: RECORDING_FORMAT,
  quorum: 2,
  max_deviation: 0.01,
  source_stale_ms: 2000,
  step_ms: 250,
  first_step: T0,
  gate: GATE,
  sources: [
    { name: 'binance', exchange: 'binance', symbol: 'btcusdt' },
    { name: 'okx', exchange: 'okx', symbol: 'BTC-USDT' },
  ],
};

async function replay(lines: string[]): Promise<{ cmds: FedCommand[]; res: Awaited<ReturnType<typeof replayIndexFile>>; rejected: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-index-replay-'));
  try {
    const file = join(dir, 'rec.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const cmds: FedCommand[] = [];
    const runner = collectingIndexRunner(GATE, cmds);
    const res = await replayIndexFile(runner, file, 0, silentLogger(), new AbortController().signal);
    await runner.flushed();
    return { cmds, res, rejected: runner.stats.rejected };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const msg = (t: number, src: 'binance' | 'okx', price: string): string => JSON.stringify({ t: T0 + t, src, msg: tradeMessage(src, price, T0 + t) });

test('given a recording without its end line, when replayed, then it steps until every source is stale', async () => {
  const { cmds, res } = await replay([JSON.stringify(HEADER), msg(10, 'binance', '65000'), msg(20, 'okx', '65010')]);
  assert.deepEqual(
    cmds.map((c) => c.type),
    ['PriceTick'],
  );
  assert.deepEqual(cmds[0]!.params, { price: 65_005, source: 'index', sources: { binance: 65_000, okx: 65_010 }, excluded: {} });
  // the last message at +20 ms; stale 2 s later; one more step to see it
  assert.equal(res.last_step, T0 + 2250);
  assert.equal(res.sources['okx']!.trades, 1);
});

test('given bad lines, an unknown source and a time going back, then each is counted and skipped', async () => {
  const { cmds, res, rejected } = await replay([
    JSON.stringify(HEADER),
    msg(10, 'binance', '65000'),
    'not json',
    JSON.stringify({ t: T0 + 30, src: 'kraken', msg: '[]' }),
    msg(5, 'okx', '65010'),
    msg(40, 'okx', '65020'),
    JSON.stringify({ end: T0 + 500 }),
    msg(600, 'okx', '1'),
  ]);
  assert.equal(res.rejected, 3);
  assert.equal(rejected, 3);
  assert.equal(res.messages, 2);
  assert.equal(res.last_step, T0 + 500); // the end line ends it; nothing after it is read
  assert.deepEqual(
    cmds.map((c) => c.params['price']),
    [65_010],
  );
});

test("a price history is not taken for a recording; a recording's header is read", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-index-replay-'));
  try {
    const csv = join(dir, 'prices.csv');
    writeFileSync(csv, 'ts,price\n1,65000\n');
    assert.equal(await readRecordingHeader(csv), null);
    const rec = join(dir, 'rec.jsonl');
    writeFileSync(rec, `${JSON.stringify(HEADER)}\n`);
    assert.equal((await readRecordingHeader(rec))?.quorum, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
