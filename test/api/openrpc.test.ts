// The OpenRPC documents: generated from the method tables and schemas, every served method
// documented, and the copies in docs/ current (regenerate with: npm run build && node scripts/openrpc.mjs).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { openrpcDocuments } from '../../src/api/openrpc.js';
import { methodTables, type MethodDeps } from '../../src/api/methods.js';

const docs = openrpcDocuments();
type Method = {
  name: string;
  params: { name: string; required: boolean }[];
  'x-relayer-auth': string;
  'x-relayer-endpoint': string;
  result: { schema: Record<string, unknown> };
};

test('openrpc: docs/openrpc.json and docs/openrpc-admin.json are what the code generates', () => {
  for (const [name, file] of [
    ['client', 'openrpc.json'],
    ['admin', 'openrpc-admin.json'],
  ] as const) {
    const onDisk = JSON.parse(readFileSync(new URL(`../../../docs/${file}`, import.meta.url), 'utf8')) as unknown;
    assert.deepEqual(onDisk, docs[name], `docs/${file} is stale: run npm run build && node scripts/openrpc.mjs`);
  }
});

test('openrpc: every method each port serves is in its document, with its endpoint and auth', () => {
  const t = methodTables({} as MethodDeps);
  for (const [port, routes] of [
    ['client', t.client],
    ['admin', t.admin],
  ] as const) {
    const methods = docs[port]['methods'] as Method[];
    const byName = new Map(methods.map((m) => [m.name, m]));
    for (const [path, table] of Object.entries(routes)) {
      if (path === '/') continue;
      for (const [name, def] of Object.entries(table)) {
        const m = byName.get(name);
        assert.ok(m !== undefined, `${port}: ${name} is served but not documented`);
        assert.equal(m['x-relayer-auth'], def.auth, name);
      }
    }
    assert.equal(byName.size, methods.length, 'no method twice');
  }
});

test('openrpc: GetOrderBook, GetRecentOrder and CreateTraderOrder as SPEC §9 describes them', () => {
  const m = new Map((docs.client['methods'] as Method[]).map((x) => [x.name, x]));
  const book = m.get('GetOrderBook')!;
  assert.equal(book['x-relayer-endpoint'], '/clientapi');
  assert.equal(book['x-relayer-auth'], 'none');
  assert.deepEqual(Object.keys(book.result.schema['properties'] as object), ['bid', 'ask']);
  const recent = m.get('GetRecentOrder')!;
  assert.deepEqual(
    recent.params.map((p) => [p.name, p.required]),
    [
      ['query_trader_order', false],
      ['market', false],
    ],
    'no params needed',
  );
  // every method of both ports takes an optional market (D180)
  for (const doc of [docs.client, docs.admin]) {
    for (const x of doc['methods'] as Method[]) {
      assert.deepEqual(
        x.params.filter((p) => p.name === 'market').map((p) => p.required),
        [false],
        `${x.name} takes market`,
      );
    }
  }
  const create = m.get('CreateTraderOrder')!;
  const required = create.params.filter((p) => p.required).map((p) => p.name);
  assert.deepEqual(required, ['account_id', 'position_type', 'order_type', 'leverage', 'initial_margin']);
  const im = create.params.find((p) => p.name === 'initial_margin') as unknown as { description: string };
  assert.match(im.description, /sats/);
  assert.match(String((docs.client['info'] as { description: string }).description), /HMAC-SHA256/);
});
