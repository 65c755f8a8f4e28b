// A bounded HTTP fuzz of the gateway (`relayer api`'s server, in process, on loopback) over a real
// embedded log with the engine running: mutated JSON-RPC bodies and batches, bad bytes, oversized
// bodies, missing / wrong / expired / replayed signatures, odd methods and content types, and a few
// malformed HTTP requests on raw sockets. Checks: every answer is a clear JSON-RPC error or result
// (never a 500 or INTERNAL), no request hangs, the server stays up, and the input log grows by
// exactly the requests the gateway said it accepted: a refused request writes nothing.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_AUTH, sign } from '../../api/auth.js';
import { RpcClient, type Reply } from '../../api/client.js';
import { RPC } from '../../api/errors.js';
import { DEFAULT_GATEWAY, startGateway } from '../../api/gateway.js';
import { Prng } from '../../infra/prng.js';
import { silentLogger } from '../../infra/logger.js';
import { DEFAULT_LOOP, EngineLoop } from '../../runtime/loop.js';
import { recover } from '../../runtime/recover.js';
import { SqliteStore } from '../../store/sqlite/store.js';
import { BODIES, SYSTEM } from './corpus.js';
import { mix } from './inputs.js';
import { badUtf8, mutant, mutateText } from './mutate.js';
import { clip, type Finding } from './targets.js';

export interface HttpFuzzOptions {
  seed: number;
  requests: number;
  redisUrl: string;
  timeoutMs?: number;
}

export interface HttpFuzzReport {
  requests: number;
  statuses: Record<string, number>;
  submitted: number;
  findings: Finding[];
  ms: number;
}

const CLIENT_METHODS = [
  ...Object.keys(BODIES),
  'GetServerTime',
  'GetRecentOrder',
  'server_time',
  'btc_usd_price',
  'get_funding_rate',
  'open_limit_orders',
  'recent_trade_orders',
  'historical_price',
  'candle_data',
  'submit_order',
  'submit_bulk_order',
  'trader_order_info',
  'order_history',
  'unrealized_pnl',
  'open_orders',
  'nope',
  '',
  'constructor',
  '__proto__',
];
const ADMIN_METHODS = [
  ...Object.keys(SYSTEM).filter((t) => !['PriceTick', 'FundingCycle', 'Snapshot', 'InitPool'].includes(t)),
  'GetRiskStats',
  'GetRiskParams',
  'CreateTraderOrder',
];
const CLIENT_PATHS = ['/clientapi', '/api', '/api/private', '/', '/register', '/nope', '/healthz'];
const PUBLIC = new Set(['server_time', 'btc_usd_price', 'get_funding_rate', 'open_limit_orders', 'recent_trade_orders', 'historical_price', 'candle_data']);
const PRIVATE = new Set(['submit_order', 'submit_bulk_order', 'trader_order_info', 'order_history', 'unrealized_pnl', 'open_orders']);

/** The path a method lives on (most requests go there; the rest try the wrong door). */
function home(method: string, port: 'client' | 'admin'): string {
  if (port === 'admin') return '/';
  return PUBLIC.has(method) ? '/api' : PRIVATE.has(method) ? '/api/private' : '/clientapi';
}
const CODES = new Set<number>(Object.values(RPC));
const OK_STATUS = new Set([200, 204, 400, 401, 403, 404, 405, 411, 413, 415, 429, 503]);

export async function fuzzHttp(o: HttpFuzzOptions): Promise<HttpFuzzReport> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'relayer-fuzz-http-'));
  const store = new SqliteStore(join(dir, 'data'), JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: {} }));
  store.db.pragma('synchronous = OFF');
  const rec = await recover(store);
  const loop = new EngineLoop(store, rec.state, rec.lastHash, rec.position, { ...DEFAULT_LOOP, idleMs: 5, batchMs: 1, log: silentLogger() });
  const running = loop.run();
  const prefix = `fuzz_${process.pid}_${randomBytes(3).toString('hex')}:`;
  const gw = await startGateway({
    ...DEFAULT_GATEWAY,
    backend: store,
    redisUrl: o.redisUrl,
    redisPrefix: `${prefix}rm:`,
    authPrefix: `${prefix}auth:`,
    pgUrl: null,
    pgSchema: 'relayer',
    master: randomBytes(32),
    listen: { host: '127.0.0.1', port: 0 },
    adminListen: { host: '127.0.0.1', port: 0 },
    auth: { ...DEFAULT_AUTH, defaultRate: 0 },
    log: silentLogger(),
    waitTimeoutMs: 300,
    callTimeoutMs: 2000,
    publicRate: 0,
  });
  const report: HttpFuzzReport = { requests: 0, statuses: {}, submitted: 0, findings: [], ms: 0 };
  const client = new RpcClient(gw.clientUrl);
  const admin = new RpcClient(gw.adminUrl!);
  try {
    await withTimeout(
      new Promise<void>((resolve) => {
        if (gw.redis.status === 'ready') resolve();
        else gw.redis.once('ready', () => resolve());
      }),
      5000,
    ).catch(() => {
      throw new RedisUnavailable(`the HTTP fuzz needs Redis at ${o.redisUrl} (for API keys); it is not reachable`);
    });
    const ck = await gw.keys.create({ role: 'client', accounts: ['acc-1', 'acc-2', 'acc-3'] });
    const ak = await gw.keys.create({ role: 'admin', accounts: [] });
    const keys = [
      { key: ck.record.id, secret: ck.secret },
      { key: ak.record.id, secret: ak.secret },
    ];
    let last: Req | null = null;
    for (let i = 0; i < o.requests; i++) {
      const rng = new Prng(mix(o.seed ^ 0x4854, i));
      const port = rng.chance(0.8) ? 'client' : 'admin';
      const req: Req = last !== null && rng.chance(0.03) ? last : buildRequest(rng, port, keys);
      if (rng.chance(0.02)) {
        await rawSocket(gw.clientUrl, rng, report, i);
        continue;
      }
      last = req;
      const before = Number((await store.head()) ?? 0);
      let reply: Reply;
      try {
        reply = await withTimeout((port === 'client' ? client : admin).raw(req.path, req.body, req.headers), o.timeoutMs ?? 10_000);
      } catch (e) {
        report.findings.push({
          kind: (e as Error).message === 'timeout' ? 'hang' : 'crash',
          target: 'http',
          index: i,
          message: `request failed: ${(e as Error).message}`,
          input: clip(`${req.path} ${req.body.toString('utf8')}`),
        });
        continue;
      }
      report.requests++;
      report.statuses[reply.status] = (report.statuses[reply.status] ?? 0) + 1;
      const problem = judge(reply);
      const accepted = countAccepted(reply.json);
      report.submitted += accepted;
      const grew = Number((await store.head()) ?? 0) - before;
      const notes = notifications(req.body);
      const input = clip(`${port} ${req.path} ${JSON.stringify(req.headers)} ${req.body.toString('utf8')}`);
      if (problem !== null) report.findings.push({ kind: 'crash', target: 'http', index: i, message: problem, input });
      else if (grew < accepted || grew > accepted + notes)
        report.findings.push({
          kind: 'state-changed',
          target: 'http',
          index: i,
          message: `the input log grew by ${grew} records, the gateway accepted ${accepted}`,
          input,
        });
    }
    const alive = await withTimeout(client.raw('/clientapi', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetServerTime' })), 5000).catch((e: Error) => e);
    if (alive instanceof Error || alive.status !== 200)
      report.findings.push({ kind: 'crash', target: 'http', index: o.requests, message: 'the gateway does not answer after the fuzz', input: '' });
  } finally {
    client.close();
    admin.close();
    await gw.close();
    loop.stop();
    await running;
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  report.ms = Math.round(performance.now() - t0);
  return report;
}

export class RedisUnavailable extends Error {}

type Key = { key: string; secret: string };
type Req = { path: string; body: Buffer; headers: Record<string, string>; port: 'client' | 'admin' };

function call(rng: Prng, methods: readonly string[]): object {
  const method = rng.pick(methods);
  const body =
    BODIES[method] ??
    SYSTEM[method] ??
    (method === 'submit_order' ? { position_type: 'LONG', order_type: 'MARKET', leverage: 5, initial_margin: 1000, entryprice: 60000 } : {});
  const roll = rng.next();
  const params =
    roll < 0.1
      ? rng.pick([undefined, null, [], 'x', 1])
      : roll < 0.55
        ? { ...body, wait: false }
        : (JSON.parse(mutant(rng, { ...body, wait: false }, 0)) as unknown);
  const c: Record<string, unknown> = { jsonrpc: '2.0', id: rng.chance(0.9) ? rng.int(1, 1e6) : rng.pick([null, 'x', 1.5, {}]), method, params };
  if (rng.chance(0.05)) delete c['id'];
  if (rng.chance(0.05)) c['jsonrpc'] = rng.pick(['1.0', 2, null]);
  return c;
}

function buildRequest(rng: Prng, port: 'client' | 'admin', keys: Key[]): Req {
  const methods = port === 'client' ? CLIENT_METHODS : ADMIN_METHODS;
  const first = call(rng, methods) as { method: string };
  const path = rng.chance(0.8) ? home(first.method, port) : port === 'client' ? rng.pick(CLIENT_PATHS) : rng.pick(['/', '/admin', '/nope']);
  let text: string;
  const shape = rng.next();
  if (shape < 0.6) text = JSON.stringify(first);
  else if (shape < 0.8) text = JSON.stringify(Array.from({ length: rng.pick([0, 1, 2, 5, 101]) }, () => call(rng, methods)));
  else if (shape < 0.9) text = mutateText(rng, JSON.stringify(call(rng, methods)));
  else if (shape < 0.95) text = JSON.stringify({ ...call(rng, methods), pad: 'x'.repeat(rng.pick([1000, 300_000])) });
  else text = mutant(rng, call(rng, methods));
  let body = rng.chance(0.03) ? badUtf8(rng, text) : Buffer.from(text, 'utf8');
  const headers: Record<string, string> = {};
  const k = rng.chance(0.85) === (port === 'client') ? keys[0]! : keys[1]!;
  const now = Date.now();
  switch (rng.int(0, 10)) {
    case 0:
      break; // no auth
    case 1:
      Object.assign(headers, { 'relayer-api-key': k.key, signature: 'ab'.repeat(32), datetime: String(now) });
      break;
    case 2:
      Object.assign(headers, { 'relayer-api-key': k.key, signature: sign(k.secret, body, now - 120_000), datetime: String(now - 120_000) });
      break;
    case 3:
      Object.assign(headers, {
        'relayer-api-key': rng.pick(['nope', '', k.key.toUpperCase()]),
        signature: sign(k.secret, body, now),
        datetime: rng.pick([String(now), 'soon', '-1', '1e13']),
      });
      break;
    case 4: {
      const sig = sign(k.secret, body, now);
      body = rng.chance(0.5) ? Buffer.concat([body, Buffer.from(' ')]) : body;
      Object.assign(headers, { 'relayer-api-key': k.key, signature: rng.chance(0.5) ? sig : sig.toUpperCase(), datetime: String(now) });
      break;
    }
    default:
      Object.assign(headers, { 'relayer-api-key': k.key, signature: sign(k.secret, body, now), datetime: String(now) });
  }
  if (rng.chance(0.05)) headers['content-type'] = rng.pick(['text/plain', 'application/x-www-form-urlencoded', '']);
  return { path, body, headers, port };
}

/** A clear answer: JSON-RPC shaped, known codes, never INTERNAL or a 5xx other than UNAVAILABLE. */
function judge(r: Reply): string | null {
  if (!OK_STATUS.has(r.status)) return `HTTP ${r.status}: ${clip(r.body, 200)}`;
  if (r.body === '' && (r.status === 204 || r.status === 200)) return null; // notifications only
  if (r.json === null) return r.status === 404 || r.status === 405 ? null : `not JSON (HTTP ${r.status}): ${clip(r.body, 200)}`;
  for (const m of Array.isArray(r.json) ? r.json : [r.json]) {
    const e = (m as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    if (e === undefined) continue;
    if (typeof e.code !== 'number' || !CODES.has(e.code) || typeof e.message !== 'string' || e.message === '') return `unclear error ${JSON.stringify(e)}`;
    if (e.code === RPC.INTERNAL) return `internal error: ${e.message}`;
    if (r.status === 503 && e.code !== RPC.UNAVAILABLE) return `HTTP 503 with code ${e.code}`;
  }
  return null;
}

function countAccepted(json: unknown): number {
  let n = 0;
  for (const m of Array.isArray(json) ? json : [json]) {
    const res = (m as { result?: unknown } | null)?.result;
    if (res !== null && typeof res === 'object') {
      if (Array.isArray(res)) n += res.filter((x) => typeof (x as { request_id?: unknown })?.request_id === 'string').length;
      else if (typeof (res as { request_id?: unknown }).request_id === 'string') n++;
    }
  }
  return n;
}

/** Calls sent without an id get no answer, yet may be appended: the upper bound's slack. */
function notifications(body: Buffer): number {
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    const calls = Array.isArray(v) ? v : [v];
    let n = 0;
    for (const c of calls)
      if (c !== null && typeof c === 'object' && !('id' in c)) {
        const p = (c as { params?: unknown }).params;
        n += Array.isArray(p) ? p.length : 1;
      }
    return n;
  } catch {
    return 0;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

/** Malformed HTTP on a raw socket: the server must answer or close, and stay up. */
async function rawSocket(url: string, rng: Prng, report: HttpFuzzReport, i: number): Promise<void> {
  const { hostname, port } = new URL(url);
  const junk = rng.pick([
    'GARBAGE\r\n\r\n',
    'POST /clientapi HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a":',
    'POST /clientapi HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    `POST /clientapi HTTP/1.1\r\nHost: x\r\n${'X-A: b\r\n'.repeat(2000)}\r\n`,
    'POST /clientapi HTTP/1.1\r\nContent-Length: -1\r\n\r\n',
    '\x00\x01\x02\r\n\r\n',
  ]);
  await withTimeout(
    new Promise<void>((resolve) => {
      const s = connect({ host: hostname, port: Number(port) }, () => {
        s.end(junk);
      });
      s.on('data', () => {});
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      s.setTimeout(3000, () => {
        s.destroy();
        resolve();
      });
    }),
    5000,
  ).catch(() => {
    report.findings.push({ kind: 'hang', target: 'http', index: i, message: 'a malformed request held the socket', input: JSON.stringify(junk).slice(0, 200) });
  });
}
