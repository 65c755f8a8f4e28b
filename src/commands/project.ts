// `relayer project`: runs the read-model projections (DESIGN §6): the committed event log of the
// embedded or Kafka backend into PostgreSQL (history, analytics) and/or Redis (fast reads, live
// updates). Each read model keeps its own checkpoint and runs its own loop; one that is down is
// retried with backoff and catches up when it returns. The engine never waits for either.
import { CliError, usage } from '../errors.js';
import { marketPgSchema, marketRedisPrefix, pgSchema, pgUrl, redisPrefix, redisUrl, type ReadModelFlags } from '../projections/config.js';
import { DEFAULT_MARKET } from '../engine/market.js';
import { openRegistry, requireMarket } from '../markets/registry.js';
import { marketOf, marketsOf } from './market.js';
import { PgReadModel } from '../projections/postgres/model.js';
import { RedisReadModel } from '../projections/redis/model.js';
import { DEFAULT_RUNNER, describe, Projector, StoppedError, type ReadModel, type RunnerOptions } from '../projections/runner.js';
import { createLogger } from '../infra/logger.js';
import { serveProjectMetrics } from '../api/process-metrics.js';
import { progressBar } from '../runtime/progress.js';
import type { Backend } from '../store/types.js';
import * as backends from './backend.js';
import { printJson, printRecord } from './print.js';

export interface ProjectOptions extends backends.BackendOptions, ReadModelFlags {
  source?: string;
  rebuild?: boolean;
  once?: boolean;
  batchSize?: string;
  pollMs?: string;
  tradesKeep?: string;
  closedTtl?: string;
  logLevel?: string;
  json?: boolean;
  metricsPort?: string;
  market?: string;
  markets?: string;
}

function env(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

function int(v: string | undefined, dflt: number, name: string, min: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw usage(`${name} must be an integer ≥ ${min}`);
  return n;
}

/** The event log to read: --source, else Kafka when brokers are configured, else embedded. */
async function openSource(opts: ProjectOptions): Promise<Backend> {
  const source = opts.source ?? (backends.usesKafka(opts) ? 'kafka' : 'embedded');
  if (source === 'embedded') return backends.openEmbedded(opts);
  if (source !== 'kafka') throw usage(`--source must be embedded or kafka, not ${source}`);
  if (!backends.usesKafka(opts)) throw usage('--source kafka needs --kafka BROKERS (or RELAYER_KAFKA_BROKERS)');
  return backends.openBackend(opts);
}

export async function project(opts: ProjectOptions): Promise<void> {
  const pg = pgUrl(opts);
  const redis = redisUrl(opts);
  if (pg === undefined && redis === undefined) {
    throw usage('nothing to project into: give --postgres URL and/or --redis URL (or RELAYER_PG_URL / RELAYER_REDIS_URL)');
  }
  const log = createLogger(opts.logLevel ?? env('RELAYER_LOG_LEVEL') ?? 'info', 'relayer-project');
  const runner: RunnerOptions = {
    ...DEFAULT_RUNNER,
    batchSize: int(opts.batchSize, DEFAULT_RUNNER.batchSize, '--batch-size', 1),
    pollMs: int(opts.pollMs, DEFAULT_RUNNER.pollMs, '--poll-ms', 1),
    once: opts.once === true,
    log,
  };
  const tradesKeep = int(opts.tradesKeep, 1000, '--trades-keep', 1);
  const closedTtl = int(opts.closedTtl, 7 * 24 * 3600, '--closed-ttl', 0);
  const markets = await marketsToProject(opts);
  // each market is today's projection into its own schema and prefix (D182, D181), with its own
  // checkpoint committed in the same transaction as its rows
  const models: ReadModel<unknown>[] = [];
  const backendsOpen: Backend[] = [];
  const projectors: Projector<unknown>[] = [];
  const names = new Map<Projector<unknown>, string>();
  try {
    for (const market of markets) {
      const schema = marketPgSchema(pgSchema(opts), market);
      const prefix = marketRedisPrefix(redisPrefix(opts), market);
      const mine: ReadModel<unknown>[] = [];
      if (pg !== undefined) {
        if (schema === '' || schema.length > 63) throw usage(`the PostgreSQL schema ${schema} must be 1 to 63 characters (--pg-schema)`);
        mine.push(new PgReadModel({ url: pg, schema, market, insertMax: 300, applicationName: `relayer-project:${schema}` }) as ReadModel<unknown>);
      }
      if (redis !== undefined) {
        mine.push(
          new RedisReadModel({
            url: redis,
            prefix,
            clientName: `relayer-project:${prefix.replace(/[^\x21-\x7e]/g, '_')}`,
            tradesKeep,
            closedTtl,
          }) as ReadModel<unknown>,
        );
      }
      models.push(...mine);
      const backend = await openSource({ ...opts, market });
      backendsOpen.push(backend);
      for (const m of mine) {
        const p = new Projector(m, backend, { ...runner, market });
        projectors.push(p);
        // BTC-USD alone keeps today's summary keys (postgres, redis)
        names.set(p, markets.length === 1 && market === DEFAULT_MARKET ? m.name : `${m.name}:${market}`);
      }
    }
  } catch (e) {
    await Promise.all(models.map((m) => m.close().catch(() => {})));
    await Promise.all(backendsOpen.map((b) => b.close().catch(() => {})));
    throw e;
  }
  const stop = (): void => {
    for (const p of projectors) p.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const bar = progressBar(opts.rebuild ? 'rebuild' : 'catch-up');
  const started = performance.now();
  try {
    if (opts.rebuild) {
      for (const p of projectors) {
        log.info({ model: p.model.name, target: p.model.label }, `dropping the ${p.model.name} read model to rebuild it from seq 1`);
        try {
          await p.rebuild();
        } catch (e) {
          if (e instanceof StoppedError) return; // a signal while the database was unreachable
          throw e instanceof Error ? new CliError(describe(e)) : e;
        }
      }
    }
    const showProgress = (): void => {
      const seqs = projectors.map((p) => p.committed?.seq ?? 0);
      const head = Math.max(...projectors.map((p) => p.head));
      if (head > 0) bar.update(Math.min(...seqs), head);
    };
    let caughtUp = false;
    for (const p of projectors) {
      p.onCommit = (c) => {
        if (!caughtUp) {
          showProgress();
          if (c.live && projectors.every((q) => q.committed !== null && q.committed.seq >= q.head)) {
            caughtUp = true;
            bar.stop();
            log.info({ seq: c.checkpoint.seq }, 'read models caught up with the event log');
          }
        }
      };
    }
    // --metrics-port: Prometheus counters of the projectors (events, batches, write latency, lag)
    const metrics =
      opts.metricsPort === undefined
        ? null
        : await serveProjectMetrics(projectors, opts.metricsPort).catch((e: Error) => {
            throw usage(`--metrics-port: ${e.message}`);
          });
    if (metrics !== null) log.info({ url: metrics.url }, 'serving metrics');
    const results = await Promise.allSettled(
      projectors.map(async (p) => {
        try {
          await p.run();
        } catch (e) {
          stop(); // one read model failing for good stops the process; the other resumes on the next start
          throw e;
        }
      }),
    );
    bar.stop();
    await metrics?.close();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) {
      const e = failed.reason as unknown;
      // a checkpoint from another log, a broken hash chain, a schema from a newer binary, a bug
      throw e instanceof Error ? new CliError(describe(e)) : e;
    }
    const secs = (performance.now() - started) / 1000;
    const summary: Record<string, unknown> = {};
    for (const p of projectors) {
      summary[names.get(p)!] = {
        target: p.model.label,
        seq: p.committed?.seq ?? 0,
        head: p.head,
        events: p.events,
        batches: p.batches,
        retries: p.failures,
        events_per_s: secs > 0 ? Math.round(p.events / secs) : 0,
      };
    }
    if (opts.once) {
      if (opts.json) printJson(summary);
      else printRecord(summary);
    }
  } finally {
    bar.stop();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await Promise.all(models.map((m) => m.close().catch(() => {})));
    await Promise.all(backendsOpen.map((b) => b.close()));
  }
}

/**
 * The markets one process projects (D183): --market M (or RELAYER_MARKET) one, --markets A,B
 * several, neither: every market in the registry at start (BTC-USD alone for a data directory
 * or cluster from before markets). Each is checked against the registry before anything opens.
 */
async function marketsToProject(opts: ProjectOptions): Promise<string[]> {
  if (opts.market !== undefined && opts.markets !== undefined) throw usage('give --market or --markets, not both');
  let ids: string[];
  if (opts.markets !== undefined) ids = marketsOf(opts.markets);
  else if (opts.market !== undefined || env('RELAYER_MARKET') !== undefined) ids = [marketOf(opts)];
  else {
    const reg = await openRegistry(opts);
    try {
      ids = (await reg.list()).map((m) => m.id);
    } finally {
      await reg.close();
    }
  }
  for (const id of ids) if (id !== DEFAULT_MARKET) await requireMarket(opts, id);
  return ids;
}
