// Two markets through one gateway, end to end over the real binaries (D180): `relayer markets
// create`, `relayer run --markets BTC-USD,ETH-USD` (one engine per market), `relayer project`
// (every market) and `relayer api` (every market). A signed create with wait on each market fills
// on that market's engine with that market's uuid, its order reads back from that market's read
// model only, GetMarkets lists both, and an unknown market writes nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { RpcClient } from '../../src/api/client.js';
import { RPC } from '../../src/api/errors.js';
import { marketNamespace } from '../../src/engine/market.js';
import { parseUuid, uuidv5 } from '../../src/engine/util/uuid.js';
import { marketPgSchema, marketRedisPrefix } from '../../src/projections/config.js';
import { marketLong } from '../helpers/orders.js';
import { needServices } from '../helpers/services.js';
import { exited, freePort, relayerAsync, untilAsync } from './cli-helpers.js';
import { gatewayStack } from './gateway-stack.js';

interface Rpc {
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: Record<string, unknown> };
}

test('api over two markets: each create fills on its own engine and reads back from its own read model', { timeout: 120_000 }, async (t) => {
  const svc = await needServices(t, 'the gateway tests');
  if (svc === null) return;
  const stack = gatewayStack(t, svc, 'e2e_mapi');
  const { data, authPrefix } = stack;
  stack.alsoDrop(marketPgSchema(stack.schema, 'ETH-USD'), [marketRedisPrefix(stack.redisPrefix, 'ETH-USD')]);
  const master = randomBytes(32).toString('hex');
  const [apiPort, adminPort] = await Promise.all([freePort(), freePort()]);

  const run0 = await relayerAsync(['markets', 'create', '--data', data, '--id', 'ETH-USD', '--tick-size', '5']);
  assert.equal(run0.code, 0, run0.stderr);
  stack.start(['run', '--data', data, '--markets', 'BTC-USD,ETH-USD', '--log-level', 'warn', '--no-scheduler']);
  const statusOf = async (market: string) => {
    const r = await relayerAsync(['status', '--data', data, '--market', market, '--json']);
    return r.code === 0 ? (JSON.parse(r.stdout) as { engine: string; last_seq: number }) : null;
  };
  await untilAsync('both engines', async () => {
    const s = await Promise.all([statusOf('BTC-USD'), statusOf('ETH-USD')]);
    return s.every((m) => m?.engine.startsWith('running') === true) ? true : null;
  });
  stack.start(stack.projectArgs());
  process.env['RELAYER_API_MASTER_KEY'] = master;
  const created = await relayerAsync(['keys', 'create', '--account', 'acc-m', '--auth-prefix', authPrefix, '--redis', svc.redis, '--json']);
  assert.equal(created.code, 0, created.stderr);
  const key = JSON.parse(created.stdout) as { id: string; secret: string };
  const api = stack.start(stack.apiArgs(apiPort, `127.0.0.1:${adminPort}`), { RELAYER_API_MASTER_KEY: master });
  await stack.gatewayReady(apiPort);

  for (const [market, price] of [
    ['BTC-USD', '60000'],
    ['ETH-USD', '3000'],
  ] as const) {
    const tick = await relayerAsync(['submit', 'tick', '--price', price, '--data', data, '--market', market, '--wait']);
    assert.equal(tick.code, 0, tick.stderr);
  }
  const client = new RpcClient(`http://127.0.0.1:${apiPort}`, { key: key.id, secret: key.secret });
  const pub = new RpcClient(`http://127.0.0.1:${apiPort}`);
  t.after(() => {
    client.close();
    pub.close();
  });
  const open = (market: string, entryprice: number, id: string) =>
    client.call('/clientapi', 'CreateTraderOrder', marketLong('acc-m', { market, entryprice, request_id: id, wait: true }));
  // the same account opens on both markets: each market has its own accounts' orders (SPEC §13)
  const uuids: Record<string, string> = {};
  for (const [market, entry, id] of [
    ['BTC-USD', 60000, 'm-btc-1'],
    ['ETH-USD', 3000, 'm-eth-1'],
  ] as const) {
    const r = (await open(market, entry, id)).json as Rpc;
    assert.equal(r.result?.['status'], 'FILLED', JSON.stringify(r));
    uuids[market] = r.result!['uuid'] as string;
    assert.equal(uuids[market], uuidv5(`${id}:0`, parseUuid(marketNamespace(market))));
  }
  for (const market of ['BTC-USD', 'ETH-USD']) {
    const order = await untilAsync(`${market}'s order in its read model`, async () => {
      const r = (await client.call('/api/private', 'trader_order_info', { id: uuids[market], market })).json as Rpc;
      return r.result ?? null;
    });
    assert.equal(order['uuid'], uuids[market]);
    const other = market === 'BTC-USD' ? 'ETH-USD' : 'BTC-USD';
    const cross = (await client.call('/api/private', 'trader_order_info', { id: uuids[market], market: other })).json as Rpc;
    assert.equal(cross.error?.code, RPC.NOT_FOUND, `${market}'s order is not ${other}'s`);
  }
  const price = async (market: string) => ((await pub.call('/api', 'btc_usd_price', { market })).json as Rpc).result?.['price'];
  assert.equal(await price('BTC-USD'), 60000);
  assert.equal(await price('ETH-USD'), 3000);
  const markets = ((await pub.call('/api', 'GetMarkets')).json as { result: { id: string; tick_size: number; served: boolean }[] }).result;
  assert.deepEqual(
    markets.map((m) => [m.id, m.tick_size, m.served]),
    [
      ['BTC-USD', 1, true],
      ['ETH-USD', 5, true],
    ],
  );

  const seqs = async () => [(await statusOf('BTC-USD'))?.last_seq, (await statusOf('ETH-USD'))?.last_seq];
  const before = await seqs();
  const unknown = (await open('SOL-USD', 100, 'm-sol-1')).json as Rpc;
  assert.equal(unknown.error?.code, RPC.INVALID_PARAMS);
  assert.equal(unknown.error?.data?.['reason_code'], 'UNKNOWN_MARKET');
  assert.deepEqual(await seqs(), before, 'nothing was written');

  api.kill('SIGTERM');
  assert.equal((await exited(api)).code, 0, api.err());
});
