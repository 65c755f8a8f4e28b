// What an outside client needs beyond the order methods (issue 20): GetOrderBook per SPEC §9,
// GetRecentOrder without params, errors that name the request's id (auth errors too), the
// OpenRPC document served at /openrpc.json, and self-service keys at /register.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { RpcClient, type Credentials, type Reply } from '../../src/api/client.js';
import { RPC } from '../../src/api/errors.js';
import { openrpcDocuments } from '../../src/api/openrpc.js';
import { registerData, SECP256K1_TYPE } from '../../src/api/register.js';
import { startSystem } from './helpers.js';

type Json = Record<string, unknown>;
const result = (r: Reply): Json => {
  const j = r.json as { result?: Json; error?: unknown };
  assert.ok(j.error === undefined, r.body.slice(0, 300));
  return j.result!;
};

function get(base: string, path: string): Promise<{ status: number; json: unknown }> {
  return fetch(new URL(path, base)).then(async (r) => ({ status: r.status, json: await r.json() }));
}

function registration(account: string, priv: Uint8Array, at = Date.now()): Json {
  const data = registerData(account, at);
  const sig = secp256k1.sign(Buffer.from(data, 'utf8'), priv);
  return {
    account_address: account,
    data,
    signature: {
      pub_key: { type: SECP256K1_TYPE, value: Buffer.from(secp256k1.getPublicKey(priv, true)).toString('base64') },
      signature: Buffer.from(sig).toString('base64'),
    },
  };
}

test('client API: book, recent order, error ids, /openrpc.json, /register', { timeout: 60_000 }, async (t) => {
  const sys = await startSystem(t, { register: { windowMs: 30_000, rate: null } });
  if (sys === null) return;
  t.after(() => sys.stop());
  const { record, secret } = await sys.gw.keys.create({ role: 'client', accounts: ['bk-1'] });
  const me: Credentials = { key: record.id, secret };
  const c = new RpcClient(sys.gw.clientUrl, me);
  const pub = new RpcClient(sys.gw.clientUrl);
  t.after(() => {
    c.close();
    pub.close();
  });
  await sys.appendRaw({ v: 1, id: 'tick-1', type: 'PriceTick', params: { price: 60_000 } });

  await t.test('GetOrderBook sums PENDING limits by price, best first; GetRecentOrder without params', async () => {
    const { record: r2, secret: s2 } = await sys.gw.keys.create({ role: 'client', accounts: ['bk-2', 'bk-3', 'bk-4'] });
    const other = new RpcClient(sys.gw.clientUrl, { key: r2.id, secret: s2 });
    t.after(() => other.close());
    const limit = (account: string, side: string, price: number, im: number) => ({
      account_id: account,
      position_type: side,
      order_type: 'LIMIT',
      leverage: 2,
      initial_margin: im,
      entryprice: price,
      wait: true,
    });
    for (const [cl, p] of [
      [c, limit('bk-1', 'LONG', 59_000, 1000)],
      [other, limit('bk-2', 'LONG', 59_000, 3000)],
      [other, limit('bk-3', 'LONG', 59_500, 1000)],
      [other, limit('bk-4', 'SHORT', 61_000, 1000)],
    ] as const) {
      assert.equal(result(await cl.call('/clientapi', 'CreateTraderOrder', p))['status'], 'PENDING');
    }
    await sys.settled();
    const book = result(await pub.call('/clientapi', 'GetOrderBook'));
    // positionsize = IM × leverage × price (sats·USD)
    assert.deepEqual(book, {
      bid: [
        { price: 59_500, positionsize: 1000 * 2 * 59_500 },
        { price: 59_000, positionsize: (1000 + 3000) * 2 * 59_000 },
      ],
      ask: [{ price: 61_000, positionsize: 1000 * 2 * 61_000 }],
    });
    const recent = result(await c.call('/clientapi', 'GetRecentOrder'));
    assert.equal(recent['account_id'], 'bk-1');
    assert.equal(recent['order_status'], 'PENDING');
    assert.equal(result(await c.call('/clientapi', 'GetRecentOrder', { query_trader_order: { order_status: 'PENDING' } }))['account_id'], 'bk-1');
    // a key of three accounts must say which
    const many = (await other.call('/clientapi', 'GetRecentOrder')).json as { error: { code: number } };
    assert.equal(many.error.code, RPC.INVALID_PARAMS);
  });

  await t.test('errors echo the request id, auth errors included (one per call in a batch)', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 'req-77', method: 'CreateTraderOrder', params: {} });
    const unsigned = await pub.raw('/clientapi', body);
    assert.equal(unsigned.status, 401);
    assert.deepEqual((unsigned.json as Json)['id'], 'req-77');
    const bad = await pub.raw('/clientapi', body, { ...c.headers(body), signature: '0'.repeat(64) });
    assert.equal((bad.json as Json)['id'], 'req-77');
    const batch = JSON.stringify([
      { jsonrpc: '2.0', id: 1, method: 'GetServerTime' },
      { jsonrpc: '2.0', id: 2, method: 'GetRecentOrder' },
    ]);
    const rb = await pub.raw('/clientapi', batch);
    assert.deepEqual(
      (rb.json as Json[]).map((x) => [x['id'], (x['error'] as { code: number }).code]),
      [
        [1, RPC.UNAUTHENTICATED],
        [2, RPC.UNAUTHENTICATED],
      ],
    );
    const invalid = result(await c.call('/clientapi', 'GetServerTime'));
    assert.ok(typeof invalid['epoch'] === 'string');
  });

  await t.test('GET /openrpc.json on each port is the generated document', async () => {
    const docs = openrpcDocuments();
    const cl = await get(sys.gw.clientUrl, '/openrpc.json');
    assert.equal(cl.status, 200);
    assert.deepEqual(cl.json, docs.client);
    assert.deepEqual((await get(sys.gw.adminUrl!, '/openrpc.json')).json, docs.admin);
  });

  await t.test('/register: a secp256k1-signed request gets a key bound to the account, once; another key cannot take the account', async () => {
    const priv = secp256k1.utils.randomSecretKey();
    const reg = registration('reg-1', priv);
    const r = await pub.raw('/register', JSON.stringify(reg));
    assert.equal(r.status, 200, r.body);
    const issued = r.json as { api_key: string; api_secret: string; account_id: string };
    assert.equal(issued.account_id, 'reg-1');
    const mine = new RpcClient(sys.gw.clientUrl, { key: issued.api_key, secret: issued.api_secret });
    t.after(() => mine.close());
    const open = result(
      await mine.call('/clientapi', 'CreateTraderOrder', {
        account_id: 'reg-1',
        position_type: 'LONG',
        order_type: 'MARKET',
        leverage: 5,
        initial_margin: 2000,
        wait: true,
      }),
    );
    assert.equal(open['status'], 'FILLED');
    const denied = (
      await mine.call('/clientapi', 'CreateTraderOrder', { account_id: 'bk-1', position_type: 'LONG', order_type: 'MARKET', leverage: 5, initial_margin: 2000 })
    ).json as { error: { code: number } };
    assert.equal(denied.error.code, RPC.FORBIDDEN);
    // the same signed request again, a stale one, a tampered one, another key for the same account
    assert.equal((await pub.raw('/register', JSON.stringify(reg))).status, 401);
    assert.equal((await pub.raw('/register', JSON.stringify(registration('reg-1', priv, Date.now() - 60_000)))).status, 401);
    const tampered = { ...registration('reg-2', priv), account_address: 'reg-3' };
    assert.equal((await pub.raw('/register', JSON.stringify(tampered))).status, 400);
    const forged = registration('reg-2', priv);
    (forged['signature'] as Json)['signature'] = Buffer.from(secp256k1.sign(Buffer.from('something else'), priv)).toString('base64');
    assert.equal((await pub.raw('/register', JSON.stringify(forged))).status, 401);
    const thief = await pub.raw('/register', JSON.stringify(registration('reg-1', secp256k1.utils.randomSecretKey())));
    assert.equal(thief.status, 403, thief.body);
    // the rightful owner may get another key
    assert.equal((await pub.raw('/register', JSON.stringify(registration('reg-1', priv, Date.now() + 1)))).status, 200);
  });
});

test('client API: /register is off unless the operator enables it', { timeout: 30_000 }, async (t) => {
  const sys = await startSystem(t);
  if (sys === null) return;
  t.after(() => sys.stop());
  const pub = new RpcClient(sys.gw.clientUrl);
  t.after(() => pub.close());
  const r = await pub.raw('/register', JSON.stringify(registration('x-1', secp256k1.utils.randomSecretKey())));
  assert.equal(r.status, 404);
  assert.match(r.body, /--register/);
});
