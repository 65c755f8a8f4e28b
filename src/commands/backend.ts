// Opening the storage backend a command works on: embedded SQLite under --data, or Kafka.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../errors.js';
import { DB_FILE, SqliteStore } from '../store/sqlite/store.js';
import { SchemaTooNewError } from '../store/sqlite/schema.js';

export interface BackendOptions { data?: string; kafka?: string }

export const DEFAULT_DATA_DIR = './relayer-data';

export function dataDir(opts: BackendOptions): string {
  return opts.data ?? process.env['RELAYER_DATA'] ?? DEFAULT_DATA_DIR;
}

/**
 * Opens the embedded store. Only `relayer run` creates a data directory (passing its genesis
 * InitPool); every other tool refuses to work on one that does not exist.
 */
export function openEmbedded(opts: BackendOptions, mustExist = true, genesis: string | null = null): SqliteStore {
  const kafka = opts.kafka ?? process.env['RELAYER_KAFKA_BROKERS'];
  if (kafka !== undefined && kafka !== '') throw new CliError('the Kafka backend is not available in this build');
  const dir = dataDir(opts);
  if (mustExist && !existsSync(join(dir, DB_FILE))) throw new CliError(`no relayer data in ${dir} (start one with: relayer run --data ${dir})`);
  try {
    return new SqliteStore(dir, genesis);
  } catch (e) {
    if (e instanceof SchemaTooNewError) throw new CliError(e.message);
    throw e;
  }
}
