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
import { openBackend, type BackendOptions } from './backend.js';

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
}

function num(v: string | undefined, name: string, dflt: number, min = 0): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || !Number.isInteger(n)) throw usage(`--${name} must be an integer >= ${min}`);
  return n;
}

function listenOf(spec: string, flag: string): { host: string; port: number } {
  try { return parseListen(spec); } catch (e) { throw usage(`--${flag}: ${(e as Error).message}`); }
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
  try { master = loadMasterKey(opts.masterKeyFile); } catch (e) {
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
  const backend = await openBackend(opts, { mustExist: true, log });
  const gw = await startGateway({
    backend,
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
    register: opts.register === true ? {
      windowMs: num(opts.window, 'window', 30, 1) * 1000,
      rate: opts.registerRateLimit === undefined ? null : num(opts.registerRateLimit, 'register-rate-limit', 0),
    } : null,
    log,
  }).catch(async (e: Error) => {
    await backend.close();
    throw new CliError(`cannot start the gateway: ${e.message}`);
  });
  log.info({ client: gw.clientUrl, admin: gw.adminUrl, backend: backend.name }, 'relayer api listening');
  const who = cluster.isWorker ? ` (worker ${cluster.worker!.id} of ${workers})` : '';
  process.stderr.write(`relayer api${who}: client API on ${gw.clientUrl} (/clientapi, /api, /api/private${opts.register === true ? ', /register' : ''}; GET /openrpc.json), admin API on ${gw.adminUrl ?? 'off'}\n`);
  announceListening();
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => { log.info({ signal: sig }, 'stopping: finishing requests in flight'); resolve(); };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await gw.close();
  await backend.close();
  log.info('stopped');
  // a cluster worker's IPC channel keeps the process alive: close it so the worker exits 0
  if (cluster.isWorker) process.disconnect?.();
}
