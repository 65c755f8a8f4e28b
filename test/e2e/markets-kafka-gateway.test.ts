// Two markets through one gateway into two engine processes on the real broker (issue 15,
// deliverable 6): `relayer api --kafka` routes each signed CreateTraderOrder by its `market` param
// to that market's input log, `relayer run --market` of each market commits it, and each market is
// exactly once on its own (every acknowledged command one outcome, seq gapless, events =
// `relayer exec --market M` over its input, verify passes). GetMarkets lists both.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { RpcClient } from '../../src/api/client.js';
import { dropPrefix, needRedis, uniqueName } from '../helpers/services.js';
import { exited, killAtEnd, relayer, relayerAsync, spawnCaptured, startEngine, untilAsync, freePort } from './cli-helpers.js';
import { drained, kafkaCase } from './kafka-helpers.js';
import { assertMarketExactlyOnce, deletePrefixed, inputCount, onMarket, marketsTarget } from './markets-kafka-helpers.js';

const PER_MARKET = 150;
const { brokers, skip } = await marketsTarget();

test('Kafka markets: two markets through one gateway into two engine processes, exactly once each', { timeout: 240_000, skip }, async (t) => {
  const redis = await needRedis(t);
  if (redis === null) return;
  const k = kafkaCase(brokers, 'mkgw');
  const authPrefix = `${uniqueName('mkgw_auth')}:`;
  const redisPrefix = `${uniqueName('mkgw_rm')}:`;
  t.after(async () => {
    await dropPrefix(redis, authPrefix);
    await deletePrefixed(k.brokers, k.prefix);
    await k.cleanup();
  });
  const created = relayer(['markets', 'create', '--id', 'ETH-USD', ...k.kafka, '--json']);
  assert.equal(created.code, 0, created.stderr);
  const btc = onMarket(k.args('btc'), 'BTC-USD');
  const eth = onMarket(k.args('eth'), 'ETH-USD');
  const engines = [startEngine([...btc, '--no-scheduler']), startEngine([...eth, '--no-scheduler'])];
  for (const e of engines) killAtEnd(t, e);
  await drained(btc, 60_000, 1);
  await drained(eth, 60_000, 1);
  const genesis = { btc: inputCount(btc), eth: inputCount(eth) };

  const master = randomBytes(32).toString('hex');
  process.env['RELAYER_API_MASTER_KEY'] = master;
  const key = await relayerAsync(['keys', 'create', '--account', 'acc-gw', '--label', 'mkgw', '--auth-prefix', authPrefix, '--redis', redis, '--json']);
  assert.equal(key.code, 0, key.stderr);
  const { id, secret } = JSON.parse(key.stdout) as { id: string; secret: string };
  const port = await freePort();
  const api = spawnCaptured(t, [
    'api',
    ...k.args('gw'),
    '--listen',
    `127.0.0.1:${port}`,
    '--admin-listen',
    'off',
    '--redis',
    redis,
    '--auth-prefix',
    authPrefix,
    '--redis-prefix',
    redisPrefix,
    '--rate-limit',
    '0',
    '--log-level',
    'warn',
  ]);
  await untilAsync('the gateway to be ready', async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : null;
    } catch {
      return null;
    }
  });
  const client = new RpcClient(`http://127.0.0.1:${port}`, { key: id, secret });
  t.after(() => client.close());

  const listed = (await client.call('/api', 'GetMarkets')).json as { result: { id: string; served: boolean }[] };
  assert.deepEqual(
    listed.result.map((m) => [m.id, m.served]),
    [
      ['BTC-USD', true],
      ['ETH-USD', true],
    ],
    'the gateway serves both markets',
  );

  // interleaved: every other call names ETH-USD, the rest go to the default market
  const calls: Promise<unknown>[] = [];
  for (let i = 0; i < 2 * PER_MARKET; i++) {
    const market = i % 2 === 0 ? 'ETH-USD' : undefined;
    calls.push(
      client
        .call('/clientapi', 'CreateTraderOrder', {
          account_id: 'acc-gw',
          position_type: i % 4 < 2 ? 'LONG' : 'SHORT',
          order_type: 'MARKET',
          leverage: 5,
          initial_margin: 1000 + i,
          available_margin: 1000 + i,
          order_status: 'PENDING',
          entryprice: 60000,
          execution_price: 0,
          request_id: `gw-${i}`,
          ...(market === undefined ? {} : { market }),
        })
        .then((r) => {
          assert.equal(r.status, 200, r.body);
          assert.ok((r.json as { result?: unknown }).result !== undefined, `call ${i} acknowledged: ${r.body}`);
        }),
    );
  }
  await Promise.all(calls);
  await drained(btc, 120_000, 2);
  await drained(eth, 120_000, 2);
  api.child.kill('SIGTERM');
  assert.equal((await exited(api.child)).code, 0, api.err());
  for (const e of engines) e.kill('SIGTERM');
  for (const e of engines) assert.equal((await exited(e)).code, 0);
  assertMarketExactlyOnce(btc, 'BTC-USD', genesis.btc + PER_MARKET);
  assertMarketExactlyOnce(eth, 'ETH-USD', genesis.eth + PER_MARKET);
  const ethInputs = relayer(['events', ...eth, '--inbox'])
    .stdout.trim()
    .split('\n')
    .slice(genesis.eth);
  assert.ok(
    ethInputs.every((l) => (JSON.parse(l) as { market?: string }).market === 'ETH-USD'),
    'the gateway names ETH-USD in each envelope it routed there',
  );
});
