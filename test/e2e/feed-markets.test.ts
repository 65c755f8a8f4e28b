// `relayer feed --market M` through the real binary (D186): the ticks go to M's input log and name
// M (the engine refuses a command for another market); BTC-USD's log gets nothing; a ws feed of
// another market must name its stream; an unknown market is refused before anything is written.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { GENESIS } from '../../src/workload/seeded-log.js';
import { relayer, tempDir } from './cli-helpers.js';

function inbox(dir: string): Record<string, unknown>[] {
  const s = new SqliteStore(dir);
  try {
    return (s.db.prepare('SELECT raw FROM inbox ORDER BY pos').pluck().all() as string[]).map((r) => JSON.parse(r) as Record<string, unknown>);
  } finally {
    void s.close();
  }
}

test("relayer feed --market ETH-USD writes named ticks to ETH-USD's log only", async (t) => {
  const dir = tempDir('relayer-feed-markets-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, 'data');
  await new SqliteStore(data, GENESIS).close();
  const made = relayer(['markets', 'create', '--data', data, '--id', 'ETH-USD']);
  assert.equal(made.code, 0, made.stderr);
  const eth = join(data, 'markets', 'ETH-USD');
  const before = { btc: inbox(data).length, eth: inbox(eth).length };

  const set = relayer(['feed', 'set', '3001.5', '--market', 'ETH-USD', '--data', data, '--id', 'eth-set-1']);
  assert.equal(set.code, 0, set.stderr);
  const file = join(dir, 'prices.csv');
  writeFileSync(file, 'ts,price\n1000,3000\n2000,3010\n3000,3020\n');
  const replay = relayer(['feed', 'file', file, '--speed', '0', '--tick-ms', '0', '--market', 'ETH-USD', '--data', data, '--log-level', 'warn']);
  assert.equal(replay.code, 0, replay.stderr);

  const added = inbox(eth).slice(before.eth);
  assert.ok(added.length >= 2, `ticks reached ETH-USD's log (${added.length})`);
  assert.deepEqual(added[0], { v: 1, id: 'eth-set-1', market: 'ETH-USD', type: 'PriceTick', params: { price: 3001.5, source: 'set' } });
  for (const r of added) assert.equal(r['market'], 'ETH-USD', JSON.stringify(r));
  assert.ok(added.some((r) => r['type'] === 'PriceTick' && (r['params'] as { price: number }).price === 3020));
  assert.equal(inbox(data).length, before.btc, "BTC-USD's log got nothing");

  // BTC-USD's ticks are as they always were: no market key
  assert.equal(relayer(['feed', 'set', '65000', '--data', data, '--id', 'btc-set-1']).code, 0);
  assert.deepEqual(inbox(data).at(-1), { v: 1, id: 'btc-set-1', type: 'PriceTick', params: { price: 65000, source: 'set' } });

  // refused before anything is written
  const ws = relayer(['feed', 'ws', '--market', 'ETH-USD', '--data', data]);
  assert.equal(ws.code, 2);
  assert.match(ws.stderr, /needs --url/);
  const unknown = relayer(['feed', 'set', '100', '--market', 'SOL-USD', '--data', data]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown market SOL-USD/);
  assert.equal(relayer(['feed', 'set', '100', '--market', 'sol-usd', '--data', data]).code, 2);
  assert.equal(inbox(eth).length, before.eth + added.length);
});
