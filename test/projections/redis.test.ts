// The Redis read model against a real Redis: a seeded run of 10 000 commands equals the engine's
// final state (books entry by entry, every order, accounts, price, pool, risk) and the events
// (recent trades); live batches keep it so and publish the new values on the channels.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { riskStats } from '../../src/projections/mirror.js';
import { catchUp, moreWork, projector, reached, redisModel, seeded } from './helpers.js';
import { dropPrefix, needRedis, uniqueName } from '../helpers/services.js';
import { checkRedis, readLog } from './verify.js';

test('redis: catch-up of a 10 000-command run equals the engine state; live batches publish new values', async (t) => {
  const url = await needRedis(t);
  if (url === null) return;
  const prefix = `${uniqueName('rd')}:`;
  t.after(() => dropPrefix(url, prefix));
  const { store, lastSeq } = await seeded(t, 10_000, 21);

  const p = await catchUp(redisModel(url, prefix), store, { batchSize: 3000 });
  assert.equal(p.committed?.seq, lastSeq);
  await checkRedis(url, prefix, await readLog(store));

  // live, with a subscriber on every channel
  const sub = new Redis(url);
  t.after(() => sub.disconnect());
  const got = new Map<string, string[]>();
  sub.on('pmessage', (_p: string, channel: string, msg: string) => {
    const key = channel.startsWith(`${prefix}ch:orders:`) ? 'orders' : channel.slice(prefix.length);
    got.set(key, [...(got.get(key) ?? []), msg]);
  });
  await sub.psubscribe(`${prefix}ch:*`);
  const model = redisModel(url, prefix);
  const live = projector(model, store, { pollMs: 5 });
  const running = live.run();
  const last = await moreWork(store, 600, 22, 20, 10);
  await reached(live, last);
  live.stop();
  await running;
  await model.close();
  await new Promise((r) => setTimeout(r, 100));
  const log = await readLog(store);
  await checkRedis(url, prefix, log);

  const prices = (got.get('ch:price') ?? []).map((m) => JSON.parse(m) as { price: number; seq: number });
  assert.ok(prices.length > 0, 'price messages');
  assert.equal(prices[prices.length - 1]!.price, log.state.price);
  const risk = got.get('ch:risk') ?? [];
  assert.deepEqual(JSON.parse(risk[risk.length - 1]!), riskStats(log.state), 'last risk message = engine stats');
  const trades = (got.get('ch:trades') ?? []).map((m) => JSON.parse(m) as { seq: number });
  assert.ok(trades.length > 0, 'trade messages');
  assert.ok(
    trades.every((x, i) => i === 0 || x.seq > trades[i - 1]!.seq),
    'trades published in seq order',
  );
  assert.ok(trades[0]!.seq > lastSeq, 'catch-up published nothing');
  const orders = (got.get('orders') ?? []).map((m) => JSON.parse(m) as { uuid: string; order_status: string });
  const lastOf = new Map(orders.map((o) => [o.uuid, o]));
  for (const [uuid, o] of lastOf) {
    const active = log.state.orders.get(uuid);
    if (active !== undefined) assert.deepEqual(o, { ...active }, `last message of order ${uuid}`);
  }
});

test('redis: a layout from a newer binary is refused; --rebuild drops every key of the prefix', async (t) => {
  const url = await needRedis(t);
  if (url === null) return;
  const prefix = `${uniqueName('lay')}:`;
  t.after(() => dropPrefix(url, prefix));
  const { store } = await seeded(t, 200, 5);
  const r = new Redis(url);
  t.after(() => r.disconnect());
  await catchUp(redisModel(url, prefix), store);
  await r.set(`${prefix}order:stray`, 'x');
  const model = redisModel(url, prefix);
  const p = projector(model, store, { once: true });
  await p.rebuild();
  assert.equal(await r.get(`${prefix}order:stray`), null);
  assert.equal(await r.hget(`${prefix}checkpoint`, 'seq'), null);
  await p.run();
  await model.close();
  await checkRedis(url, prefix, await readLog(store));
  await r.hset(`${prefix}meta`, 'version', 99);
  await assert.rejects(catchUp(redisModel(url, prefix), store), /newer than this relayer knows/);
});
