// An outside client that knows only GET /openrpc.json and docs/deploy.md (issue 20): it finds each
// method's endpoint, auth and params in the document, gets a key from POST /register (secp256k1,
// docs/deploy.md), signs as docs/deploy.md says (v2 HMAC, written here with node:crypto, not the
// project's client), and places, reads back, closes, rests and cancels orders on the real
// `relayer run` + `relayer project` + `relayer api --register`.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { needServices } from '../helpers/services.js';
import { exited, relayerAsync, untilAsync, freePort } from './cli-helpers.js';
import { gatewayStack } from './gateway-stack.js';

type Json = Record<string, unknown>;
interface Method {
  name: string;
  'x-relayer-endpoint': string;
  'x-relayer-auth': string;
  params: { name: string; required: boolean }[];
}

const DEPLOY = readFileSync(new URL('../../../docs/deploy.md', import.meta.url), 'utf8');

/** A JSON-RPC client built from an OpenRPC document, nothing else. */
class DocClient {
  private id = 0;
  private key: { key: string; secret: string } | null = null;
  constructor(
    private readonly base: string,
    private readonly methods: Map<string, Method>,
  ) {}

  static async load(base: string): Promise<DocClient> {
    const doc = (await (await fetch(new URL('/openrpc.json', base))).json()) as { openrpc: string; methods: Method[] };
    assert.match(doc.openrpc, /^1\./);
    return new DocClient(base, new Map(doc.methods.map((m) => [m.name, m])));
  }

  use(key: string, secret: string): void {
    this.key = { key, secret };
  }

  async call(name: string, params?: Json): Promise<{ status: number; body: Json }> {
    const m = this.methods.get(name);
    assert.ok(m !== undefined, `${name} is not in /openrpc.json`);
    for (const p of m.params) if (p.required) assert.ok(params !== undefined && p.name in params, `${name}: the document says ${p.name} is required`);
    const id = `c-${++this.id}`;
    const body = JSON.stringify({ jsonrpc: '2.0', id, method: name, ...(params === undefined ? {} : { params }) });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (m['x-relayer-auth'] !== 'none' && this.key !== null) {
      // docs/deploy.md, "Signing a request": v2
      const datetime = String(Date.now());
      headers['relayer-api-key'] = this.key.key;
      headers['datetime'] = datetime;
      headers['signature'] = createHmac('sha256', this.key.secret).update(`${datetime}\n${body}`).digest('hex');
    }
    const r = await fetch(new URL(m['x-relayer-endpoint'], this.base), { method: 'POST', body, headers });
    const json = (await r.json()) as Json;
    assert.equal(json['id'], id, 'every answer names its request');
    return { status: r.status, body: json };
  }

  async result(name: string, params?: Json): Promise<Json> {
    const r = await this.call(name, params);
    assert.ok(r.body['error'] === undefined, `${name}: ${JSON.stringify(r.body['error'])}`);
    return r.body['result'] as Json;
  }
}

test('outside client from /openrpc.json and docs/deploy.md: register, place, read, close, rest, cancel', { timeout: 120_000 }, async (t) => {
  const svc = await needServices(t, 'the gateway tests');
  if (svc === null) return;
  // what the client relies on is in the docs
  assert.ok(DEPLOY.includes('datetime + "\\n" + body'), 'docs/deploy.md gives the v2 signature');
  assert.ok(DEPLOY.includes('relayer-register:<account_address>:<epoch ms>'), 'docs/deploy.md gives the /register data');
  const stack = gatewayStack(t, svc, 'e2e_or');
  const apiPort = await freePort();
  const run = stack.start(['run', '--data', stack.data, '--log-level', 'warn', '--no-scheduler']);
  await stack.dataReady();
  const project = stack.start(stack.projectArgs());
  const api = stack.start(stack.apiArgs(apiPort, 'off', ['--register']), { RELAYER_API_MASTER_KEY: randomBytes(32).toString('hex') });
  const base = `http://127.0.0.1:${apiPort}`;
  await stack.gatewayReady(apiPort);
  const tick = await relayerAsync(['submit', 'tick', '--price', '60000', '--data', stack.data, '--wait']);
  assert.equal(tick.code, 0, tick.stderr);

  const c = await DocClient.load(base);
  // unsigned, a signed method answers 401 with the request's id
  const unsigned = await c.call('GetRecentOrder');
  assert.equal(unsigned.status, 401);

  // a key from /register (docs/deploy.md): secp256k1 over SHA-256 of "relayer-register:<account>:<ms>"
  const priv = secp256k1.utils.randomSecretKey();
  const account = 'outside-1';
  const text = `relayer-register:${account}:${Date.now()}`;
  const reg = await fetch(`${base}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      account_address: account,
      data: text,
      signature: {
        pub_key: { type: 'tendermint/PubKeySecp256k1', value: Buffer.from(secp256k1.getPublicKey(priv, true)).toString('base64') },
        signature: Buffer.from(secp256k1.sign(Buffer.from(text, 'utf8'), priv)).toString('base64'),
      },
    }),
  });
  assert.equal(reg.status, 200);
  const issued = (await reg.json()) as { api_key: string; api_secret: string; account_id: string };
  c.use(issued.api_key, issued.api_secret);

  // place: a MARKET long, with wait
  const open = await c.result('CreateTraderOrder', {
    account_id: account,
    position_type: 'LONG',
    order_type: 'MARKET',
    leverage: 5,
    initial_margin: 20_000,
    wait: true,
  });
  assert.equal(open['status'], 'FILLED');
  const u1 = open['uuid'] as string;
  // read back: by uuid and as the account's recent order (no params)
  const info = await untilAsync('the order in the read model', async () => {
    const r = await c.call('trader_order_info', { id: u1 });
    return (r.body['result'] as Json | undefined) ?? null;
  });
  assert.equal(info['order_status'], 'FILLED');
  assert.equal(info['initial_margin'], 20_000);
  assert.equal((await c.result('GetRecentOrder'))['uuid'], u1);
  // one active order per account: a second create is the engine's refusal
  const second = await c.result('CreateTraderOrder', {
    account_id: account,
    position_type: 'SHORT',
    order_type: 'MARKET',
    leverage: 2,
    initial_margin: 1000,
    wait: true,
  });
  assert.equal(second['reason_code'], 'DUPLICATE_ORDER');
  // close it
  const close = await c.result('ExecuteTraderOrder', { account_id: account, uuid: u1, order_type: 'MARKET', wait: true });
  assert.equal(close['status'], 'SETTLED');
  await untilAsync('the settled order', async () =>
    (await c.result('GetRecentOrder', { query_trader_order: { order_status: 'SETTLED' } }))['uuid'] === u1 ? true : null,
  );

  // rest a LIMIT long without wait: the answer names the uuid the order gets
  const rest = await c.result('CreateTraderOrder', {
    account_id: account,
    position_type: 'LONG',
    order_type: 'LIMIT',
    leverage: 2,
    initial_margin: 5000,
    entryprice: 55_000,
    request_id: 'outside-limit-1',
  });
  assert.equal(rest['status'], 'RequestSubmitted');
  const u2 = rest['uuid'] as string;
  const pending = await untilAsync('the resting order', async () => {
    const r = await c.call('trader_order_info', { id: u2 });
    const o = r.body['result'] as Json | undefined;
    return o !== undefined && o['order_status'] === 'PENDING' ? o : null;
  });
  assert.equal(pending['entryprice'], 55_000);
  const book = await untilAsync('the order book', async () => {
    const b = await c.result('GetOrderBook');
    return (b['bid'] as unknown[]).length > 0 ? b : null;
  });
  assert.deepEqual(book, { bid: [{ price: 55_000, positionsize: 5000 * 2 * 55_000 }], ask: [] });
  // cancel it
  const cancel = await c.result('CancelTraderOrder', { account_id: account, uuid: u2, order_type: 'LIMIT', wait: true });
  assert.equal(cancel['status'], 'CANCELLED');
  await untilAsync('the cancelled order', async () => {
    const o = await c.result('GetRecentOrder');
    return o['uuid'] === u2 && o['order_status'] === 'CANCELLED' ? true : null;
  });
  await untilAsync('an empty book', async () => (((await c.result('GetOrderBook'))['bid'] as unknown[]).length === 0 ? true : null));
  // the key acts only for its account
  const other = await c.call('CreateTraderOrder', {
    account_id: 'someone-else',
    position_type: 'LONG',
    order_type: 'MARKET',
    leverage: 2,
    initial_margin: 1000,
  });
  assert.equal(other.status, 403);

  for (const p of [api, project, run]) {
    p.kill('SIGTERM');
    assert.equal((await exited(p)).code, 0, p.err());
  }
});
