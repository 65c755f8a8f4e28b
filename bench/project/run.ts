// `relayer bench project`: the read-model projections against the real PostgreSQL and Redis.
//  * project.pg_catchup: events/s of a PostgreSQL catch-up from seq 1 (COPY batches), and in the
//    same run a raw COPY of exactly the rows the projector wrote, batch by batch, into the same
//    tables and indexes (project.pg_raw_copy, ratio = projector / raw);
//  * project.redis_catchup: events/s of a Redis catch-up from seq 1;
//  * project.lag: while an engine stand-in (a worker thread) commits 20 000 events/s into the
//    embedded log, the time from each commit to the commit of the same events in PostgreSQL and
//    in Redis, both projections running in this process as `relayer project` runs them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Redis } from 'ioredis';
import { unlinkMatching } from '../../src/projections/redis/unlink.js';
import { parseStored, type Batch, type Checkpoint } from '../../src/projections/batch.js';
import { apply } from '../../src/projections/mirror.js';
import { emptyState } from '../../src/engine/index.js';
import { copyIn, migrate, pgClient, PgReadModel } from '../../src/projections/postgres/model.js';
import { columnList, copyBinary, ident } from '../../src/projections/postgres/encode.js';
import { PgBuilder, type PgBatch } from '../../src/projections/postgres/rows.js';
import { RedisReadModel } from '../../src/projections/redis/model.js';
import { DEFAULT_RUNNER, Projector, type CommitInfo, type ReadModel } from '../../src/projections/runner.js';
import { silentLogger } from '../../src/infra/logger.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { Latencies } from '../engine/measure.js';
import { Reporter, result } from '../engine/report.js';
import { GENESIS, seededLog } from '../../src/workload/seeded-log.js';
import type { WriterCommit, WriterData } from './writer.js';

export interface ProjectBenchOptions {
  quick: boolean;
  json: boolean;
  postgres?: string;
  redis?: string;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
const BATCH = 5000;
const LAG_RATE = 20_000;

async function reachablePg(candidates: string[]): Promise<string> {
  for (const url of candidates) {
    const c = pgClient(url, 'relayer-bench', 2000);
    try {
      await c.connect();
      return url;
    } catch {
      /* next */
    } finally {
      await c.end().catch(() => {});
    }
  }
  throw new Error(`no PostgreSQL at ${candidates.join(' or ')} (give --postgres URL or RELAYER_PG_URL)`);
}

export async function benchProject(opts: ProjectBenchOptions): Promise<void> {
  const rep = new Reporter(opts.json);
  const given = opts.postgres ?? process.env['RELAYER_PG_URL'];
  const pgUrl = await reachablePg(
    given !== undefined && given !== '' ? [given] : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'],
  );
  const redisUrl = opts.redis ?? (process.env['RELAYER_REDIS_URL'] || 'redis://127.0.0.1:6379');
  const tag = `bench_${process.pid}_${Date.now().toString(36)}`;
  const schemas = [`${tag}_pg`, `${tag}_raw`, `${tag}_lag`];
  const prefixes = [`${tag}:rd:`, `${tag}:lag:`];
  const root = mkdtempSync(join(tmpdir(), 'relayer-bench-project-'));
  const admin = pgClient(pgUrl, 'relayer-bench');
  await admin.connect();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    // one seeded log feeds every measurement: the catch-ups read all of it, the lag run replays it
    const commands = opts.quick ? 26_000 : 100_000;
    rep.note(`project: building a log of ${commands} seeded commands`);
    const { store, lastSeq } = await seededLog(join(root, 'source'), commands, 7, 'bp');
    const catchupEvents = opts.quick ? Math.min(lastSeq, 40_000) : lastSeq;

    // ---- PostgreSQL catch-up, then a raw COPY of the same rows --------------------------------
    rep.note(`project.pg_catchup: ${catchupEvents} events, batches of ${BATCH}`);
    const limited = limitTo(store, catchupEvents);
    const pgModel = new PgReadModel({ url: pgUrl, schema: schemas[0]!, insertMax: 300, applicationName: `relayer-bench:${schemas[0]}` });
    const pgRun = new Projector(pgModel, limited, { ...DEFAULT_RUNNER, batchSize: BATCH, once: true, log: silentLogger() });
    await pgModel.connect();
    // warm-up (not timed): the first 10 000 events, so JIT compilation does not count as catch-up time
    await new Projector(pgModel, limitTo(store, Math.min(10_000, catchupEvents)), {
      ...DEFAULT_RUNNER,
      batchSize: BATCH,
      once: true,
      log: silentLogger(),
    }).run();
    await pgModel.drop();
    const p0 = performance.now();
    await pgRun.run();
    const pgSecs = (performance.now() - p0) / 1000;
    await pgModel.close();
    const pgRate = pgRun.events / pgSecs;

    const batches = await preparedBatches(limited, catchupEvents);
    const rows = batches.reduce((n, b) => n + b.rows!.reduce((m, t) => m + t.rows.length, 0), 0);
    const rawSecs = await rawCopy(pgUrl, schemas[1]!, batches);
    const rawRate = catchupEvents / rawSecs;
    rep.add(
      result(
        'project.pg_catchup',
        {
          events: pgRun.events,
          batches: pgRun.batches,
          seconds: round2(pgSecs),
          events_per_s: Math.round(pgRate),
        },
        { metric: 'events_per_s', op: '>=', value: 50_000 },
      ),
    );
    rep.add(
      result(
        'project.pg_raw_copy',
        {
          events: catchupEvents,
          rows,
          seconds: round2(rawSecs),
          events_per_s: Math.round(rawRate),
          ratio: round2(pgRate / rawRate),
        },
        { metric: 'ratio', op: '>=', value: 0.5 },
      ),
    );

    // ---- Redis catch-up ----------------------------------------------------------------------
    rep.note(`project.redis_catchup: ${catchupEvents} events`);
    const rdModel = new RedisReadModel({ url: redisUrl, prefix: prefixes[0]!, tradesKeep: 1000, closedTtl: 0, clientName: `relayer-bench:${tag}` });
    const rdRun = new Projector(rdModel, limited, { ...DEFAULT_RUNNER, batchSize: BATCH, once: true, log: silentLogger() });
    await rdModel.connect();
    const r0 = performance.now();
    await rdRun.run();
    const rdSecs = (performance.now() - r0) / 1000;
    await rdModel.close();
    rep.add(
      result(
        'project.redis_catchup',
        {
          events: rdRun.events,
          batches: rdRun.batches,
          seconds: round2(rdSecs),
          events_per_s: Math.round(rdRun.events / rdSecs),
        },
        { metric: 'events_per_s', op: '>=', value: 50_000 },
      ),
    );

    // ---- lag under a live load: each read model on its own, as separate processes would run them
    const seconds = opts.quick ? 3 : 10;
    const events = Math.min(lastSeq, LAG_RATE * seconds);
    rep.note(`project.lag: ${events} events at ${LAG_RATE}/s, into postgres, then into redis`);
    const pgLag = await lagRun(
      store,
      join(root, 'live-pg'),
      events,
      new PgReadModel({ url: pgUrl, schema: schemas[2]!, insertMax: 300, applicationName: `relayer-bench:${schemas[2]}` }),
    );
    const rdLag = await lagRun(
      store,
      join(root, 'live-redis'),
      events,
      new RedisReadModel({ url: redisUrl, prefix: prefixes[1]!, tradesKeep: 1000, closedTtl: 0, clientName: 'relayer-bench-lag' }),
    );
    rep.add(
      result(
        'project.lag',
        {
          rate: LAG_RATE,
          events,
          achieved_rate: Math.min(pgLag.achieved, rdLag.achieved),
          pg_p50_ms: pgLag.p50,
          pg_p99_ms: pgLag.p99,
          redis_p50_ms: rdLag.p50,
          redis_p99_ms: rdLag.p99,
          p99_ms: Math.max(pgLag.p99, rdLag.p99),
          max_ms: Math.max(pgLag.max, rdLag.max),
        },
        { metric: 'p99_ms', op: '<=', value: 250 },
      ),
    );
    await store.close();
    rep.finish(`relayer bench project${opts.quick ? ' --quick' : ''}`);
  } finally {
    for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${ident(s)} CASCADE`).catch(() => {});
    await admin.end();
    for (const p of prefixes) await unlinkPrefix(redis, p).catch(() => {});
    redis.disconnect();
    rmSync(root, { recursive: true, force: true });
  }
}

/** The store as a log that ends at `last` (the catch-ups read a fixed number of events). */
function limitTo(store: SqliteStore, last: number): SqliteStore {
  return new Proxy(store, {
    get(target, prop, recv) {
      if (prop === 'readEvents') return async (from: number, max: number) => (from > last ? [] : target.readEvents(from, Math.min(max, last - from + 1)));
      if (prop === 'readLinesSync') return (from: number, max: number) => (from > last ? [] : target.readLinesSync(from, Math.min(max, last - from + 1)));
      if (prop === 'lastCommitted') return async () => ({ ...(await target.lastCommitted()), seq: last });
      const v = Reflect.get(target, prop, recv) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The projector's batches again (same size, same rows), built outside any timing. */
async function preparedBatches(store: SqliteStore, last: number): Promise<PgBatch[]> {
  const state = emptyState();
  const out: PgBatch[] = [];
  let from: Checkpoint = { seq: 0, hash: '0'.repeat(64) };
  while (from.seq < last) {
    const events = parseStored(await store.readEvents(from.seq + 1, Math.min(BATCH, last - from.seq)));
    const b = new PgBuilder({ insertMax: 0, keepRows: true }); // rawCopy encodes the rows itself before timing
    for (const ev of events) {
      apply(state, ev.env);
      b.add(ev, state);
    }
    const e = events[events.length - 1]!;
    const batch: Batch = { count: events.length, from, to: { seq: e.env.seq, hash: e.hash }, lastTs: e.env.ts, live: false };
    out.push(b.finish(batch, state));
    from = batch.to;
  }
  return out;
}

/**
 * Plain COPY of the same rows into a fresh schema with the same tables and indexes, one
 * transaction per batch, same session settings. The current-state tables lose their unique key
 * here (a raw COPY cannot upsert), so rows the projector merges are simply appended.
 */
async function rawCopy(url: string, schema: string, batches: readonly PgBatch[]): Promise<number> {
  const c = pgClient(url, 'relayer-bench-raw');
  await c.connect();
  try {
    await migrate(c, schema);
    await c.query(`SET synchronous_commit TO off`);
    for (const t of ['orders', 'lend_orders', 'candles']) await c.query(`ALTER TABLE ${t} DROP CONSTRAINT ${t}_pkey`);
    const encoded = batches.map((b) => b.rows!.map(({ spec, rows }) => ({ spec, data: copyBinary(rows, spec.types) })));
    const t0 = performance.now();
    for (const b of encoded) {
      await c.query('BEGIN');
      for (const { spec, data } of b) await copyIn(c, `COPY ${spec.name} (${columnList(spec)}) FROM STDIN WITH (FORMAT binary)`, data);
      await c.query('COMMIT');
    }
    return (performance.now() - t0) / 1000;
  } finally {
    await c.end();
  }
}

/** One read model following a live log that a worker thread fills at LAG_RATE events/s. */
async function lagRun(source: SqliteStore, dir: string, events: number, model: ReadModel<unknown>) {
  const live = new SqliteStore(dir, GENESIS);
  const runner = new Projector<unknown>(model, live, { ...DEFAULT_RUNNER, log: silentLogger() });
  const applied: [number, number][] = [];
  runner.onCommit = (c: CommitInfo) => {
    applied.push([c.checkpoint.seq, Date.now()]);
  };
  await model.connect();
  await model.drop();
  const running = runner.run();
  await new Promise((r) => setTimeout(r, 200));
  const written: WriterCommit[] = [];
  let started = 0;
  const worker = new Worker(new URL('./writer.js', import.meta.url), {
    workerData: { source: source.dir, live: dir, fromSeq: 1, events, rate: LAG_RATE, tickMs: 5 } satisfies WriterData,
  });
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (m: WriterCommit | { done: true } | { start: number }) => {
      if ('done' in m) resolve();
      else if ('start' in m) started = m.start;
      else written.push(m);
    });
    worker.on('error', reject);
  });
  const achieved = Math.round(events / ((written[written.length - 1]!.t - started) / 1000));
  const deadline = Date.now() + 30_000;
  while ((runner.committed?.seq ?? 0) < events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  runner.stop();
  await running;
  await model.close();
  await live.close();
  // each writer commit waits until the first projector commit that covers its last seq
  const lags: number[] = [];
  let j = 0;
  for (const w of written) {
    while (j < applied.length && applied[j]![0] < w.seq) j++;
    lags.push(j < applied.length ? applied[j]![1] - w.t : 30_000);
  }
  const [p50, p99] = Latencies.quantiles(Float64Array.from(lags), [0.5, 0.99]).map(Math.round) as [number, number];
  return { achieved, p50, p99, max: Math.max(...lags) };
}

async function unlinkPrefix(r: Redis, prefix: string): Promise<void> {
  await unlinkMatching(r, `${prefix}*`);
}
