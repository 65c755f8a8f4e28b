// The PostgreSQL read model: one schema (default "relayer") holding the migrations, the checkpoint
// and the query tables. A batch and its checkpoint commit in one transaction; catch-up batches
// stream through COPY (pg-copy-streams), small live batches go as one multi-statement INSERT.
// One writer per schema (a session advisory lock). synchronous_commit is off for this session: a
// crash of PostgreSQL can lose the last commits, but rows and checkpoint are lost together, so the
// projector simply applies them again.
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Batch, Checkpoint } from '../batch.js';
import { CheckpointMismatchError } from '../mirror.js';
import type { ReadModel } from '../runner.js';
import { ident } from './encode.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import { DEFAULT_MARKET } from '../../engine/market.js';
import { PgBuilder, stageOf, type PgBatch } from './rows.js';
import { TABLES } from './tables.js';

export { DEFAULT_PG_SCHEMA } from '../config.js';

export interface PgOptions {
  url: string;
  schema: string;
  /** Batches of at most this many events are written with INSERT instead of COPY. */
  insertMax: number;
  /** application_name of the session, so operators (and tests) can find it in pg_stat_activity. */
  applicationName: string;
  /** The market this schema holds (default BTC-USD): every row's `market` column. */
  market?: string;
}

export class SchemaTooNewError extends Error {}
export class SchemaLockedError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** pg client settings shared by every relayer connection: int8 as JS numbers (seq, ts < 2^53). */
export function pgClient(url: string, applicationName: string, connectTimeoutMs = 5000): pg.Client {
  const client = new pg.Client({
    connectionString: url,
    application_name: applicationName,
    connectionTimeoutMillis: connectTimeoutMs,
    keepAlive: true,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  client.on('error', () => {
    /* a dead connection surfaces as the failure of the query in progress */
  });
  return client;
}

export function copyIn(client: pg.Client, sql: string, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFrom(sql));
    stream.on('error', reject);
    stream.on('finish', () => resolve());
    stream.end(data);
  });
}

export class PgReadModel implements ReadModel<PgBatch> {
  readonly name = 'postgres';
  readonly label: string;
  private client: pg.Client | null = null;
  private connectedOnce = false;
  /** Batches written with INSERT (live) and with COPY (catch-up). */
  inserts = 0;
  copies = 0;

  constructor(private readonly opts: PgOptions) {
    this.label = `postgres schema ${ident(opts.schema)}`;
  }

  async connect(): Promise<void> {
    if (this.client !== null) return;
    const client = pgClient(this.opts.url, this.opts.applicationName);
    try {
      await client.connect();
      await client.query(`SET synchronous_commit TO off; SET standard_conforming_strings TO on; SET client_min_messages TO warning`);
      const lock = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtext($1)) AS ok`, [`relayer-project:${this.opts.schema}`]);
      if (!lock.rows[0]!.ok) {
        // on a reconnect the old session may still be ending; at start another projector owns it
        throw new SchemaLockedError(`another projector is writing to ${this.label}`, this.connectedOnce);
      }
      await migrate(client, this.opts.schema, this.opts.market ?? DEFAULT_MARKET);
      await client.query(`SET search_path TO ${ident(this.opts.schema)}`);
      for (const spec of TABLES.filter((t) => t.upsert !== undefined)) {
        await client.query(`CREATE TEMP TABLE IF NOT EXISTS ${stageOf(spec)} (LIKE ${spec.name} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`);
      }
    } catch (e) {
      await client.end().catch(() => {});
      throw e;
    }
    this.client = client;
    this.connectedOnce = true;
  }

  async disconnect(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c !== null) await Promise.race([c.end().catch(() => {}), new Promise((r) => setTimeout(r, 1000))]);
  }

  private get db(): pg.Client {
    if (this.client === null) throw new Error('postgres: not connected');
    return this.client;
  }

  async checkpoint(): Promise<Checkpoint> {
    const r = await this.db.query<{ seq: number; hash: string }>(`SELECT seq, hash FROM projection_checkpoint WHERE id = 1`);
    const row = r.rows[0];
    if (row === undefined) throw new Error(`${this.label} has no checkpoint row`);
    return { seq: row.seq, hash: row.hash };
  }

  builder(): PgBuilder {
    return new PgBuilder({ insertMax: this.opts.insertMax });
  }

  async write(p: PgBatch, batch: Batch): Promise<void> {
    const advance = `SELECT advance_checkpoint(${batch.from.seq}, ${batch.to.seq}, '${batch.to.hash}', ${batch.lastTs})`;
    const db = this.db;
    try {
      if (p.single) {
        // one round trip: a multi-statement simple query is one implicit transaction
        await db.query([...p.head, ...p.tail, advance].join(';\n'));
        this.inserts++;
        return;
      }
      await db.query(['BEGIN', ...p.head].join(';\n'));
      try {
        for (const c of p.copies) await copyIn(db, c.sql, c.data);
        await db.query([...p.tail, advance, 'COMMIT'].join(';\n'));
        this.copies++;
      } catch (e) {
        await db.query('ROLLBACK').catch(() => {});
        throw e;
      }
    } catch (e) {
      if ((e as { code?: string }).code === 'RL001')
        throw new CheckpointMismatchError(`${this.label}: ${(e as Error).message}; is another projector writing to it?`);
      throw e;
    }
  }

  async drop(): Promise<void> {
    await this.db.query(`DROP SCHEMA IF EXISTS ${ident(this.opts.schema)} CASCADE`);
    await this.disconnect();
    await this.connect();
  }

  async close(): Promise<void> {
    await this.disconnect();
  }

  isFatal(e: unknown): boolean {
    return isFatalPg(e);
  }
}

/** Connection trouble, shutdowns and overload are retried; anything else is a bug or a refusal. */
export function isFatalPg(e: unknown): boolean {
  if (e instanceof SchemaTooNewError) return true;
  if (e instanceof SchemaLockedError) return !e.retryable;
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string' || code.length !== 5) return false; // network errors: ECONNREFUSED, ECONNRESET, timeouts
  const cls = code.slice(0, 2);
  return !(cls === '08' || cls === '57' || cls === '53' || cls === '40' || cls === '58');
}

/** Creates the schema if needed and applies the migrations it lacks; refuses a newer schema. */
export async function migrate(client: pg.Client, schema: string, market: string = DEFAULT_MARKET): Promise<number> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
  // the market whose rows this schema holds, for the migration that names it in every row (V3)
  await client.query(`SELECT set_config('relayer.market', $1, false)`, [market]);
  await client.query(`SET search_path TO ${ident(schema)}`);
  await client.query(
    `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  );
  const r = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM schema_migrations`);
  const current = r.rows[0]?.v ?? 0;
  if (current > SCHEMA_VERSION) {
    throw new SchemaTooNewError(
      `postgres schema ${ident(schema)} is at version ${current}, newer than this relayer knows (${SCHEMA_VERSION}); upgrade relayer or use another --pg-schema`,
    );
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    await client.query('BEGIN');
    try {
      await client.query(m.sql);
      await client.query(`INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    }
  }
  return Math.max(current, SCHEMA_VERSION);
}
