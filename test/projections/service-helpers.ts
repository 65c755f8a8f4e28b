// The real PostgreSQL and Redis the projection tests need. Locally a missing service skips the
// test with a loud message; under CI=true it fails the test (CI provides both services).
import type { TestContext } from 'node:test';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { unlinkMatching } from '../../src/projections/redis/unlink.js';
import pg from 'pg';

const PG_CANDIDATES = [
  process.env['RELAYER_TEST_PG_URL'],
  'postgres://postgres@127.0.0.1:5432/test',
  'postgres://root@127.0.0.1:5432/test',
].filter((u): u is string => u !== undefined && u !== '');

const REDIS_URL = process.env['RELAYER_TEST_REDIS_URL'] || 'redis://127.0.0.1:6379';

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

function missing(t: TestContext, what: string): void {
  const msg = `${what} is not reachable: projection tests need it (PostgreSQL database "test" on 127.0.0.1:5432, Redis on 127.0.0.1:6379)`;
  if (process.env['CI'] === 'true') throw new Error(`${msg}; under CI=true this is a failure`);
  process.stderr.write(`\n${'!'.repeat(100)}\n!!! SKIPPED: ${msg}\n${'!'.repeat(100)}\n\n`);
  t.skip(`SKIPPED: ${what} not reachable`);
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
  if (!(await redisProbe)) { missing(t, 'Redis'); return null; }
  return REDIS_URL;
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
  try { await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`); } finally { await c.end(); }
}

/** Deletes every key of a test prefix. */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await unlinkMatching(r, `${prefix}*`);
  } finally {
    r.disconnect();
  }
}
