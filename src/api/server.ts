// JSON-RPC 2.0 over HTTP POST on node:http: body limit, batches, authentication per request (the
// whole body is signed), per-call timeouts, /healthz /readyz /metrics. Nothing a client sends can
// throw out of a handler: every failure becomes a JSON-RPC error, and socket errors are swallowed.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../infra/logger.js';
import type { Authenticator, Principal } from './auth.js';
import { HTTP_OF, RPC, RpcError, requestError, type RpcErrorObject } from './errors.js';
import type { ApiMetrics } from './metrics.js';
import type { Role } from './keys.js';

export interface CallCtx {
  principal: Principal | null;
  /** Client address (X-Real-IP behind a trusted proxy). */
  ip: string;
}

export interface MethodDef {
  auth: 'none' | Role;
  handler: (params: unknown, ctx: CallCtx) => unknown;
}

export type MethodTable = Readonly<Record<string, MethodDef>>;

export interface ServerOptions {
  /** Which port this is, for metrics and messages: "client" or "admin". */
  name: 'client' | 'admin';
  /** POST paths → their methods. */
  routes: Readonly<Record<string, MethodTable>>;
  /** Methods served elsewhere (the other port): answered with METHOD_NOT_FOUND and a hint. */
  elsewhere: ReadonlySet<string>;
  elsewhereHint: string;
  maxBodyBytes: number;
  maxBatch: number;
  callTimeoutMs: number;
  /** Requests per second per client address on methods without auth; 0 = unlimited. */
  publicRate: number;
  trustProxy: boolean;
  auth: Authenticator | null;
  metrics: ApiMetrics;
  log: Logger;
  ready: () => Promise<Record<string, boolean | string>>;
  /** The OpenRPC document of this port's methods (GET /openrpc.json). */
  openrpc?: unknown;
  /** Extra POST paths with their own (non JSON-RPC) handling: /register. */
  plain?: Readonly<Record<string, (req: IncomingMessage, body: Buffer, ip: string) => Promise<{ status: number; body: unknown }>>>;
}

interface Deadline {
  at: number;
  fail: (() => void) | null;
}

interface Call {
  id: string | number | null;
  notify: boolean;
  method: string;
  params: unknown;
  def: MethodDef | null;
  error: RpcError | null;
}

const JSON_TYPE = { 'content-type': 'application/json' };

export class RpcServer {
  readonly server: Server;
  private readonly buckets = new Map<string, { second: number; n: number }>();
  // metric children bound to their labels once (prom-client hashes label objects on every call)
  private readonly inflight: { inc(): void; dec(): void };
  private readonly latency: { observe(v: number): void };
  private readonly statusCounters = new Map<number, { inc(): void }>();
  private readonly callCounters = new Map<string, { inc(): void }>();
  private readonly deadlines = new Set<Deadline>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly o: ServerOptions) {
    this.inflight = o.metrics.inflight.labels(o.name);
    this.latency = o.metrics.latency.labels(o.name);
    this.server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 10_000, requestTimeout: 30_000, maxHeaderSize: 16 * 1024 }, (req, res) => {
      this.handle(req, res).catch((e: Error) => {
        o.log.error({ err: e.message, stack: e.stack }, 'request handler failed');
        if (!res.headersSent) send(res, 500, { jsonrpc: '2.0', id: null, error: { code: RPC.INTERNAL, message: 'internal error' } });
        else res.destroy();
      });
    });
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
    });
  }

  async listen(host: string, port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const a = this.server.address() as AddressInfo;
    return `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops accepting, lets requests in flight finish (up to `graceMs`), then drops what is left. */
  close(graceMs = 5000): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => this.server.closeAllConnections(), graceMs);
      t.unref();
      this.server.close(() => {
        clearTimeout(t);
        resolve();
      });
      this.server.closeIdleConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    this.inflight.inc();
    res.on('close', () => {
      this.inflight.dec();
      this.countStatus(res.statusCode);
      this.latency.observe((performance.now() - t0) / 1000);
    });
    res.on('error', () => {
      /* the client went away */
    });
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' || req.method === 'HEAD') return this.get(path, res);
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST, GET');
      return send(res, 405, rpcErr(null, requestError(RPC.INVALID_REQUEST, 'use POST with a JSON-RPC 2.0 body')));
    }
    const plain = this.o.plain?.[path];
    if (plain !== undefined) return this.plainPost(req, res, plain);
    const table = this.o.routes[path];
    if (table === undefined)
      return send(res, 404, rpcErr(null, requestError(RPC.METHOD_NOT_FOUND, `no JSON-RPC endpoint at ${path} (try ${Object.keys(this.o.routes).join(', ')})`)));
    const ip = this.clientIp(req);
    const body = await this.readOrRefuse(req, res, (e) => rpcErr(null, e));
    if (body === null) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return send(res, 400, rpcErr(null, requestError(RPC.PARSE_ERROR, 'Parse error: the body is not valid JSON')));
    }
    const batch = Array.isArray(parsed);
    const items = batch ? (parsed as unknown[]) : [parsed];
    if (batch && items.length === 0) return send(res, 400, rpcErr(null, requestError(RPC.INVALID_REQUEST, 'Invalid Request: empty batch')));
    if (items.length > this.o.maxBatch)
      return send(res, 400, rpcErr(null, requestError(RPC.INVALID_REQUEST, `Invalid Request: a batch holds at most ${this.o.maxBatch} calls`)));
    const calls = items.map((it) => this.toCall(it, table));
    // one authentication for the whole body: the strongest role any call needs
    let need: 'none' | Role = 'none';
    for (const c of calls) {
      const a = c.def?.auth;
      if (a === 'admin') need = 'admin';
      else if (a === 'client' && need === 'none') need = 'client';
    }
    let principal: Principal | null = null;
    try {
      if (need !== 'none') {
        if (this.o.auth === null) throw requestError(RPC.UNAVAILABLE, 'authentication is not configured on this gateway');
        principal = await this.o.auth.authenticate(req.headers, body, need);
      } else if (!this.allowPublic(ip)) {
        throw this.rateLimited();
      }
    } catch (e) {
      const err = e instanceof RpcError ? e : requestError(RPC.INTERNAL, 'internal error');
      if (!(e instanceof RpcError)) this.o.log.error({ err: (e as Error).message }, 'authentication failed unexpectedly');
      for (const c of calls) this.countCall(c.def === null ? 'unknown' : c.method, String(err.code));
      // the error names the request it answers: each call's id (a batch gets one error per call)
      if (!batch) return send(res, err.httpStatus, rpcErr(calls[0]!.id, err));
      const answers = calls.filter((c) => !c.notify).map((c) => rpcErr(c.id, err));
      return send(res, err.httpStatus, answers.length === 0 ? [rpcErr(null, err)] : answers);
    }
    const ctx: CallCtx = { principal, ip };
    const out = calls.length === 1 ? [await this.run(calls[0]!, ctx)] : await Promise.all(calls.map((c) => this.run(c, ctx)));
    const responses = out.filter((r, i) => r !== null && !calls[i]!.notify);
    if (responses.length === 0) {
      res.writeHead(204).end();
      return;
    }
    // a single call that failed at the request level (FORBIDDEN for another account) keeps its HTTP status
    let status = 200;
    if (!batch) {
      const e = (responses[0] as { error?: RpcErrorObject }).error;
      if (e !== undefined) status = HTTP_OF[e.code as keyof typeof HTTP_OF] ?? (e.code === RPC.INVALID_REQUEST ? 400 : 200);
    }
    send(res, status, batch ? responses : responses[0]);
  }

  private async plainPost(req: IncomingMessage, res: ServerResponse, handler: NonNullable<ServerOptions['plain']>[string]): Promise<void> {
    const body = await this.readOrRefuse(req, res, (e) => ({ error: e.toObject() }));
    if (body === null) return;
    // unsigned by nature (it issues keys), so the per-address limit of public methods applies
    const ip = this.clientIp(req);
    if (!this.allowPublic(ip)) {
      send(res, 429, { error: this.rateLimited().toObject() });
      return;
    }
    const r = await handler(req, body, ip);
    send(res, r.status, r.body);
  }

  /** The body, or null once its refusal (over the size limit; `answer` gives the JSON) is sent or the connection broke. */
  private async readOrRefuse(req: IncomingMessage, res: ServerResponse, answer: (e: RpcError) => unknown): Promise<Buffer | null> {
    try {
      return await readBody(req, this.o.maxBodyBytes);
    } catch (e) {
      if (e instanceof RpcError) {
        res.setHeader('connection', 'close');
        send(res, e.httpStatus, answer(e));
      }
      return null; // refused, or the connection broke while reading
    }
  }

  private toCall(it: unknown, table: MethodTable): Call {
    const bad = (msg: string, id: Call['id'] = null): Call => ({
      id,
      notify: false,
      method: '',
      params: undefined,
      def: null,
      error: new RpcError(RPC.INVALID_REQUEST, `Invalid Request: ${msg}`),
    });
    if (typeof it !== 'object' || it === null || Array.isArray(it)) return bad('each call must be an object {jsonrpc, method, params, id}');
    const o = it as Record<string, unknown>;
    const rawId = o['id'];
    const notify = !('id' in o);
    const id = typeof rawId === 'string' || typeof rawId === 'number' || rawId === null ? rawId : null;
    if (!notify && id === null && rawId !== null) return bad('id must be a string, a number or null');
    if (o['jsonrpc'] !== '2.0') return bad('jsonrpc must be "2.0"', id);
    const method = o['method'];
    if (typeof method !== 'string' || method.length === 0) return bad('method must be a non-empty string', id);
    const def = Object.hasOwn(table, method) ? table[method]! : null;
    if (def === null) {
      const msg = this.o.elsewhere.has(method) ? `Method not found: ${method} is not served here (${this.o.elsewhereHint})` : `Method not found: ${method}`;
      return { id, notify, method, params: o['params'], def: null, error: new RpcError(RPC.METHOD_NOT_FOUND, msg) };
    }
    return { id, notify, method, params: o['params'], def, error: null };
  }

  private async run(c: Call, ctx: CallCtx): Promise<Record<string, unknown> | null> {
    const label = c.def === null ? 'unknown' : c.method;
    if (c.error !== null) {
      this.countCall(label, String(c.error.code));
      return rpcErr(c.id, c.error);
    }
    const deadline: Deadline = { at: Date.now() + this.o.callTimeoutMs, fail: null };
    try {
      const result = await new Promise<unknown>((resolve, reject) => {
        deadline.fail = () => reject(requestError(RPC.TIMEOUT, `${c.method} took longer than ${this.o.callTimeoutMs} ms`));
        this.deadlines.add(deadline);
        this.sweep();
        try {
          Promise.resolve(c.def!.handler(c.params, ctx)).then(resolve, reject);
        } catch (e) {
          reject(e);
        }
      });
      this.countCall(label, 'ok');
      return { jsonrpc: '2.0', id: c.id, result: result === undefined ? null : result };
    } catch (e) {
      let err: RpcError;
      if (e instanceof RpcError) err = e;
      else {
        this.o.log.error({ method: c.method, err: (e as Error).message, stack: (e as Error).stack }, 'method failed');
        err = new RpcError(RPC.INTERNAL, 'Internal error');
      }
      this.countCall(label, String(err.code));
      return rpcErr(c.id, err);
    } finally {
      this.deadlines.delete(deadline);
    }
  }

  /** One timer checks every call's deadline every 50 ms while calls are running (not one timer per call). */
  private sweep(): void {
    if (this.sweeper !== null) return;
    this.sweeper = setInterval(() => {
      if (this.deadlines.size === 0) {
        clearInterval(this.sweeper!);
        this.sweeper = null;
        return;
      }
      const now = Date.now();
      for (const d of this.deadlines)
        if (d.at <= now) {
          this.deadlines.delete(d);
          d.fail?.();
        }
    }, 50);
    this.sweeper.unref();
  }

  private countStatus(status: number): void {
    let c = this.statusCounters.get(status);
    if (c === undefined) {
      c = this.o.metrics.requests.labels(this.o.name, String(status));
      this.statusCounters.set(status, c);
    }
    c.inc();
  }

  /** Method names come from a fixed table ('unknown' otherwise), so the label set stays bounded. */
  private countCall(method: string, outcome: string): void {
    const k = `${method} ${outcome}`;
    let c = this.callCounters.get(k);
    if (c === undefined) {
      c = this.o.metrics.calls.labels(this.o.name, method, outcome);
      this.callCounters.set(k, c);
    }
    c.inc();
  }

  private async get(path: string, res: ServerResponse): Promise<void> {
    if (path === '/healthz') return send(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      let checks: Record<string, boolean | string>;
      try {
        checks = await this.o.ready();
      } catch (e) {
        checks = { error: (e as Error).message };
      }
      const ok = Object.values(checks).every((v) => v === true);
      return send(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', checks });
    }
    if (path === '/openrpc.json' && this.o.openrpc !== undefined) return send(res, 200, this.o.openrpc);
    if (path === '/metrics') {
      const text = await this.o.metrics.text();
      res.writeHead(200, { 'content-type': this.o.metrics.registry.contentType }).end(text);
      return;
    }
    send(res, 404, { error: `not found; POST JSON-RPC to ${Object.keys(this.o.routes).join(', ')}, or GET /healthz /readyz /metrics /openrpc.json` });
  }

  private clientIp(req: IncomingMessage): string {
    if (this.o.trustProxy) {
      const real = req.headers['x-real-ip'];
      if (typeof real === 'string' && real.length > 0) return real;
    }
    return req.socket.remoteAddress ?? 'unknown';
  }

  /** The refusal of a call over the per-address limit of public methods. */
  private rateLimited(): RpcError {
    return requestError(RPC.RATE_LIMITED, `rate limit of ${this.o.publicRate} requests per second exceeded for this address`);
  }

  /** A fixed one-second window per address, in memory (per gateway process). */
  private allowPublic(ip: string): boolean {
    const limit = this.o.publicRate;
    if (limit <= 0) return true;
    const second = Math.floor(Date.now() / 1000);
    let b = this.buckets.get(ip);
    if (b === undefined || b.second !== second) {
      if (this.buckets.size > 50_000) this.buckets.clear();
      b = { second, n: 0 };
      this.buckets.set(ip, b);
    }
    return ++b.n <= limit;
  }
}

function rpcErr(id: Call['id'], e: RpcError): Record<string, unknown> {
  return { jsonrpc: '2.0', id, error: e.toObject() };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...JSON_TYPE, 'content-length': Buffer.byteLength(text) }).end(text);
}

/** The request body, refusing more than `max` bytes (by content-length up front, or while reading). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    req.resume();
    return Promise.reject(requestError(RPC.TOO_LARGE, `request body of ${declared} bytes exceeds the limit of ${max} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > max) {
        done = true;
        req.resume();
        reject(requestError(RPC.TOO_LARGE, `request body exceeds the limit of ${max} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) {
        done = true;
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      }
    });
    req.on('error', (e) => {
      if (!done) {
        done = true;
        reject(e);
      }
    });
    req.on('aborted', () => {
      if (!done) {
        done = true;
        reject(new Error('aborted'));
      }
    });
  });
}
