// Each read model's checkpoint and lag behind the event log, for `relayer status`. Only asked when
// a read model is configured (flags or RELAYER_PG_URL / RELAYER_REDIS_URL); an unreachable one is
// reported as such, quickly, without failing the status.
import { marketPgSchema, marketRedisPrefix, pgSchema, pgUrl, redisPrefix, redisUrl, type ReadModelFlags } from './config.js';

export type { ReadModelFlags };

export interface ModelStatus {
  target: string;
  state: 'ok' | 'not created' | 'unreachable';
  seq?: number;
  lag?: number;
  ts?: number | null;
  updated_at?: string;
  error?: string;
}

const TIMEOUT_MS = 2000;

async function postgresStatus(url: string, schema: string, lastSeq: number): Promise<ModelStatus> {
  const { pgClient } = await import('./postgres/model.js');
  const { ident } = await import('./postgres/encode.js');
  const target = `postgres schema ${ident(schema)}`;
  const c = pgClient(url, 'relayer-status', TIMEOUT_MS);
  try {
    await c.connect();
    const exists = await c.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [`${ident(schema)}.projection_checkpoint`]);
    if (exists.rows[0]?.t === null) return { target, state: 'not created' };
    const r = await c.query<{ seq: number; ts: number | null; updated_at: Date }>(
      `SELECT seq, ts, updated_at FROM ${ident(schema)}.projection_checkpoint WHERE id = 1`,
    );
    const row = r.rows[0];
    if (row === undefined) return { target, state: 'not created' };
    return { target, state: 'ok', seq: row.seq, lag: Math.max(0, lastSeq - row.seq), ts: row.ts, updated_at: row.updated_at.toISOString() };
  } catch (e) {
    return { target, state: 'unreachable', error: (e as Error).message };
  } finally {
    await c.end().catch(() => {});
  }
}

async function redisStatus(url: string, prefix: string, lastSeq: number): Promise<ModelStatus> {
  const { redisClient } = await import('./redis/model.js');
  const target = `redis prefix "${prefix}"`;
  const r = redisClient(url, 'relayer-status', TIMEOUT_MS);
  try {
    await r.connect();
    const [seq, ts] = await r.hmget(`${prefix}checkpoint`, 'seq', 'ts');
    if (seq === null || seq === undefined) return { target, state: 'not created' };
    return { target, state: 'ok', seq: Number(seq), lag: Math.max(0, lastSeq - Number(seq)), ts: ts === null || ts === undefined ? null : Number(ts) };
  } catch (e) {
    return { target, state: 'unreachable', error: (e as Error).message };
  } finally {
    r.disconnect();
  }
}

/**
 * `{projections: {postgres?, redis?}}` when a read model is configured, else `{}`: the given
 * market's own schema and prefix (D181, D182), so each market's lag is measured against its log.
 */
export async function projectionStatus(flags: ReadModelFlags, market: string, lastSeq: number): Promise<{ projections?: Record<string, ModelStatus> }> {
  const pg = pgUrl(flags);
  const redis = redisUrl(flags);
  if (pg === undefined && redis === undefined) return {};
  const [p, r] = await Promise.all([
    pg === undefined ? null : postgresStatus(pg, marketPgSchema(pgSchema(flags), market), lastSeq),
    redis === undefined ? null : redisStatus(redis, marketRedisPrefix(redisPrefix(flags), market), lastSeq),
  ]);
  const out: Record<string, ModelStatus> = {};
  if (p !== null) out['postgres'] = p;
  if (r !== null) out['redis'] = r;
  return { projections: out };
}
