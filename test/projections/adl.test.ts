// SPEC §15 in the read models: a run whose tick auto-deleverages two longs, projected into
// PostgreSQL and Redis. ADL settlements are settlement and trade rows with close_type ADL, the
// factors are in risk_param_changes, and the Redis risk document carries the cap and each side's Π.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { appendCommands, drain, GENESIS } from '../../src/workload/seeded-log.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { catchUp, pgModel, redisModel } from './helpers.js';
import { bareLong } from '../helpers/orders.js';
import { dropPrefix, dropSchema, needPg, needRedis, uniqueName } from '../helpers/services.js';
import { checkPostgres, checkRedis, readLog } from './verify.js';

const cmd = (id: string, type: string, params: Record<string, unknown>): string => JSON.stringify({ v: 1, id, type, params });
const long = (acct: string, im: number, lev: number): string => cmd(`open-${acct}`, 'CreateTraderOrder', bareLong(acct, im, lev));

/** Genesis pool 1e10; three longs of EV 1e8 at 50 000; at 100 000 each is owed 5e7 and the cap (0.01 × TLV) is 1e8. */
async function adlLog(t: TestContext): Promise<SqliteStore> {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-adl-'));
  const store = new SqliteStore(join(dir, 'data'), GENESIS);
  t.after(async () => {
    await store.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  appendCommands(
    store,
    [
      cmd('p1', 'PriceTick', { price: 50_000 }),
      long('alice', 10_000_000, 10),
      long('bob', 5_000_000, 20),
      long('carol', 10_000_000, 10),
      cmd('cap', 'UpdateRiskParams', { max_pnl_factor: 0.01, adl_target_factor: 0.006 }),
      cmd('p2', 'PriceTick', { price: 100_000 }),
    ],
    0,
    100,
  );
  await drain(store);
  return store;
}

test('postgres: ADL settlements are settlements and trades with close_type ADL; the factors are in risk_param_changes', async (t) => {
  const url = await needPg(t);
  if (url === null) return;
  const schema = uniqueName('adl');
  t.after(() => dropSchema(url, schema));
  const store = await adlLog(t);
  const log = await readLog(store);
  assert.equal(log.events.filter((e) => e.type === 'AdlTriggered').length, 1, 'the run deleverages');
  await catchUp(pgModel(url, schema), store);
  await checkPostgres(url, schema, log);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const s = await c.query(`SELECT account_id, close_type, "trigger" FROM "${schema}".settlements ORDER BY seq`);
    // 1.5e8 owed; bob first (20×), then alice; Π 5e7 ≤ 0.006 × TLV stops it before carol
    assert.deepEqual(s.rows, [
      { account_id: 'bob', close_type: 'ADL', trigger: 'ADL' },
      { account_id: 'alice', close_type: 'ADL', trigger: 'ADL' },
    ]);
    const tr = await c.query(`SELECT count(*)::int AS n FROM "${schema}".trades WHERE kind = 'SETTLE' AND close_type = 'ADL'`);
    assert.equal(tr.rows[0].n, 2);
    const p = await c.query(`SELECT max_pnl_factor, adl_target_factor FROM "${schema}".risk_param_changes ORDER BY seq DESC LIMIT 1`);
    assert.deepEqual(p.rows[0], { max_pnl_factor: 0.01, adl_target_factor: 0.006 });
    const e = await c.query(`SELECT data FROM "${schema}".events WHERE type = 'AdlTriggered'`);
    assert.equal(e.rows[0].data.side, 'LONG');
  } finally {
    await c.end();
  }
});

test("redis: the risk document carries the PnL cap, the ADL target and each side's Π after an ADL", async (t) => {
  const url = await needRedis(t);
  if (url === null) return;
  const prefix = `${uniqueName('adl')}:`;
  t.after(() => dropPrefix(url, prefix));
  const store = await adlLog(t);
  await catchUp(redisModel(url, prefix), store);
  await checkRedis(url, prefix, await readLog(store));
  const r = new Redis(url);
  t.after(() => r.disconnect());
  const risk = JSON.parse((await r.get(`${prefix}risk`))!) as Record<string, number | null>;
  assert.equal(risk['max_pnl_factor'], 0.01);
  assert.equal(risk['adl_target_factor'], 0.006);
  const tlv = risk['pool_equity_btc']!;
  assert.equal(risk['pnl_cap_btc'], 0.01 * tlv);
  assert.equal(risk['adl_target_btc'], 0.006 * tlv);
  assert.equal(risk['traders_pnl_long'], 50_000_000, 'carol is left, owed 5e7');
  assert.equal(risk['traders_pnl_short'], 0);
});
