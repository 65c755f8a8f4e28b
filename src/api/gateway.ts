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
import { DEFAULT_MARKET } from '../engine/market.js';
import { marketPgSchema, marketRedisPrefix } from '../projections/config.js';
import { routeByMarket, type MarketListing } from './markets.js';
import { methodTables, type Tables } from './methods.js';
import { openrpcDocuments } from './openrpc.js';
import { Registrar, type RegisterOptions } from './register.js';
import { Reads } from './reads.js';
import { RPC, RpcError } from './errors.js';
import { RpcServer } from './server.js';
import { Appender } from './submitter.js';

export interface GatewayOptions {
  /** BTC-USD's input log (or the one market's, when `markets` is absent). */
  backend: Backend;
  /**
   * Every market this gateway routes, by id, each with its own input log (D180); absent = BTC-USD
   * over `backend` only. Each market reads its own read models (marketRedisPrefix/marketPgSchema).
   */
  markets?: ReadonlyMap<string, Backend>;
  /** The registry for GetMarkets (id, tick size, creation time); absent = the served markets, tick 1. */
  registry?: () => Promise<readonly RegistryEntry[]>;
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

export interface RegistryEntry {
  id: string;
  tick_size: number;
  created_at?: string | null;
}

export const DEFAULT_GATEWAY = {
  maxBodyBytes: 256 * 1024,
  maxBatch: 100,
  callTimeoutMs: 15_000,
  waitTimeoutMs: 10_000,
  publicRate: 200,
  trustProxy: false,
  auth: DEFAULT_AUTH,
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
  r.on('error', () => {
    /* reported by /readyz and by the failing request */
  });
  return r;
}

export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const log = o.log;
  const redis = gatewayRedis(o.redisUrl, 'relayer-api');
  const backends: ReadonlyMap<string, Backend> = o.markets ?? new Map([[DEFAULT_MARKET, o.backend]]);
  // one pool per market's schema: search_path names the schema, so every query stays as it was
  const pools = o.pgUrl === null ? null : new Map([...backends.keys()].map((m) => [m, pgPool(o.pgUrl!, marketPgSchema(o.pgSchema, m))]));
  const metrics = new ApiMetrics();
  const keys = new KeyStore(redis, o.authPrefix, o.master);
  const auth = new Authenticator(redis, keys, o.authPrefix, o.auth);
  auth.onReject = (reason) => metrics.authRejected.inc({ reason });
  const workers: AppendWorker[] = [];
  const perMarket = new Map<string, Tables>();
  const reads = new Map<string, Reads>();
  const markets = async (): Promise<MarketListing[]> => {
    const entries = o.registry === undefined ? [...backends.keys()].map((id) => ({ id, tick_size: 1, created_at: null })) : await o.registry();
    return Promise.all(
      entries.map(async (e) => {
        const r = reads.get(e.id);
        const risk = r === undefined ? null : await r.risk().catch(() => null);
        return { id: e.id, tick_size: e.tick_size, created_at: e.created_at ?? null, served: r !== undefined, status: risk?.status ?? null };
      }),
    );
  };
  try {
    for (const [market, backend] of backends) {
      // embedded: fsync off the main thread (append-worker.ts); Kafka's append is asynchronous already
      const worker = backend instanceof SqliteStore ? await AppendWorker.start(backend.dir) : null;
      if (worker !== null) workers.push(worker);
      const appender = new Appender(worker ?? backend);
      appender.onBatch = (n, ms) => {
        metrics.appended.inc(n);
        metrics.appendBatch.observe(n);
        metrics.appendSeconds.observe(ms / 1000);
      };
      const r = new Reads(redis, marketRedisPrefix(o.redisPrefix, market), pools?.get(market) ?? null);
      reads.set(market, r);
      perMarket.set(market, methodTables({ appender, backend, reads: r, waitTimeoutMs: o.waitTimeoutMs, market, markets }));
    }
  } catch (e) {
    await Promise.all(workers.map((w) => w.close()));
    redis.disconnect();
    await endPools(pools);
    throw e;
  }
  const tables = routeByMarket(perMarket);
  let readyAt = 0;
  let readyCache: Record<string, boolean | string> = {};
  const ready = async (): Promise<Record<string, boolean | string>> => {
    if (Date.now() - readyAt < 1000) return readyCache;
    const checks: Record<string, boolean | string> = { redis: redis.status === 'ready' };
    // BTC-USD alone keeps today's check names; another market's carry its id
    for (const [market, backend] of backends) {
      const name = (what: string) => (backends.size === 1 && market === DEFAULT_MARKET ? what : `${what}:${market}`);
      try {
        await backend.lastCommitted();
        checks[name('input_log')] = true;
      } catch (e) {
        checks[name('input_log')] = (e as Error).message;
      }
      if (pools !== null) checks[name('postgres')] = await reads.get(market)!.ping();
    }
    readyAt = Date.now();
    readyCache = checks;
    return checks;
  };
  const common = {
    maxBodyBytes: o.maxBodyBytes,
    maxBatch: o.maxBatch,
    callTimeoutMs: o.callTimeoutMs,
    publicRate: o.publicRate,
    trustProxy: o.trustProxy,
    auth,
    metrics,
    log,
    ready,
  };
  const docs = openrpcDocuments();
  const registrar = o.register === undefined || o.register === null ? null : new Registrar(redis, keys, o.authPrefix, o.register);
  const register = async (_req: unknown, body: Buffer) => {
    if (registrar === null)
      return {
        status: 404,
        body: { error: { code: RPC.METHOD_NOT_FOUND, message: 'self-service registration is off on this gateway (relayer api --register enables it)' } },
      };
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return { status: 400, body: { error: { code: RPC.PARSE_ERROR, message: 'Parse error: the body is not valid JSON' } } };
    }
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
    ...common,
    name: 'client',
    routes: tables.client,
    openrpc: docs.client,
    plain: { '/register': register },
    elsewhere: new Set([...tables.adminNames].filter((n) => !tables.clientNames.has(n))),
    elsewhereHint: 'admin methods are served on the admin port only',
  });
  const admin =
    o.adminListen === null
      ? null
      : new RpcServer({
          ...common,
          name: 'admin',
          routes: tables.admin,
          publicRate: 0,
          openrpc: docs.admin,
          elsewhere: new Set([...tables.clientNames].filter((n) => !tables.adminNames.has(n))),
          elsewhereHint: 'client methods are served on the client port',
        });
  let clientUrl: string;
  let adminUrl: string | null = null;
  try {
    clientUrl = `http://${await client.listen(o.listen.host, o.listen.port)}`;
    if (admin !== null) adminUrl = `http://${await admin.listen(o.adminListen!.host, o.adminListen!.port)}`;
  } catch (e) {
    await client.close(0).catch(() => {});
    await Promise.all(workers.map((w) => w.close()));
    redis.disconnect();
    await endPools(pools);
    throw e;
  }
  return {
    clientUrl,
    adminUrl,
    metrics,
    auth,
    keys,
    redis,
    async close() {
      await Promise.all([client.close(), admin?.close()]);
      await Promise.all(workers.map((w) => w.close()));
      redis.disconnect();
      await endPools(pools);
    },
  };
}

function pgPool(url: string, schema: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: 8,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 3000,
    options: `-c search_path=${pgIdent(schema)}`,
    application_name: 'relayer-api',
    statement_timeout: 5000,
  } as pg.PoolConfig);
  pool.on('error', () => {
    /* an idle client died; the next query gets a new one */
  });
  return pool;
}

async function endPools(pools: ReadonlyMap<string, pg.Pool> | null): Promise<void> {
  await Promise.all([...(pools?.values() ?? [])].map((p) => p.end().catch(() => {})));
}

function pgIdent(s: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) throw new Error(`bad PostgreSQL schema name ${JSON.stringify(s)}`);
  return s;
}
