// The OpenRPC 1.3 document of each port, generated from the method tables the server routes with
// and the zod schemas the handlers validate with (z.toJSONSchema), so it cannot drift from the code.
// Served at GET /openrpc.json; `relayer api --openrpc` prints it and docs/openrpc*.json hold copies
// (test/api/openrpc.test.ts checks they are current).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { MethodDoc } from './method-docs.js';
import { ADMIN_DOCS, CLIENT_DOCS } from './method-docs.js';
import { DEFAULT_MARKET, MARKET_ID_PATTERN } from '../engine/market.js';
import { RPC } from './errors.js';
import { MARKET_ID_TEXT } from './markets.js';
import { methodTables, type MethodDeps } from './methods.js';
import type { MethodTable } from './server.js';

type Json = Record<string, unknown>;

const AUTH_TEXT =
  'Methods with x-relayer-auth "client" (or "admin", on the admin port) need three headers: ' +
  '`relayer-api-key` (the key id), `datetime` (epoch ms, within ±30 s of the server clock) and `signature` = ' +
  'hex HMAC-SHA256(secret, datetime + "\\n" + raw request body) (v2; the legacy v1 signs the raw body only). ' +
  'A (key, signature) pair is accepted once. A key is bound to its account(s); see docs/deploy.md "Client API".';

const UNITS_TEXT =
  'Units: prices in USD per BTC; margins, fees, payments and pool values in sats ' +
  '(1 BTC = 100 000 000 sats); position sizes in sats·USD. An account holds at most one active trader order ' +
  'and one active lend order. The uuid of the order a create makes is uuidv5(request_id + ":0", ' +
  '6f2b8f0e-6c1a-4c4e-9a57-3b1d2f6a9e10) (SPEC §12); a create answers with it.';

function schemaOf(s: z.ZodType): Json {
  const j = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete j['$schema'];
  return j;
}

function resultSchemaOf(s: z.ZodType): Json {
  const j = z.toJSONSchema(s, { io: 'output', unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete j['$schema'];
  return j;
}

/** One OpenRPC method: by-name params when the params are one object, else one "params" descriptor. */
function method(name: string, path: string, auth: string, doc: MethodDoc): Json {
  const params = schemaOf(doc.params);
  // a union (e.g. "no params or {…}") names its fields through its object member, none required
  const branches = (params['anyOf'] as Json[] | undefined) ?? [];
  const obj = params['properties'] !== undefined ? params : branches.find((x) => x['properties'] !== undefined);
  const props = obj?.['properties'] as Record<string, Json> | undefined;
  const required = new Set(obj === params ? ((params['required'] as string[] | undefined) ?? []) : []);
  const descriptors =
    props === undefined
      ? []
      : Object.entries(props).map(([n, schema]) => ({
          name: n,
          required: required.has(n),
          schema,
          ...(typeof schema['description'] === 'string' ? { description: schema['description'] } : {}),
        }));
  // every method also takes `market` (D180): routed by the gateway, never seen by the method itself
  descriptors.push({ name: 'market', required: false, schema: MARKET_SCHEMA, description: MARKET_TEXT });
  return {
    name,
    summary: doc.summary,
    ...(doc.description === undefined ? {} : { description: doc.description }),
    servers: [{ name: path, url: path }],
    paramStructure: 'by-name',
    params: descriptors,
    result: { name: 'result', schema: resultSchemaOf(doc.result) },
    'x-relayer-auth': auth,
    'x-relayer-endpoint': path,
    // the whole params value as sent: what a client validates its params against
    'x-relayer-params-schema': params,
  };
}

const MARKET_TEXT =
  `The market the call is for (${MARKET_ID_TEXT}); absent means BTC-USD. A malformed id is INVALID_PARAMS ` +
  '(data.reason_code INVALID_MARKET); a market this gateway does not serve is INVALID_PARAMS (data.reason_code UNKNOWN_MARKET). ' +
  'Give it inside the params object: {"market": "ETH-USD", …}.';
const MARKET_SCHEMA: Json = { type: 'string', pattern: MARKET_ID_PATTERN.source, default: DEFAULT_MARKET };

const ERRORS = Object.entries(RPC).map(([name, code]) => ({ code, message: name }));

function document(title: string, routes: Readonly<Record<string, MethodTable>>, docs: Readonly<Record<string, MethodDoc>>): Json {
  const methods: Json[] = [];
  const seen = new Set<string>();
  for (const [path, table] of Object.entries(routes)) {
    if (path === '/') continue; // '/' serves every method again
    for (const [name, def] of Object.entries(table)) {
      if (seen.has(name)) continue;
      const doc = docs[name];
      if (doc === undefined) throw new Error(`OpenRPC: method ${name} has no entry in src/api/method-docs.ts`);
      seen.add(name);
      methods.push(method(name, path, def.auth, doc));
    }
  }
  return {
    openrpc: '1.3.2',
    info: { title, version: packageVersion(), description: `JSON-RPC 2.0 over HTTP POST. ${AUTH_TEXT} ${UNITS_TEXT}` },
    methods,
    components: { 'x-relayer-errors': ERRORS },
  };
}

let version: string | null = null;
function packageVersion(): string {
  if (version === null) {
    // dist/src/api/openrpc.js and src/api/openrpc.ts both sit three levels below package.json
    version = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  }
  return version;
}

/** Never called: the tables are only read for their names, paths and auth. */
const NO_DEPS = new Proxy(
  {},
  {
    get: () => {
      throw new Error('OpenRPC: a handler ran');
    },
  },
) as unknown as MethodDeps;

/** The client port's (/clientapi, /api, /api/private) and the admin port's documents. */
export function openrpcDocuments(): { client: Json; admin: Json } {
  const t = methodTables(NO_DEPS);
  return {
    client: document('relayer client API', t.client, CLIENT_DOCS),
    admin: document('relayer admin API', t.admin, ADMIN_DOCS),
  };
}
