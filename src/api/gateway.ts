// The gateway process: the client port and the admin port over one input log, one Redis (auth
// and hot reads) and an optional PostgreSQL pool (history). `startGateway` is what `relayer api`
// runs and what the tests and the benchmark start in-process.
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Logger } from '../infra/logger.js';
import { SqliteStore } from '../store/sqlite/store.js';
import type { Backend } from '../store/types.js';
import { AppendWorker } from './append-worker.js';
import { Authenticator, DEFAULT_AUTH, type AuthOptions } from './auth.js';
import { KeyStore } from './keys.js';
import { ApiMetrics } from './metrics.js';
import { methodTables } from './methods.js';
import { openrpcDocuments } from './openrpc.js';
import { Registrar, type RegisterOptions } from './register.js';
import { Reads } from './reads.js';
import { RPC, RpcError } from './errors.js';
import { RpcServer } from './server.js';
import { Appender } from './submitter.js';

export interface GatewayOptions {
  backend: Backend;
  redisUrl: string;
  /** Prefix of the read model's keys (relayer project --redis-prefix). */
  redisPrefix: string;
  /** Prefix of API keys, nonces and rate windows; apart from the read model, which --rebuild wipes. */
  authPrefix: string;
  pgUrl: string | null;
  pgSchema: string;
  master: Buffer;
  listen: { host: string; port: number };
  adminListen: { host: string; port: number } | null;
  maxBodyBytes: number;
  maxBatch: number;
  callTimeoutMs: number;
  waitTimeoutMs: number;
  publicRate: number;
  trustProxy: boolean;
  auth: AuthOptions;
  /** POST /register on the client port (SPEC §9); null = off (the default). */
  register?: RegisterOptions | null;
  log: Logger;
}

export const DEFAULT_GATEWAY = {
  maxBodyBytes: 256 * 1024, maxBatch: 100, callTimeoutMs: 15_000, waitTimeoutMs: 10_000, publicRate: 200,
  trustProxy: false, auth: DEFAULT_AUTH,
};

export interface Gateway {
  clientUrl: string;
  adminUrl: string | null;
  metrics: ApiMetrics;
  auth: Authenticator;
  keys: KeyStore;
  redis: Redis;
  close(): Promise<void>;
}

/** ioredis for the gateway: reconnects forever; while disconnected commands fail at once (503). */
function gatewayRedis(url: string, name: string): Redis {
  const r = new Redis(url, {
    connectionName: name,
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (n) => Math.min(2000, 50 * 2 ** Math.min(n, 6)),
  });
  r.on('error', () => { /* reported by /readyz and by the failing request */ });
  return r;
}

export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const log = o.log;
  const redis = gatewayRedis(o.redisUrl, 'relayer-api');
  const pool = o.pgUrl === null ? null : new pg.Pool({
    connectionString: o.pgUrl, max: 8, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 3000,
    options: `-c search_path=${pgIdent(o.pgSchema)}`, application_name: 'relayer-api',
    statement_timeout: 5000,
  } as pg.PoolConfig);
  pool?.on('error', () => { /* an idle client died; the next query gets a new one */ });
  const metrics = new ApiMetrics();
  const keys = new KeyStore(redis, o.authPrefix, o.master);
  const auth = new Authenticator(redis, keys, o.authPrefix, o.auth);
  auth.onReject = (reason) => metrics.authRejected.inc({ reason });
  // embedded: fsync off the main thread (append-worker.ts); Kafka's append is asynchronous already
  const appendWorker = o.backend instanceof SqliteStore ? await AppendWorker.start(o.backend.dir) : null;
  const appender = new Appender(appendWorker ?? o.backend);
  appender.onBatch = (n, ms) => { metrics.appended.inc(n); metrics.appendBatch.observe(n); metrics.appendSeconds.observe(ms / 1000); };
  const reads = new Reads(redis, o.redisPrefix, pool);
  const tables = methodTables({ appender, backend: o.backend, reads, waitTimeoutMs: o.waitTimeoutMs });
  let readyAt = 0;
  let readyCache: Record<string, boolean | string> = {};
  const ready = async (): Promise<Record<string, boolean | string>> => {
    if (Date.now() - readyAt < 1000) return readyCache;
    const checks: Record<string, boolean | string> = { redis: redis.status === 'ready' };
    try { await o.backend.lastCommitted(); checks['input_log'] = true; } catch (e) { checks['input_log'] = (e as Error).message; }
    if (pool !== null) checks['postgres'] = await reads.ping();
    readyAt = Date.now();
    readyCache = checks;
    return checks;
  };
  const common = {
    maxBodyBytes: o.maxBodyBytes, maxBatch: o.maxBatch, callTimeoutMs: o.callTimeoutMs, publicRate: o.publicRate,
    trustProxy: o.trustProxy, auth, metrics, log, ready,
  };
  const docs = openrpcDocuments();
  const registrar = o.register === undefined || o.register === null ? null : new Registrar(redis, keys, o.authPrefix, o.register);
  const register = async (_req: unknown, body: Buffer) => {
    if (registrar === null) return { status: 404, body: { error: { code: RPC.METHOD_NOT_FOUND, message: 'self-service registration is off on this gateway (relayer api --register enables it)' } } };
    let parsed: unknown;
    try { parsed = JSON.parse(body.toString('utf8')); } catch { return { status: 400, body: { error: { code: RPC.PARSE_ERROR, message: 'Parse error: the body is not valid JSON' } } }; }
    try {
      const issued = await registrar.register(parsed);
      log.info({ account: issued.account_id, key: issued.api_key }, 'registered a client key');
      return { status: 200, body: issued };
    } catch (e) {
      if (e instanceof RpcError) return { status: e.httpStatus === 200 ? 400 : e.httpStatus, body: { error: e.toObject() } };
      throw e;
    }
  };
  const client = new RpcServer({
    ...common, name: 'client', routes: tables.client, openrpc: docs.client, plain: { '/register': register },
    elsewhere: new Set([...tables.adminNames].filter((n) => !tables.clientNames.has(n))), elsewhereHint: 'admin methods are served on the admin port only',
  });
  const admin = o.adminListen === null ? null : new RpcServer({
    ...common, name: 'admin', routes: tables.admin, publicRate: 0, openrpc: docs.admin,
    elsewhere: new Set([...tables.clientNames].filter((n) => !tables.adminNames.has(n))), elsewhereHint: 'client methods are served on the client port',
  });
  let clientUrl: string;
  let adminUrl: string | null = null;
  try {
    clientUrl = `http://${await client.listen(o.listen.host, o.listen.port)}`;
    if (admin !== null) adminUrl = `http://${await admin.listen(o.adminListen!.host, o.adminListen!.port)}`;
  } catch (e) {
    await client.close(0).catch(() => {});
    await appendWorker?.close();
    redis.disconnect();
    await pool?.end().catch(() => {});
    throw e;
  }
  return {
    clientUrl, adminUrl, metrics, auth, keys, redis,
    async close() {
      await Promise.all([client.close(), admin?.close()]);
      await appendWorker?.close();
      redis.disconnect();
      await pool?.end().catch(() => {});
    },
  };
}

function pgIdent(s: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) throw new Error(`bad PostgreSQL schema name ${JSON.stringify(s)}`);
  return s;
}
