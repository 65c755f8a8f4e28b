// Opening the storage backend a command works on: embedded SQLite under --data, or Kafka.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../errors.js';
import { DB_FILE, SqliteStore } from '../store/sqlite/store.js';
import { SchemaTooNewError } from '../store/sqlite/schema.js';
import { kafkaConfig, type KafkaFlags } from '../store/kafka/config.js';
import type { Backend } from '../store/types.js';
import type { KafkaBackend } from '../store/kafka/backend.js';
import type { Logger } from '../infra/logger.js';

export interface BackendOptions extends KafkaFlags { data?: string; kafka?: string }

const DEFAULT_DATA_DIR = './relayer-data';

export function dataDir(opts: BackendOptions): string {
  return opts.data ?? process.env['RELAYER_DATA'] ?? DEFAULT_DATA_DIR;
}

/**
 * Opens the embedded store. Only `relayer run` creates a data directory (passing its genesis
 * InitPool); every other tool refuses to work on one that does not exist.
 */
export function openEmbedded(opts: BackendOptions, mustExist = true, genesis: string | null = null): SqliteStore {
  const dir = dataDir(opts);
  if (mustExist && !existsSync(join(dir, DB_FILE))) throw new CliError(`no relayer data in ${dir} (start one with: relayer run --data ${dir})`);
  try {
    return new SqliteStore(dir, genesis);
  } catch (e) {
    if (e instanceof SchemaTooNewError) throw new CliError(e.message);
    throw e;
  }
}

/** --kafka BROKERS (or RELAYER_KAFKA_BROKERS) selects the Kafka backend. */
export function usesKafka(opts: BackendOptions): boolean {
  return kafkaConfig(opts) !== null;
}

export interface OpenOptions {
  /** Embedded: refuse a data directory that does not exist (every tool but run). */
  mustExist?: boolean;
  /** The genesis InitPool: the first input of a new data directory / an empty request topic. */
  genesis?: string | null;
  /** Kafka: take the market's transactional id (fencing an older engine); only `relayer run`. */
  engine?: boolean;
  log?: Logger;
}

/** The embedded store under --data, or the Kafka backend when brokers are given. */
export async function openBackend(opts: BackendOptions, o: OpenOptions = {}): Promise<Backend> {
  const cfg = kafkaConfig(opts);
  if (cfg === null) return openEmbedded(opts, o.mustExist ?? true, o.genesis ?? null);
  const { KafkaBackend, MissingTopicsError } = await import('../store/kafka/backend.js');
  const { createLogger } = await import('../infra/logger.js');
  const log = o.log ?? createLogger(process.env['RELAYER_LOG_LEVEL'] ?? 'warn');
  let store: KafkaBackend;
  try {
    store = await KafkaBackend.open(cfg, { log, failFast: o.engine !== true });
  } catch (e) {
    if (e instanceof MissingTopicsError) throw new CliError(e.message);
    throw new CliError((e as Error).message);
  }
  if (o.engine === true) {
    try {
      await store.startEngine(o.genesis ?? null);
    } catch (e) {
      await store.close();
      const { FencedError, InterruptedError } = await import('../store/kafka/errors.js');
      if (e instanceof FencedError || e instanceof InterruptedError) throw new CliError(e.message);
      throw e;
    }
  }
  return store;
}
