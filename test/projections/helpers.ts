// In-process projection runs for the tests: a seeded embedded log, projectors that catch up or
// follow, and more engine work appended while they follow.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { appendCommands, Engine, seededLog } from '../../src/workload/seeded-log.js';
import { workload } from '../../src/workload/commands.js';
import { PgReadModel } from '../../src/projections/postgres/model.js';
import { RedisReadModel } from '../../src/projections/redis/model.js';
import { DEFAULT_RUNNER, Projector, type ReadModel, type RunnerOptions } from '../../src/projections/runner.js';
import { silentLogger } from '../../src/infra/logger.js';
import type { SqliteStore } from '../../src/store/sqlite/store.js';

export async function seeded(t: TestContext, n: number, seed: number): Promise<{ store: SqliteStore; dir: string; lastSeq: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-proj-'));
  const { store, lastSeq } = await seededLog(join(dir, 'data'), n, seed);
  t.after(async () => {
    await store.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, dir, lastSeq };
}

export function pgModel(url: string, schema: string, insertMax = 300): PgReadModel {
  return new PgReadModel({ url, schema, insertMax, applicationName: `relayer-project:${schema}` });
}

export function redisModel(url: string, prefix: string, closedTtl = 0): RedisReadModel {
  return new RedisReadModel({ url, prefix, tradesKeep: 1000, closedTtl, clientName: `relayer-project:${prefix}` });
}

export function projector<P>(model: ReadModel<P>, store: SqliteStore, opts: Partial<RunnerOptions> = {}): Projector<P> {
  return new Projector(model, store, { ...DEFAULT_RUNNER, log: silentLogger(), ...opts });
}

/** Catches a model up to the head of the log and closes it. */
export async function catchUp<P>(model: ReadModel<P>, store: SqliteStore, opts: Partial<RunnerOptions> = {}): Promise<Projector<P>> {
  const p = projector(model, store, { once: true, ...opts });
  try {
    await p.run();
  } finally {
    await model.close();
  }
  return p;
}

/** More engine work: `n` commands appended in chunks, each drained by the engine loop. */
export async function moreWork(store: SqliteStore, n: number, seed: number, chunk = 50, pauseMs = 5): Promise<number> {
  const lines = workload(n, seed, `live${seed}`);
  const engine = await Engine.open(store);
  let seq = engine.seq;
  for (let i = 0; i < lines.length; i += chunk) {
    appendCommands(store, lines.slice(i, i + chunk), 0, 100);
    seq = await engine.drain();
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  return seq;
}

/** Waits until a projector has committed `seq` (or fails after `ms`). */
export async function reached<P>(p: Projector<P>, seq: number, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while ((p.committed?.seq ?? 0) < seq) {
    if (Date.now() > deadline) throw new Error(`projector ${p.model.name} stuck at seq ${p.committed?.seq ?? 0}, expected ${seq}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
