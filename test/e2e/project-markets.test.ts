// `relayer project` over two markets through the real binary (D181–D183): one process follows every
// registered market, each market into its own PostgreSQL schema and Redis prefix with its own
// checkpoint; killed mid-catch-up and restarted, each market's rows land exactly once.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openRegistry } from '../../src/markets/registry.js';
import { marketPgSchema, marketRedisPrefix } from '../../src/projections/config.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { seededLog } from '../../src/workload/seeded-log.js';
import { checkPostgres, checkRedis, readLog } from '../projections/verify.js';
import { relayer, spawnCaptured, untilAsync } from './cli-helpers.js';
import { projectWorld } from './project-world.js';

test('relayer project: every registered market into its own schema and prefix; killed and restarted, exactly once per market', {
  timeout: 180_000,
}, async (t) => {
  const markets = ['BTC-USD', 'ETH-USD'] as const;
  const w = await projectWorld(t, 'mk', markets);
  if (w === null) return;
  const { url, rurl, data, schema, prefix, c } = w;
  // given: BTC-USD's log at the root and a registered ETH-USD with a different log of its own
  const btc = await seededLog(data, 4000, 41);
  await btc.store.close();
  const reg = await openRegistry({ data });
  await reg.create({ id: 'ETH-USD', tick_size: 1, genesis: { total_locked_value: 5_000_000_000, total_pool_share: 500_000 }, created_at: 1 });
  await reg.close();
  const eth = await seededLog(join(data, 'markets', 'ETH-USD'), 3000, 42);
  await eth.store.close();
  const heads: Record<string, number> = { 'BTC-USD': btc.lastSeq, 'ETH-USD': eth.lastSeq };
  assert.notEqual(btc.lastSeq, eth.lastSeq, 'two different logs');

  const args = w.args(['--batch-size', '100', '--closed-ttl', '0', '--once', '--json', '--log-level', 'warn']);
  const { pgAt, redisAt } = w;

  // when: the first run is killed once every read model of both markets is part-way
  const first = spawnCaptured(t, args);
  await untilAsync(
    'both markets part-way',
    async () => {
      const at = await Promise.all(markets.flatMap((m) => [pgAt(m), redisAt(m)]));
      return at.every((x) => x > 0) || first.child.exitCode !== null ? true : null;
    },
    90_000,
    5,
  );
  first.child.kill('SIGKILL');
  await first.closed;
  // a COMMIT the server had already received still lands after the client died
  await untilAsync(
    "the killed projector's PostgreSQL sessions to end",
    async () =>
      Number((await c.query('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE $1', [`relayer-project:${schema}%`])).rows[0].n) === 0
        ? true
        : null,
    10_000,
  );
  const before: Record<string, [number, number]> = {};
  for (const m of markets) before[m] = [await pgAt(m), await redisAt(m)];
  assert.ok(
    markets.some((m) => before[m]!.some((at) => at > 0 && at < heads[m]!)),
    `killed mid-catch-up: ${JSON.stringify(before)} of ${JSON.stringify(heads)}`,
  );

  // then: the restart applies exactly each market's events after its own checkpoint
  const second = spawnCaptured(t, args);
  assert.equal(await second.closed, 0, second.err());
  const summary = JSON.parse(second.out()) as Record<string, { seq: number; events: number; target: string }>;
  assert.deepEqual(Object.keys(summary).sort(), ['postgres:BTC-USD', 'postgres:ETH-USD', 'redis:BTC-USD', 'redis:ETH-USD']);
  for (const m of markets) {
    assert.equal(summary[`postgres:${m}`]!.seq, heads[m]);
    assert.equal(summary[`postgres:${m}`]!.events, heads[m]! - before[m]![0], `${m}: postgres applied only what was missing`);
    assert.equal(summary[`redis:${m}`]!.seq, heads[m]);
    assert.equal(summary[`redis:${m}`]!.events, heads[m]! - before[m]![1], `${m}: redis applied only what was missing`);
  }
  // and every row and key of each market matches its own log (not the other's)
  for (const m of markets) {
    const store = new SqliteStore(m === 'BTC-USD' ? data : join(data, 'markets', m));
    try {
      const log = await readLog(store);
      await checkPostgres(url, marketPgSchema(schema, m), log, m);
      await checkRedis(rurl, marketRedisPrefix(prefix, m), log);
    } finally {
      await store.close();
    }
  }

  // status: each market's read models measured against that market's own log (its schema, its prefix)
  const models = ['--postgres', url, '--pg-schema', schema, '--redis', rurl, '--redis-prefix', prefix];
  const ethRun = relayer(['status', '--data', data, '--market', 'ETH-USD', '--json', ...models]);
  assert.equal(ethRun.code, 0, ethRun.stderr);
  const ethStatus = JSON.parse(ethRun.stdout) as { last_seq: number; projections: Record<string, { target: string; seq: number; lag: number }> };
  assert.equal(ethStatus.projections['postgres']!.seq, heads['ETH-USD']);
  assert.equal(ethStatus.projections['redis']!.seq, heads['ETH-USD']);
  assert.match(ethStatus.projections['postgres']!.target, new RegExp(marketPgSchema(schema, 'ETH-USD')));
  const all = relayer(['status', '--data', data, '--json', ...models]);
  assert.equal(all.code, 0, all.stderr);
  const glance = (JSON.parse(all.stdout) as { markets: { market: string; read_models: Record<string, number | string> }[] }).markets;
  assert.deepEqual(
    glance.map((g) => [g.market, g.read_models]),
    markets.map((m) => [m, { postgres: 0, redis: 0 }]),
  );

  // --market picks one; an unknown one is refused before anything is written
  const one = relayer([...args.filter((a) => a !== '--json'), '--json', '--market', 'ETH-USD']);
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(Object.keys(JSON.parse(one.stdout) as object).sort(), ['postgres:ETH-USD', 'redis:ETH-USD']);
  const unknown = relayer([...args, '--market', 'SOL-USD']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown market SOL-USD.*relayer markets list/);
  const malformed = relayer([...args, '--markets', 'BTC-USD,eth']);
  assert.equal(malformed.code, 2);
  assert.equal(
    Number((await c.query('SELECT count(*) AS n FROM information_schema.schemata WHERE schema_name = $1', [marketPgSchema(schema, 'SOL-USD')])).rows[0].n),
    0,
  );
});
