// The JSON-RPC 2.0 HTTP layer without services: batches, notifications, protocol errors, body
// limit, per-call timeout, public rate limit, health endpoints; malformed input never crashes it.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { RpcClient } from '../../src/api/client.js';
import { RPC, RpcError } from '../../src/api/errors.js';
import { ApiMetrics } from '../../src/api/metrics.js';
import { RpcServer, type MethodTable } from '../../src/api/server.js';
import { silentLogger } from '../../src/infra/logger.js';

const table: MethodTable = {
  echo: { auth: 'none', handler: (p) => p ?? null },
  slow: { auth: 'none', handler: () => new Promise((r) => setTimeout(() => r('late'), 2000)) },
  boom: {
    auth: 'none',
    handler: () => {
      throw new Error('secret internals');
    },
  },
  refuse: {
    auth: 'none',
    handler: () => {
      throw new RpcError(RPC.INVALID_PARAMS, 'Invalid params: x: no', { issues: [{ path: 'x', message: 'no' }] });
    },
  },
  signed: { auth: 'client', handler: () => 'never' },
};

function server(over: Partial<ConstructorParameters<typeof RpcServer>[0]> = {}): RpcServer {
  return new RpcServer({
    name: 'client',
    routes: { '/api': table },
    elsewhere: new Set(['SetMarketHalt']),
    elsewhereHint: 'admin port',
    maxBodyBytes: 1024,
    maxBatch: 5,
    callTimeoutMs: 300,
    publicRate: 0,
    trustProxy: false,
    auth: null,
    metrics: new ApiMetrics(),
    log: silentLogger(),
    ready: async () => ({ redis: true }),
    ...over,
  });
}

describe('JSON-RPC over HTTP', () => {
  const s = server();
  let c: RpcClient;
  before(async () => {
    const addr = await s.listen('127.0.0.1', 0);
    c = new RpcClient(`http://${addr}`);
  });
  after(async () => {
    c.close();
    await s.close();
  });

  const post = (body: string) => c.raw('/api', body);

  test('a call and its result, ids of every allowed type', async () => {
    for (const id of [1, 'abc', null]) {
      const r = await post(JSON.stringify({ jsonrpc: '2.0', id, method: 'echo', params: { a: 1 } }));
      assert.equal(r.status, 200);
      assert.deepEqual(r.json, { jsonrpc: '2.0', id, result: { a: 1 } });
    }
  });

  test('batch: results in order, notifications get no answer, an all-notification batch gets 204', async () => {
    const r = await post(
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'echo', params: [1] },
        { jsonrpc: '2.0', method: 'echo', params: [2] },
        { jsonrpc: '2.0', id: 3, method: 'nope' },
        { jsonrpc: '1.0', id: 4, method: 'echo' },
        7,
      ]),
    );
    assert.equal(r.status, 200);
    const out = r.json as { id: unknown; result?: unknown; error?: { code: number } }[];
    assert.equal(out.length, 4);
    assert.deepEqual(out[0], { jsonrpc: '2.0', id: 1, result: [1] });
    assert.equal(out[1]!.error!.code, RPC.METHOD_NOT_FOUND);
    assert.equal(out[2]!.error!.code, RPC.INVALID_REQUEST);
    assert.equal(out[2]!.id, 4);
    assert.equal(out[3]!.error!.code, RPC.INVALID_REQUEST);
    const n = await post(JSON.stringify([{ jsonrpc: '2.0', method: 'echo' }]));
    assert.equal(n.status, 204);
    assert.equal(n.body, '');
  });

  test('protocol errors: parse error, empty batch, oversized batch, bad ids, unknown path and verb', async () => {
    const parse = await post('{"jsonrpc": "2.0", "method": ');
    assert.equal(parse.status, 400);
    assert.equal((parse.json as { error: { code: number } }).error.code, RPC.PARSE_ERROR);
    assert.equal(((await post('[]')).json as { error: { code: number } }).error.code, RPC.INVALID_REQUEST);
    const big = JSON.stringify(Array.from({ length: 6 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'echo' })));
    assert.equal(((await post(big)).json as { error: { code: number } }).error.code, RPC.INVALID_REQUEST);
    const badId = await post(JSON.stringify({ jsonrpc: '2.0', id: { x: 1 }, method: 'echo' }));
    assert.equal((badId.json as { error: { code: number } }).error.code, RPC.INVALID_REQUEST);
    assert.equal((await c.raw('/nowhere', '{}')).status, 404);
    const noMethod = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: '' }));
    assert.equal((noMethod.json as { error: { code: number } }).error.code, RPC.INVALID_REQUEST);
  });

  test('a method of the other port is named as such', async () => {
    const r = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SetMarketHalt', params: { enabled: true } }));
    const e = (r.json as { error: { code: number; message: string } }).error;
    assert.equal(e.code, RPC.METHOD_NOT_FOUND);
    assert.match(e.message, /admin port/);
  });

  test('method errors: field-level INVALID_PARAMS, INTERNAL without internals, TIMEOUT', async () => {
    const bad = (await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'refuse' }))).json as { error: { code: number; data: unknown } };
    assert.equal(bad.error.code, RPC.INVALID_PARAMS);
    assert.deepEqual(bad.error.data, { issues: [{ path: 'x', message: 'no' }] });
    const boom = (await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'boom' }))).json as { error: { code: number; message: string } };
    assert.equal(boom.error.code, RPC.INTERNAL);
    assert.doesNotMatch(boom.error.message, /secret/);
    const slow = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'slow' }));
    assert.equal(slow.status, 504);
    assert.equal((slow.json as { error: { code: number } }).error.code, RPC.TIMEOUT);
  });

  test('a method that needs a key is refused when the gateway has no authentication', async () => {
    const r = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'signed' }));
    assert.equal(r.status, 503);
  });

  test('oversized bodies: by content-length and by streaming without one', async () => {
    const r = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: 'x'.repeat(2000) }));
    assert.equal(r.status, 413);
    assert.equal((r.json as { error: { code: number } }).error.code, RPC.TOO_LARGE);
    const port = s.port;
    const reply = await new Promise<string>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      let got = '';
      sock.on('data', (d) => {
        got += d.toString();
      });
      sock.on('close', () => resolve(got));
      sock.on('error', () => resolve(got));
      sock.write('POST /api HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n');
      for (let i = 0; i < 5; i++) sock.write(`200\r\n${'y'.repeat(512)}\r\n`);
      setTimeout(() => sock.end(), 200);
    });
    assert.match(reply, /^HTTP\/1\.1 413/);
  });

  test('garbage never takes the server down', async () => {
    const junk = [
      '',
      'null',
      'true',
      '"x"',
      '1e999',
      `{"jsonrpc":"2.0","id":1,"method":"echo","params":${'['.repeat(5000)}${']'.repeat(5000)}}`,
      '\u0000\u0001\u0002',
      '{"__proto__":{"x":1},"jsonrpc":"2.0","id":1,"method":"__proto__"}',
      '{"jsonrpc":"2.0","id":1,"method":"constructor"}',
      '{"jsonrpc":"2.0","id":1,"method":"toString"}',
    ];
    for (const j of junk) {
      const r = await post(j).catch((e: Error) => ({ status: -1, body: e.message, json: null }));
      assert.ok(r.status >= 200 && r.status < 600, `${j.slice(0, 30)} → ${r.status} ${r.body}`);
    }
    // raw bytes that are not HTTP at all
    await new Promise<void>((resolve) => {
      const sock = connect(s.port, '127.0.0.1');
      sock.on('error', () => resolve());
      sock.on('close', () => resolve());
      sock.resume();
      sock.end('GARBAGE \x00\x01 / HTTP/9\r\n\r\n');
    });
    const ok = await post(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'echo', params: 'alive' }));
    assert.deepEqual(ok.json, { jsonrpc: '2.0', id: 9, result: 'alive' });
  });

  test('GET /healthz, /readyz and /metrics', async () => {
    const base = `http://127.0.0.1:${s.port}`;
    const h = await fetch(`${base}/healthz`);
    assert.equal(h.status, 200);
    const r = await fetch(`${base}/readyz`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { status: 'ready', checks: { redis: true } });
    const m = await (await fetch(`${base}/metrics`)).text();
    assert.match(m, /relayer_api_calls_total\{port="client",method="echo",outcome="ok"\}/);
    assert.match(m, /relayer_api_request_seconds_bucket/);
    assert.equal((await fetch(`${base}/elsewhere`)).status, 404);
    assert.equal((await fetch(`${base}/api`, { method: 'PUT', body: '{}' })).status, 405);
  });
});

test('readyz answers 503 when a dependency is down', async () => {
  const s = server({ ready: async () => ({ redis: false, input_log: true }) });
  const addr = await s.listen('127.0.0.1', 0);
  try {
    const r = await fetch(`http://${addr}/readyz`);
    assert.equal(r.status, 503);
  } finally {
    await s.close();
  }
});

test('public methods are rate limited per client address', async () => {
  const s = server({ publicRate: 3 });
  const addr = await s.listen('127.0.0.1', 0);
  const c = new RpcClient(`http://${addr}`);
  try {
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await c.call('/api', 'echo')).status);
    assert.ok(codes.includes(429), `no 429 in ${codes.join(',')}`);
    assert.ok(codes.filter((x) => x === 200).length <= 6, codes.join(','));
  } finally {
    c.close();
    await s.close();
  }
});
