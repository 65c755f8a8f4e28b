// Read models and the book of two markets on the real broker (issue 15, deliverable 6): BTC-USD and
// ETH-USD committed by their own engine processes, then one `relayer project --source kafka` follows
// both into PostgreSQL and Redis (each market its own schema and key prefix, D182); each market's
// read models reach its own last seq, and `relayer book --market M` from Redis shows the same book
// as from that market's event log, a different one for each market.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { marketPgSchema, marketRedisPrefix } from '../../src/projections/config.js';
import { dropTestData, needServices, uniqueName } from '../helpers/services.js';
import { exited, killAtEnd, relayer, relayerAsync, startEngine } from './cli-helpers.js';
import { drained, kafkaCase } from './kafka-helpers.js';
import { deletePrefixed, marketStatus, marketWorkload, onMarket, marketsTarget } from './markets-kafka-helpers.js';

const { brokers, skip } = await marketsTarget();
const MARKETS = ['BTC-USD', 'ETH-USD'];

test('Kafka markets: read models and the book show both markets, each its own', { timeout: 240_000, skip }, async (t) => {
  const svc = await needServices(t, 'the read-model test');
  if (svc === null) return;
  const k = kafkaCase(brokers, 'mkrd');
  const schema = uniqueName('mkrd');
  const redisPrefix = `${uniqueName('mkrd')}:`;
  t.after(async () => {
    for (const m of MARKETS) await dropTestData(svc, marketPgSchema(schema, m), [marketRedisPrefix(redisPrefix, m)]);
    await deletePrefixed(k.brokers, k.prefix);
    await k.cleanup();
  });
  const created = relayer(['markets', 'create', '--id', 'ETH-USD', ...k.kafka, '--json']);
  assert.equal(created.code, 0, created.stderr);
  const args = (m: string): string[] => onMarket(k.args(m), m);
  const engines = MARKETS.map((m) => startEngine([...args(m), '--no-scheduler']));
  for (const e of engines) killAtEnd(t, e);
  for (const [i, m] of MARKETS.entries()) {
    await drained(args(m), 60_000, 1);
    const f = join(k.dir, `${m}.jsonl`);
    writeFileSync(f, marketWorkload(m, 1500, 51 + i));
    const s = await relayerAsync(['submit', ...args(m), '--file', f]);
    assert.equal(s.code, 0, s.stderr);
  }
  const last = new Map<string, number>();
  for (const m of MARKETS) last.set(m, (await drained(args(m), 120_000, 2)).last_seq);

  const rm = ['--postgres', svc.pg, '--pg-schema', schema, '--redis', svc.redis, '--redis-prefix', redisPrefix];
  const projected = await relayerAsync(['project', '--source', 'kafka', ...k.kafka, '--data', join(k.dir, 'proj'), ...rm, '--once', '--json']);
  assert.equal(projected.code, 0, projected.stderr);
  for (const m of MARKETS) {
    // each market's read models, under its own schema and prefix (status adds the market's part to
    // the base names, as project and api do), caught up with its own log
    const own = ['--postgres', svc.pg, '--pg-schema', schema, '--redis', svc.redis, '--redis-prefix', redisPrefix];
    const st = relayer(['status', ...args(m), ...own, '--json']);
    assert.equal(st.code, 0, st.stderr);
    const models = JSON.stringify(JSON.parse(st.stdout));
    const seqs = [...models.matchAll(/"state":"ok","seq":(\d+)/g)].map((x) => Number(x[1]));
    assert.deepEqual(seqs, [last.get(m), last.get(m)], `${m}: PostgreSQL and Redis are at its last seq: ${models}`);
  }
  const books = new Map<string, string>();
  for (const m of MARKETS) {
    const fromLog = relayer(['book', '--kafka', k.brokers, '--topic-prefix', k.prefix, '--data', join(k.dir, m), '--market', m, '--json']);
    assert.equal(fromLog.code, 0, fromLog.stderr);
    const fromRedis = relayer(['book', '--redis', svc.redis, '--redis-prefix', redisPrefix, '--market', m, '--json']);
    assert.equal(fromRedis.code, 0, fromRedis.stderr);
    const a = JSON.parse(fromLog.stdout) as { market_id?: string; book: unknown };
    const b = JSON.parse(fromRedis.stdout) as { market_id?: string; book: unknown };
    assert.equal(a.market_id, m);
    assert.equal(b.market_id, m);
    assert.deepEqual(b.book, a.book, `${m}: the book from Redis is the book from its event log`);
    books.set(m, JSON.stringify(a.book));
  }
  assert.notEqual(books.get('BTC-USD'), books.get('ETH-USD'), 'two markets, two books');
  for (const e of engines) e.kill('SIGTERM');
  for (const e of engines) assert.equal((await exited(e)).code, 0);
  assert.ok(marketStatus(args('ETH-USD')) !== null);
});
