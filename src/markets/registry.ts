// The market registry (SPEC §13, D162–D164): which markets exist, with the parameters they were
// created with. Embedded: `<data>/registry.db` (SQLite, primary key id, so creating an existing
// market fails atomically). Kafka: the compacted topic `<prefix>relayer-markets` keyed by id.
// BTC-USD is always listed: with the SPEC defaults when it was never created explicitly, so a
// data directory or cluster from before markets needs no registry at all.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DEFAULT_MARKET } from '../engine/market.js';
import { CliError } from '../errors.js';
import { kafkaConfig, registryTopic, type KafkaFlags } from '../store/kafka/config.js';

/** A market as the registry keeps it (contract §5). */
export interface MarketSpec {
  id: string;
  /** QUOTE units, integer ≥ 1: metadata for clients and the book's default bucket. */
  tick_size: number;
  /** The market's first input: InitPool with these. */
  genesis: { total_locked_value: number; total_pool_share: number };
  /** UpdateFees params written after InitPool when given. */
  fees?: Record<string, number>;
  /** UpdateRiskParams params written after InitPool when given. */
  risk?: Record<string, number>;
  /** ms since the epoch; 0 for the implicit BTC-USD. */
  created_at: number;
}

export interface MarketRegistry {
  /** Every market, BTC-USD first, then by id. */
  list(): Promise<MarketSpec[]>;
  get(id: string): Promise<MarketSpec | null>;
  /** Records a new market; an existing id → MarketExistsError, nothing written. */
  create(spec: MarketSpec): Promise<MarketSpec>;
  close(): Promise<void>;
}

export class MarketExistsError extends Error {
  constructor(readonly id: string) {
    super(`market ${id} exists already (relayer markets describe ${id})`);
  }
}

/** Options as the commands hand them over (BackendOptions is one). */
export type RegistryOptions = KafkaFlags;

export const REGISTRY_FILE = 'registry.db';
const DEFAULT_DATA_DIR = './relayer-data';

/** The data directory root: --data, else RELAYER_DATA, else ./relayer-data. */
export function dataRoot(opts: { data?: string }): string {
  return opts.data ?? process.env['RELAYER_DATA'] ?? DEFAULT_DATA_DIR;
}

/** BTC-USD as SPEC defines it (the InitPool defaults), when never created explicitly. */
export const IMPLICIT_DEFAULT: MarketSpec = Object.freeze({
  id: DEFAULT_MARKET,
  tick_size: 1,
  genesis: { total_locked_value: 10_000_000_000, total_pool_share: 1_000_000 },
  created_at: 0,
}) as MarketSpec;

/** The raw input records that start a market's log (D164): InitPool, then fees and risk when given. */
export function genesisRecords(spec: MarketSpec): string[] {
  const market = spec.id === DEFAULT_MARKET ? {} : { market: spec.id };
  const out = [JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', ...market, params: { ...spec.genesis, account_id: 'operator' } })];
  if (spec.fees !== undefined) out.push(JSON.stringify({ v: 1, id: 'genesis-fees', type: 'UpdateFees', ...market, params: spec.fees }));
  if (spec.risk !== undefined) out.push(JSON.stringify({ v: 1, id: 'genesis-risk', type: 'UpdateRiskParams', ...market, params: spec.risk }));
  return out;
}

function withDefault(specs: MarketSpec[]): MarketSpec[] {
  const rest = specs.filter((s) => s.id !== DEFAULT_MARKET).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return [specs.find((s) => s.id === DEFAULT_MARKET) ?? IMPLICIT_DEFAULT, ...rest];
}

/** Embedded: read without creating the file (a pre-markets directory stays untouched). */
class SqliteRegistry implements MarketRegistry {
  private readonly file: string;
  constructor(private readonly dir: string) {
    this.file = join(dir, REGISTRY_FILE);
  }

  private open(create: boolean): Database.Database | null {
    if (!create && !existsSync(this.file)) return null;
    if (create) mkdirSync(this.dir, { recursive: true });
    const db = new Database(this.file, create ? {} : { readonly: true });
    db.pragma('busy_timeout = 10000');
    if (create) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec(`CREATE TABLE IF NOT EXISTS markets (id TEXT PRIMARY KEY, spec TEXT NOT NULL, created_at INTEGER NOT NULL)`);
    }
    return db;
  }

  async list(): Promise<MarketSpec[]> {
    return this.listSync();
  }

  listSync(): MarketSpec[] {
    const db = this.open(false);
    if (db === null) return [IMPLICIT_DEFAULT];
    try {
      const rows = db.prepare(`SELECT spec FROM markets`).pluck().all() as string[];
      return withDefault(rows.map((r) => JSON.parse(r) as MarketSpec));
    } finally {
      db.close();
    }
  }

  async get(id: string): Promise<MarketSpec | null> {
    return this.getSync(id);
  }

  getSync(id: string): MarketSpec | null {
    return this.listSync().find((s) => s.id === id) ?? null;
  }

  async create(spec: MarketSpec): Promise<MarketSpec> {
    const db = this.open(true)!;
    try {
      db.prepare(`INSERT INTO markets(id, spec, created_at) VALUES (?, ?, ?)`).run(spec.id, JSON.stringify(spec), spec.created_at);
      return spec;
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new MarketExistsError(spec.id);
      throw e;
    } finally {
      db.close();
    }
  }

  async close(): Promise<void> {
    /* each call opens and closes the file */
  }
}

/** Embedded, synchronously: the market's record under the data directory `root`, or null. */
export function embeddedMarket(root: string, id: string): MarketSpec | null {
  return new SqliteRegistry(root).getSync(id);
}

/** Opens the registry of the backend `opts` select: embedded under --data, or the Kafka topic. */
export async function openRegistry(opts: RegistryOptions): Promise<MarketRegistry> {
  const cfg = kafkaConfig(opts);
  if (cfg === null) return new SqliteRegistry(dataRoot(opts));
  const { KafkaRegistry } = await import('./kafka-registry.js');
  return new KafkaRegistry(cfg, registryTopic(opts));
}

/**
 * The market's registry record, or a CliError (exit 1) naming `relayer markets list`. BTC-USD
 * needs no registry (it always exists), so a pre-markets setup never opens one.
 */
export async function requireMarket(opts: RegistryOptions, id: string): Promise<MarketSpec> {
  if (id === DEFAULT_MARKET && kafkaConfig(opts) !== null) return IMPLICIT_DEFAULT;
  const reg = await openRegistry(opts);
  try {
    const spec = await reg.get(id);
    if (spec === null)
      throw new CliError(`unknown market ${id}: not in the registry (see relayer markets list; add it with relayer markets create --id ${id})`);
    return spec;
  } finally {
    await reg.close();
  }
}
