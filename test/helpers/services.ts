// The real PostgreSQL and Redis the projection, gateway, book and end-to-end tests need, probed
// once per process. Locally a missing service skips the test with a loud message; under CI=true
// it fails the test (CI provides both services). And the teardown of what a test left in them.
import type { TestContext } from 'node:test';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { unlinkMatching } from '../../src/projections/redis/unlink.js';
import pg from 'pg';

const PG_CANDIDATES = [process.env['RELAYER_TEST_PG_URL'], 'postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'].filter(
  (u): u is string => u !== undefined && u !== '',
);

export const REDIS_URL = process.env['RELAYER_TEST_REDIS_URL'] || 'redis://127.0.0.1:6379';

let pgProbe: Promise<string | null> | null = null;
let redisProbe: Promise<boolean> | null = null;

async function probePg(): Promise<string | null> {
  for (const url of PG_CANDIDATES) {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.query('SELECT 1');
      return url;
    } catch {
      // next candidate
    } finally {
      await c.end().catch(() => {});
    }
  }
  return null;
}

async function probeRedis(): Promise<boolean> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** Skips the test with a message nobody can miss; under CI=true throws instead. */
export function skipLoudly(t: TestContext, msg: string): void {
  if (process.env['CI'] === 'true') throw new Error(`${msg}; under CI=true this is a failure`);
  process.stderr.write(`\n${'!'.repeat(100)}\n!!! SKIPPED: ${msg}\n${'!'.repeat(100)}\n\n`);
  t.skip(`SKIPPED: ${msg}`);
}

function missing(t: TestContext, what: string): void {
  skipLoudly(t, `${what} is not reachable: these tests need it (PostgreSQL database "test" on 127.0.0.1:5432, Redis on 127.0.0.1:6379)`);
}

/** The PostgreSQL URL, or null after skipping (locally) / throwing (CI). */
export async function needPg(t: TestContext): Promise<string | null> {
  pgProbe ??= probePg();
  const url = await pgProbe;
  if (url === null) missing(t, 'PostgreSQL');
  return url;
}

export async function needRedis(t: TestContext): Promise<string | null> {
  redisProbe ??= probeRedis();
  if (!(await redisProbe)) {
    missing(t, 'Redis');
    return null;
  }
  return REDIS_URL;
}

/** Both services, or null after one loud skip naming every missing one (locally) / throwing (CI=true). */
export async function needServices(t: TestContext, whatFor: string): Promise<{ pg: string; redis: string } | null> {
  pgProbe ??= probePg();
  redisProbe ??= probeRedis();
  const [pgUrl, redis] = await Promise.all([pgProbe, redisProbe]);
  const gone = [redis ? null : 'Redis (127.0.0.1:6379)', pgUrl === null ? 'PostgreSQL (127.0.0.1:5432, database test)' : null].filter((x) => x !== null);
  if (gone.length === 0) return { pg: pgUrl!, redis: REDIS_URL };
  skipLoudly(t, `${gone.join(' and ')} not reachable: ${whatFor} need${gone.length === 1 ? 's it' : ' them'}`);
  return null;
}

/** A name no other test (or test run) uses: schema names and key prefixes. */
export function uniqueName(what: string): string {
  return `t_${what}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

/** Drops a test schema (after the test). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {});
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await c.end();
  }
}

/** Deletes every key of a test prefix (through `redis` when given, else a connection to `url`). */
export async function dropPrefix(url: string, prefix: string, redis?: Redis): Promise<void> {
  const r = redis ?? new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await unlinkMatching(r, `${prefix}*`);
  } finally {
    if (redis === undefined) r.disconnect();
  }
}

/** After a test: its Redis prefixes and PostgreSQL schema go, quietly (a service may be gone). */
export async function dropTestData(svc: { pg: string; redis: string }, schema: string, prefixes: readonly string[], redis?: Redis): Promise<void> {
  const r = redis ?? new Redis(svc.redis, { maxRetriesPerRequest: 1 });
  for (const p of prefixes) await dropPrefix(svc.redis, p, r).catch(() => {});
  r.disconnect();
  await dropSchema(svc.pg, schema).catch(() => {});
}
