// `relayer api`: the HTTP JSON-RPC gateway (client port + admin port). SIGTERM/SIGINT stop
// accepting, let requests in flight finish, then exit 0; a fatal start error exits 1.
import cluster from 'node:cluster';
import { DEFAULT_AUTH } from '../api/auth.js';
import { announceListening, runPrimary } from '../api/cluster.js';
import { DEFAULT_GATEWAY, startGateway } from '../api/gateway.js';
import { openrpcDocuments } from '../api/openrpc.js';
import { loadMasterKey, MasterKeyError } from '../api/keys.js';
import { DEFAULT_AUTH_PREFIX } from '../api/reads.js';
import { CliError, usage } from '../errors.js';
import { parseListen } from '../infra/metrics-server.js';
import { pgSchema, pgUrl, redisPrefix, redisUrl } from '../projections/config.js';
import { createLogger } from '../infra/logger.js';
import { openRegistry, requireMarket, type MarketRegistry } from '../markets/registry.js';
import type { RegistryEntry } from '../api/gateway.js';
import type { Backend } from '../store/types.js';
import { openBackend, type BackendOptions } from './backend.js';
import { marketsOf } from './market.js';

export interface ApiOptions extends BackendOptions {
  listen?: string;
  adminListen?: string;
  redis?: string;
  redisPrefix?: string;
  authPrefix?: string;
  postgres?: string;
  pgSchema?: string;
  masterKeyFile?: string;
  maxBody?: string;
  maxBatch?: string;
  timeoutMs?: string;
  waitTimeoutMs?: string;
  rateLimit?: string;
  publicRateLimit?: string;
  trustProxy?: boolean;
  v1?: boolean;
  v1ReplayTtlMs?: string;
  window?: string;
  logLevel?: string;
  workers?: string;
  register?: boolean;
  registerRateLimit?: string;
  openrpc?: string | boolean;
  /** The markets served (D183): a comma list; default every market in the registry at start. */
  markets?: string;
}

function num(v: string | undefined, name: string, dflt: number, min = 0): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || !Number.isInteger(n)) throw usage(`--${name} must be an integer >= ${min}`);
  return n;
}

function listenOf(spec: string, flag: string): { host: string; port: number } {
  try {
    return parseListen(spec);
  } catch (e) {
    throw usage(`--${flag}: ${(e as Error).message}`);
  }
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export async function api(opts: ApiOptions): Promise<void> {
  if (opts.openrpc !== undefined && opts.openrpc !== false) {
    // the documents only: no master key, no backend
    const docs = openrpcDocuments();
    const which = opts.openrpc === true ? 'client' : opts.openrpc;
    if (which !== 'client' && which !== 'admin') throw usage('--openrpc takes client or admin');
    process.stdout.write(`${JSON.stringify(docs[which], null, 2)}\n`);
    return;
  }
  const log = createLogger(opts.logLevel ?? process.env['RELAYER_LOG_LEVEL'] ?? 'info', 'relayer-api');
  const listen = listenOf(opts.listen ?? '127.0.0.1:8088', 'listen');
  const adminSpec = opts.adminListen ?? '127.0.0.1:3031';
  const adminListen = adminSpec === 'off' || adminSpec === 'none' ? null : listenOf(adminSpec, 'admin-listen');
  let master: Buffer;
  try {
    master = loadMasterKey(opts.masterKeyFile);
  } catch (e) {
    if (e instanceof MasterKeyError) throw new CliError(e.message);
    throw new CliError(`cannot read the master key: ${(e as Error).message}`);
  }
  const waitTimeoutMs = num(opts.waitTimeoutMs, 'wait-timeout-ms', DEFAULT_GATEWAY.waitTimeoutMs, 1);
  const callTimeoutMs = num(opts.timeoutMs, 'timeout-ms', Math.max(DEFAULT_GATEWAY.callTimeoutMs, waitTimeoutMs + 1000), 1);
  if (callTimeoutMs <= waitTimeoutMs) throw usage('--timeout-ms must be larger than --wait-timeout-ms');
  const workers = num(opts.workers, 'workers', 1, 1);
  if (workers > 1 && cluster.isPrimary) {
    const code = await runPrimary(workers, log);
    if (code !== 0) throw new CliError('a gateway worker failed while starting (see its log above)');
    log.info('stopped');
    return;
  }
  // the markets are known before anything is opened: a malformed one exits 2, an unknown one 1
  const registry = await openRegistry(opts);
  const served = opts.markets === undefined ? (await registry.list()).map((m) => m.id) : marketsOf(opts.markets);
  const backends = new Map<string, Backend>();
  const closeAll = async () => {
    await Promise.all([...backends.values()].map((b) => b.close().catch(() => {})));
    await registry.close();
  };
  try {
    for (const id of served) {
      await requireMarket(opts, id);
      backends.set(id, await openBackend({ ...opts, market: id }, { mustExist: true, log }));
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  const backend = backends.values().next().value as Backend;
  const gw = await startGateway({
    backend,
    markets: backends,
    registry: cachedRegistry(registry),
    // the read models are found the way relayer project finds them (src/projections/config.ts)
    redisUrl: redisUrl(opts) ?? DEFAULT_REDIS_URL,
    redisPrefix: redisPrefix(opts),
    authPrefix: opts.authPrefix ?? process.env['RELAYER_AUTH_PREFIX'] ?? DEFAULT_AUTH_PREFIX,
    pgUrl: pgUrl(opts) ?? null,
    pgSchema: pgSchema(opts),
    master,
    listen,
    adminListen,
    maxBodyBytes: num(opts.maxBody, 'max-body', DEFAULT_GATEWAY.maxBodyBytes, 64),
    maxBatch: num(opts.maxBatch, 'max-batch', DEFAULT_GATEWAY.maxBatch, 1),
    callTimeoutMs,
    waitTimeoutMs,
    publicRate: num(opts.publicRateLimit, 'public-rate-limit', DEFAULT_GATEWAY.publicRate),
    trustProxy: opts.trustProxy === true,
    auth: {
      ...DEFAULT_AUTH,
      windowMs: num(opts.window, 'window', 30, 1) * 1000,
      v1: opts.v1 !== false,
      v1ReplayTtlMs: num(opts.v1ReplayTtlMs, 'v1-replay-ttl-ms', DEFAULT_AUTH.v1ReplayTtlMs, 1),
      defaultRate: num(opts.rateLimit, 'rate-limit', DEFAULT_AUTH.defaultRate),
    },
    register:
      opts.register === true
        ? {
            windowMs: num(opts.window, 'window', 30, 1) * 1000,
            rate: opts.registerRateLimit === undefined ? null : num(opts.registerRateLimit, 'register-rate-limit', 0),
          }
        : null,
    log,
  }).catch(async (e: Error) => {
    await closeAll();
    throw new CliError(`cannot start the gateway: ${e.message}`);
  });
  log.info({ client: gw.clientUrl, admin: gw.adminUrl, backend: backend.name, markets: served }, 'relayer api listening');
  const who = cluster.isWorker ? ` (worker ${cluster.worker!.id} of ${workers})` : '';
  process.stderr.write(
    `relayer api${who}: client API on ${gw.clientUrl} (/clientapi, /api, /api/private${opts.register === true ? ', /register' : ''}; GET /openrpc.json), admin API on ${gw.adminUrl ?? 'off'}; markets ${served.join(', ')}\n`,
  );
  announceListening();
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      log.info({ signal: sig }, 'stopping: finishing requests in flight');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await gw.close();
  await closeAll();
  log.info('stopped');
  // a cluster worker's IPC channel keeps the process alive: close it so the worker exits 0
  if (cluster.isWorker) process.disconnect?.();
}

/** GetMarkets reads the registry at most once a second: a market created meanwhile shows up, unserved. */
function cachedRegistry(registry: MarketRegistry): () => Promise<readonly RegistryEntry[]> {
  let at = 0;
  let last: Promise<readonly RegistryEntry[]> | null = null;
  return () => {
    if (last === null || Date.now() - at > 1000) {
      at = Date.now();
      last = registry.list().then((list) =>
        list.map((m) => ({
          id: m.id,
          tick_size: m.tick_size,
          created_at: m.created_at === 0 ? null : new Date(m.created_at).toISOString(),
        })),
      );
      last.catch(() => {
        last = null;
      });
    }
    return last;
  };
}
