// Opening the storage backend a command works on: embedded SQLite under --data, or Kafka.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../errors.js';
import { DB_FILE, SqliteStore } from '../store/sqlite/store.js';
import { SchemaNotReadyError, SchemaTooNewError } from '../store/sqlite/schema.js';
import { kafkaConfig, type KafkaFlags } from '../store/kafka/config.js';
import type { Backend } from '../store/types.js';
import type { KafkaBackend } from '../store/kafka/backend.js';
import type { Logger } from '../infra/logger.js';
import { DEFAULT_MARKET } from '../engine/market.js';
import { dataRoot, embeddedMarket, requireMarket } from '../markets/registry.js';
import { marketOf } from './market.js';

export interface BackendOptions extends KafkaFlags {
  data?: string;
  kafka?: string;
  market?: string;
}

/** The data directory root (--data): BTC-USD's relayer.db and the registry live here. */
export function dataDir(opts: BackendOptions): string {
  return dataRoot(opts);
}

/** Where a market's embedded store lives (D162): the root for BTC-USD, `<root>/markets/<M>` else. */
export function marketDir(opts: BackendOptions, market: string): string {
  return market === DEFAULT_MARKET ? dataDir(opts) : join(dataDir(opts), 'markets', market);
}

/**
 * Opens the embedded store. Only `relayer run` creates a data directory (passing its genesis
 * InitPool); every other tool refuses to work on one that does not exist.
 */
export function openEmbedded(opts: BackendOptions, mustExist = true, genesis: string | null = null): SqliteStore {
  const market = marketOf(opts);
  const dir = marketDir(opts, market);
  // another market must be in the registry before anything is written for it
  if (market !== DEFAULT_MARKET && embeddedMarket(dataDir(opts), market) === null) {
    throw new CliError(
      `unknown market ${market}: not in the registry of ${dataDir(opts)} (see relayer markets list; add it with relayer markets create --id ${market})`,
    );
  }
  if (mustExist && !existsSync(join(dir, DB_FILE))) {
    throw new CliError(
      market === DEFAULT_MARKET
        ? `no relayer data in ${dir} (start one with: relayer run --data ${dir})`
        : `no data of market ${market} in ${dir} (it is registered: relayer markets describe ${market})`,
    );
  }
  try {
    return stampMarket(new SqliteStore(dir, genesis, !mustExist), market);
  } catch (e) {
    if (e instanceof SchemaTooNewError || e instanceof SchemaNotReadyError) throw new CliError(e.message);
    throw e;
  }
}

/** --kafka BROKERS (or RELAYER_KAFKA_BROKERS) selects the Kafka backend. */
export function usesKafka(opts: BackendOptions): boolean {
  return kafkaConfig(opts) !== null;
}

/** The Kafka configuration of the market `opts` select (its topic names, transactional id, group). */
export function marketKafkaConfig(opts: BackendOptions): ReturnType<typeof kafkaConfig> {
  return kafkaConfig({ ...opts, market: marketOf(opts) });
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
  const cfg = kafkaConfig({ ...opts, market: marketOf(opts) });
  const store = await openMarketBackend(opts, o);
  return cfg === null ? store : stampMarket(store, marketOf(opts));
}

/**
 * A market's writers name it in every envelope (D170): records appended through a non-default
 * market's backend get `"market"` when they carry none, so the engine's §13 check (absent =
 * BTC-USD) holds them; an envelope naming a market keeps it (a wrong one is Rejected by the
 * engine). BTC-USD's records are written untouched, byte for byte.
 */
export function stampMarket<B extends Backend>(store: B, market: string): B {
  if (market === DEFAULT_MARKET) return store;
  // the embedded store's append goes through appendSync: stamping there covers both
  const s = store as unknown as { appendSync?: (raws: readonly string[], now: number) => unknown };
  const sync = s.appendSync;
  if (typeof sync === 'function')
    s.appendSync = (raws, now) =>
      sync.call(
        store,
        raws.map((r) => withMarket(r, market)),
        now,
      );
  else {
    const append = store.append.bind(store);
    store.append = (raws) => append(raws.map((r) => withMarket(r, market)));
  }
  return store;
}

/** The envelope text with `"market"` first when it is a JSON object naming none (else as it is). */
export function withMarket(raw: string, market: string): string {
  const i = raw.indexOf('{');
  if (i < 0 || raw.slice(0, i).trim() !== '' || raw.includes('"market"')) return raw;
  const empty = raw
    .slice(i + 1)
    .trimStart()
    .startsWith('}');
  return `${raw.slice(0, i + 1)}"market":${JSON.stringify(market)}${empty ? '' : ','}${raw.slice(i + 1)}`;
}

async function openMarketBackend(opts: BackendOptions, o: OpenOptions): Promise<Backend> {
  const market = marketOf(opts);
  const cfg = kafkaConfig({ ...opts, market });
  if (cfg === null) return openEmbedded(opts, o.mustExist ?? true, o.genesis ?? null);
  // Kafka: the market's topics, transactional id and group (D163); refused unless registered
  if (market !== DEFAULT_MARKET) await requireMarket(opts, market);
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
