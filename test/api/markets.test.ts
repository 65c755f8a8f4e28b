// The gateway with several markets (D180): a call's `market` param routes it to that market's
// input log and read models; absent means BTC-USD; a malformed or unknown market is refused at the
// edge and nothing is written; GetMarkets lists the registry.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { DEFAULT_AUTH } from '../../src/api/auth.js';
import { RpcClient, type Reply } from '../../src/api/client.js';
import { RPC, RpcError } from '../../src/api/errors.js';
import { DEFAULT_GATEWAY, startGateway } from '../../src/api/gateway.js';
import { routeByMarket, splitMarket } from '../../src/api/markets.js';
import { CLIENT_WRITES, prepareWrite } from '../../src/api/writes.js';
import type { Tables } from '../../src/api/methods.js';
import { silentLogger } from '../../src/infra/logger.js';
import { marketPgSchema, marketRedisPrefix } from '../../src/projections/config.js';
import { RedisKeys } from '../../src/projections/redis/keys.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { marketNamespace } from '../../src/engine/market.js';
import { parseUuid, uuidv5 } from '../../src/engine/util/uuid.js';
import { marketLong } from '../helpers/orders.js';
import { dropPrefix, needRedis, uniqueName } from '../helpers/services.js';

const OPEN = marketLong('acc-1');

function rpcError(fn: () => unknown): RpcError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RpcError) return e;
    throw e;
  }
  assert.fail('expected an RpcError');
}

test('splitMarket: absent is BTC-USD, the market is taken out of the params, a malformed id is INVALID_PARAMS', () => {
  assert.deepEqual(splitMarket(undefined), { market: 'BTC-USD', params: undefined });
  assert.deepEqual(splitMarket([1]), { market: 'BTC-USD', params: [1] });
  assert.deepEqual(splitMarket({ limit: 5 }), { market: 'BTC-USD', params: { limit: 5 } });
  assert.deepEqual(splitMarket({ limit: 5, market: 'ETH-USD' }), { market: 'ETH-USD', params: { limit: 5 } });
  assert.deepEqual(splitMarket({ market: null }), { market: 'BTC-USD', params: {} });
  for (const bad of ['eth-usd', 'ETHUSD', 'E-USD', 7, '', 'ETH-USD ']) {
    const e = rpcError(() => splitMarket({ market: bad }));
    assert.equal(e.code, RPC.INVALID_PARAMS);
    assert.match(e.message, /market must be a market id/);
    assert.deepEqual(e.data, { reason_code: 'INVALID_MARKET' });
  }
});

test("routeByMarket: each call reaches its market's handler without the market param; an unknown market names the served ones", async () => {
  const seen: [string, unknown][] = [];
  const tables = (m: string): Tables => {
    const t = {
      echo: {
        auth: 'none' as const,
        handler: (p: unknown) => {
          seen.push([m, p]);
          return m;
        },
      },
    };
    return { client: { '/api': t }, admin: { '/': t }, clientNames: new Set(['echo']), adminNames: new Set(['echo']) };
  };
  const routed = routeByMarket(
    new Map([
      ['BTC-USD', tables('BTC-USD')],
      ['ETH-USD', tables('ETH-USD')],
    ]),
  );
  const ctx = { principal: null, ip: '127.0.0.1' };
  assert.equal(await routed.client['/api']!['echo']!.handler({ x: 1 }, ctx), 'BTC-USD');
  assert.equal(await routed.client['/api']!['echo']!.handler({ x: 2, market: 'ETH-USD' }, ctx), 'ETH-USD');
  assert.equal(await routed.admin['/']!['echo']!.handler({ market: 'ETH-USD' }, ctx), 'ETH-USD');
  assert.deepEqual(seen, [
    ['BTC-USD', { x: 1 }],
    ['ETH-USD', { x: 2 }],
    ['ETH-USD', {}],
  ]);
  const e = rpcError(() => routed.client['/api']!['echo']!.handler({ market: 'SOL-USD' }, ctx));
  assert.equal(e.code, RPC.INVALID_PARAMS);
  assert.match(e.message, /unknown market SOL-USD: this gateway serves BTC-USD, ETH-USD/);
  assert.equal(seen.length, 3, 'nothing ran for the unknown market');
});

test("writes: a BTC-USD envelope is byte for byte as before; another market's names it", () => {
  const spec = CLIENT_WRITES['CreateTraderOrder']!;
  const btc = prepareWrite('CreateTraderOrder', spec, { ...OPEN, request_id: 'r1' }, null);
  assert.equal(btc.raw, JSON.stringify({ v: 1, id: 'r1', type: 'CreateTraderOrder', params: OPEN }));
  const eth = prepareWrite('CreateTraderOrder', spec, { ...OPEN, request_id: 'r1' }, null, 'ETH-USD');
  assert.equal(eth.raw, JSON.stringify({ v: 1, id: 'r1', market: 'ETH-USD', type: 'CreateTraderOrder', params: OPEN }));
});

test("read-model names per market: BTC-USD keeps today's, another market's never fall under BTC-USD's", () => {
  assert.equal(marketRedisPrefix('relayer:', 'BTC-USD'), 'relayer:');
  assert.equal(marketRedisPrefix('relayer:', 'ETH-USD'), 'relayer.ETH-USD:');
  assert.equal(marketRedisPrefix('rm', 'ETH-USD'), 'rm.ETH-USD:');
  assert.ok(!new RegExp(`^${new RedisKeys('relayer:').pattern.replace('*', '.*')}$`).test(new RedisKeys('relayer.ETH-USD:').price));
  assert.equal(marketPgSchema('relayer', 'BTC-USD'), 'relayer');
  assert.equal(marketPgSchema('relayer', 'ETH-USD'), 'relayer_eth_usd');
});

interface Rpc {
  result?: unknown;
  error?: { code: number; message: string; data?: Record<string, unknown> };
}
const result = (r: Reply): unknown => {
  const j = r.json as Rpc;
  assert.ok(j.error === undefined, r.body);
  return j.result;
};
const error = (r: Reply, code: number): NonNullable<Rpc['error']> => {
  const j = r.json as Rpc;
  assert.ok(j.error !== undefined, r.body);
  assert.equal(j.error.code, code, j.error.message);
  return j.error;
};

test("gateway over two markets: writes land in their market's log, reads come from their market's read model", { timeout: 30_000 }, async (t) => {
  const redisUrl = await needRedis(t);
  if (redisUrl === null) return;
  const dir = mkdtempSync(join(tmpdir(), 'relayer-api-markets-'));
  const genesis = JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: {} });
  const btc = new SqliteStore(join(dir, 'btc'), genesis);
  const eth = new SqliteStore(join(dir, 'eth'), genesis);
  const redisPrefix = `${uniqueName('rm')}:`;
  const authPrefix = `${uniqueName('auth')}:`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const gw = await startGateway({
    ...DEFAULT_GATEWAY,
    backend: btc,
    markets: new Map([
      ['BTC-USD', btc],
      ['ETH-USD', eth],
    ]),
    registry: async () => [
      { id: 'BTC-USD', tick_size: 1 },
      { id: 'ETH-USD', tick_size: 5, created_at: '2026-12-05T00:00:00.000Z' },
      { id: 'SOL-USD', tick_size: 1 },
    ],
    redisUrl,
    redisPrefix,
    authPrefix,
    pgUrl: null,
    pgSchema: 'unused',
    master: randomBytes(32),
    listen: { host: '127.0.0.1', port: 0 },
    adminListen: { host: '127.0.0.1', port: 0 },
    auth: { ...DEFAULT_AUTH, defaultRate: 0 },
    log: silentLogger(),
  });
  const { record, secret } = await gw.keys.create({ role: 'client', accounts: ['acc-1'], rate: null });
  const admin = await gw.keys.create({ role: 'admin', accounts: [], rate: null });
  const client = new RpcClient(gw.clientUrl, { key: record.id, secret });
  const adm = new RpcClient(gw.adminUrl!, { key: admin.record.id, secret: admin.secret });
  const pub = new RpcClient(gw.clientUrl);
  t.after(async () => {
    for (const c of [client, adm, pub]) c.close();
    await gw.close();
    await dropPrefix(redisUrl, redisPrefix, redis);
    await dropPrefix(redisUrl, marketRedisPrefix(redisPrefix, 'ETH-USD'), redis);
    await dropPrefix(redisUrl, authPrefix, redis);
    redis.disconnect();
    await btc.close();
    await eth.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const inbox = (s: SqliteStore) =>
    (s.db.prepare('SELECT raw FROM inbox ORDER BY pos').pluck().all() as string[]).map((r) => JSON.parse(r) as Record<string, unknown>);

  await t.test("a write with market ETH-USD goes to ETH-USD's log, naming its market; one without goes to BTC-USD's", async () => {
    const e = result(await client.call('/clientapi', 'CreateTraderOrder', { ...OPEN, market: 'ETH-USD', request_id: 'eth-1' })) as Record<string, unknown>;
    assert.equal(e['status'], 'RequestSubmitted');
    // the uuid the order will have is minted in ETH-USD's namespace (SPEC §13)
    assert.equal(e['uuid'], uuidv5('eth-1:0', parseUuid(marketNamespace('ETH-USD'))));
    const b = result(await client.call('/clientapi', 'CreateTraderOrder', { ...OPEN, request_id: 'btc-1' })) as Record<string, unknown>;
    assert.equal(b['uuid'], uuidv5('btc-1:0'));
    assert.notEqual(e['uuid'], uuidv5('eth-1:0'));
    const ethIn = inbox(eth);
    assert.deepEqual(
      ethIn.map((r) => r['id']),
      ['genesis', 'eth-1'],
    );
    assert.equal(ethIn[1]!['market'], 'ETH-USD');
    assert.deepEqual(ethIn[1]!['params'], OPEN, 'the body holds no market field');
    const btcIn = inbox(btc);
    assert.deepEqual(
      btcIn.map((r) => r['id']),
      ['genesis', 'btc-1'],
    );
    assert.equal('market' in btcIn[1]!, false);
  });

  await t.test('admin commands go to their market', async () => {
    result(await adm.call('/', 'SetMarketHalt', { enabled: true, market: 'ETH-USD', wait: false, request_id: 'halt-eth' }));
    assert.deepEqual(inbox(eth).at(-1)!['id'], 'halt-eth');
    assert.deepEqual(inbox(btc).at(-1)!['id'], 'btc-1');
  });

  await t.test('a malformed or an unknown market is INVALID_PARAMS and writes nothing', async () => {
    const before = [inbox(btc).length, inbox(eth).length];
    const bad = error(await client.call('/clientapi', 'CreateTraderOrder', { ...OPEN, market: 'eth-usd' }), RPC.INVALID_PARAMS);
    assert.equal(bad.data?.['reason_code'], 'INVALID_MARKET');
    const unknown = error(await client.call('/clientapi', 'CreateTraderOrder', { ...OPEN, market: 'SOL-USD' }), RPC.INVALID_PARAMS);
    assert.equal(unknown.data?.['reason_code'], 'UNKNOWN_MARKET');
    assert.match(unknown.message, /unknown market SOL-USD/);
    error(await adm.call('/', 'SetMarketHalt', { enabled: true, market: 'SOL-USD' }), RPC.INVALID_PARAMS);
    error(await pub.call('/api', 'btc_usd_price', { market: 'NOPE' }), RPC.INVALID_PARAMS);
    assert.deepEqual([inbox(btc).length, inbox(eth).length], before);
  });

  await t.test("public reads come from each market's read model", async () => {
    const info = (price: number) => JSON.stringify({ price, previous_price: null, feed_price: price, ts: 1_000, seq: 3 });
    await redis.set(new RedisKeys(redisPrefix).priceInfo, info(65_000));
    await redis.set(new RedisKeys(marketRedisPrefix(redisPrefix, 'ETH-USD')).priceInfo, info(3_000));
    await redis.set(new RedisKeys(marketRedisPrefix(redisPrefix, 'ETH-USD')).risk, JSON.stringify({ status: 'HALT' }));
    assert.equal((result(await pub.call('/api', 'btc_usd_price')) as { price: number }).price, 65_000);
    assert.equal((result(await pub.call('/api', 'btc_usd_price', { market: 'BTC-USD' })) as { price: number }).price, 65_000);
    assert.equal((result(await pub.call('/api', 'btc_usd_price', { market: 'ETH-USD' })) as { price: number }).price, 3_000);
  });

  await t.test('GetMarkets lists the registry, which markets this gateway serves and their status', async () => {
    const expected = [
      { id: 'BTC-USD', tick_size: 1, created_at: null, served: true, status: null },
      { id: 'ETH-USD', tick_size: 5, created_at: '2026-12-05T00:00:00.000Z', served: true, status: 'HALT' },
      { id: 'SOL-USD', tick_size: 1, created_at: null, served: false, status: null },
    ];
    assert.deepEqual(result(await pub.call('/api', 'GetMarkets')), expected);
    assert.deepEqual(result(await adm.call('/', 'GetMarkets')), expected);
    error(await pub.call('/api', 'GetMarkets', { limit: 3 }), RPC.INVALID_PARAMS);
  });
});
