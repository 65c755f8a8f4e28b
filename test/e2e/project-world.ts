// The world of one `relayer project` end-to-end test: a temporary data directory, a PostgreSQL
// schema and a Redis prefix of its own (per market, as the projector names them), a connection to
// each for reading where the projector stands, and the projector's command line over them; all
// closed and removed when the test ends.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { DEFAULT_MARKET } from '../../src/engine/market.js';
import { marketPgSchema, marketRedisPrefix } from '../../src/projections/config.js';
import { dropPrefix, dropSchema, needPg, needRedis, uniqueName } from '../helpers/services.js';
import { tempDir } from './cli-helpers.js';

export interface ProjectWorld {
  url: string;
  rurl: string;
  dir: string;
  data: string;
  schema: string;
  prefix: string;
  /** A connection to PostgreSQL and one to Redis, for the test's own reads. */
  c: pg.Client;
  r: Redis;
  /** `relayer project` over this world's data, schema and prefix, plus `extra`. */
  args(extra: string[]): string[];
  /** The seq of `market`'s PostgreSQL checkpoint (0 before the projector creates it). */
  pgAt(market?: string): Promise<number>;
  /** The seq of `market`'s Redis checkpoint (0 before the first batch). */
  redisAt(market?: string): Promise<number>;
}

/** `tag` names the directory, schema and prefix (made unique); null when the services are missing (skipped). */
export async function projectWorld(t: TestContext, tag: string, markets: readonly string[] = [DEFAULT_MARKET]): Promise<ProjectWorld | null> {
  const url = await needPg(t);
  const rurl = await needRedis(t);
  if (url === null || rurl === null) return null;
  const dir = tempDir(`relayer-${tag}-`);
  const schema = uniqueName(tag);
  const prefix = `${uniqueName(tag)}:`;
  t.after(async () => {
    rmSync(dir, { recursive: true, force: true });
    for (const m of markets) {
      await dropSchema(url, marketPgSchema(schema, m));
      await dropPrefix(rurl, marketRedisPrefix(prefix, m));
    }
  });
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const r = new Redis(rurl);
  t.after(async () => {
    await c.end();
    r.disconnect();
  });
  const data = join(dir, 'data');
  return {
    url,
    rurl,
    dir,
    data,
    schema,
    prefix,
    c,
    r,
    args: (extra) => ['project', '--data', data, '--postgres', url, '--pg-schema', schema, '--redis', rurl, '--redis-prefix', prefix, ...extra],
    pgAt: async (market = DEFAULT_MARKET) => {
      try {
        const res = await c.query(`SELECT seq FROM "${marketPgSchema(schema, market)}".projection_checkpoint`);
        return Number((res.rows[0] as { seq: string } | undefined)?.seq ?? 0);
      } catch {
        return 0; // not created yet
      }
    },
    redisAt: async (market = DEFAULT_MARKET) => Number((await r.hget(`${marketRedisPrefix(prefix, market)}checkpoint`, 'seq')) ?? 0),
  };
}
