// `relayer markets create|list|describe`: the market registry (SPEC §13, D162–D164). create writes
// the registry record and the new market's genesis inputs into its own log; an existing market is
// refused with nothing written. Creating a market never touches another market's store or engine.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Table from 'cli-table3';
import { parseEnvelope } from '../engine/commands.js';
import { isMarketId } from '../engine/market.js';
import { DEFAULT_FEES } from '../engine/types.js';
import { CliError, usage } from '../errors.js';
import { MarketExistsError, genesisRecords, openRegistry, type MarketSpec } from '../markets/registry.js';
import { DB_FILE } from '../store/sqlite/store.js';
import { kafkaConfig } from '../store/kafka/config.js';
import { marketDir, openBackend, openEmbedded, usesKafka, type BackendOptions } from './backend.js';
import { printJson, printRecord } from './print.js';

export interface MarketsOptions extends BackendOptions {
  id?: string;
  tickSize?: string;
  tlv?: string;
  poolShare?: string;
  fees?: string;
  risk?: string;
  spec?: string;
  json?: boolean;
}

function posInt(v: unknown, name: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw usage(`${name} must be a positive integer`);
  return n;
}

function jsonObject(v: unknown, name: string): Record<string, number> | undefined {
  if (v === undefined) return undefined;
  let o = v;
  if (typeof v === 'string') {
    try {
      o = JSON.parse(v);
    } catch {
      throw usage(`${name} must be a JSON object`);
    }
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw usage(`${name} must be a JSON object`);
  return o as Record<string, number>;
}

/** The spec from --spec FILE or the flags, checked; its genesis records must parse as commands. */
export function specOf(opts: MarketsOptions, now: number): MarketSpec {
  let raw: Record<string, unknown> = {};
  if (opts.spec !== undefined) {
    try {
      raw = JSON.parse(readFileSync(opts.spec, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw usage(`--spec ${opts.spec}: ${(e as Error).message}`);
    }
  }
  const g = (raw['genesis'] ?? {}) as Record<string, unknown>;
  const id = opts.id ?? raw['id'];
  if (id === undefined) throw usage('--id is required (e.g. --id ETH-USD)');
  if (!isMarketId(id)) throw usage(`malformed market id ${JSON.stringify(id)}: BASE-QUOTE, 2–12 upper-case letters or digits each, e.g. ETH-USD`);
  const spec: MarketSpec = {
    id,
    tick_size: posInt(opts.tickSize ?? raw['tick_size'] ?? 1, '--tick-size'),
    genesis: {
      total_locked_value: posInt(opts.tlv ?? g['total_locked_value'] ?? 10_000_000_000, '--tlv'),
      total_pool_share: posInt(opts.poolShare ?? g['total_pool_share'] ?? 1_000_000, '--pool-share'),
    },
    created_at: now,
  };
  const fees = jsonObject(opts.fees ?? raw['fees'], '--fees');
  const risk = jsonObject(opts.risk ?? raw['risk'], '--risk');
  // UpdateFees sets all four rates: the ones not given keep SPEC's defaults
  if (fees !== undefined) spec.fees = { ...DEFAULT_FEES, ...fees };
  if (risk !== undefined) spec.risk = risk;
  // the engine's own parser checks the params now, not the market's first run
  for (const r of genesisRecords(spec)) {
    const p = parseEnvelope({ ...(JSON.parse(r) as object), ts: now });
    if (!p.ok) throw usage(`${p.fail.type ?? 'genesis'}: ${p.fail.reason}`);
  }
  return spec;
}

export async function marketsCreate(opts: MarketsOptions): Promise<void> {
  const spec = specOf(opts, Date.now());
  const records = genesisRecords(spec);
  const reg = await openRegistry(opts);
  try {
    if ((await reg.get(spec.id)) !== null) throw new MarketExistsError(spec.id);
    if (usesKafka(opts)) {
      // the market's topics first: one that exists already means the market does (contract §4)
      await createMarketTopics(opts, spec.id);
      await reg.create(spec);
    } else {
      const dir = marketDir(opts, spec.id);
      if (existsSync(join(dir, DB_FILE))) throw new CliError(`market ${spec.id} has data in ${dir} already; refusing to overwrite it`);
      await reg.create(spec); // atomic: a concurrent create of the same id fails here
    }
    const store = await openBackend({ ...opts, market: spec.id }, { mustExist: false });
    try {
      await store.append(records);
    } finally {
      await store.close();
    }
  } catch (e) {
    if (e instanceof MarketExistsError) throw new CliError(e.message);
    throw e;
  } finally {
    await reg.close();
  }
  if (opts.json) printJson({ ...spec, genesis_records: records.length });
  else process.stderr.write(`relayer: created market ${spec.id} (start it with: relayer run --market ${spec.id})\n`);
}

async function createMarketTopics(opts: MarketsOptions, id: string): Promise<void> {
  const cfg = kafkaConfig({ ...opts, market: id })!;
  const { createKafka, describeError } = await import('../store/kafka/client.js');
  const { createLogger } = await import('../infra/logger.js');
  const { createTopics } = await import('../store/kafka/topics.js');
  const admin = createKafka(cfg, createLogger(process.env['RELAYER_LOG_LEVEL'] ?? 'warn')).admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const taken = Object.values(cfg.topics).filter((t) => existing.has(t));
    if (taken.length > 0) throw new MarketExistsError(`${id} (topic ${taken.join(', ')} exists)`);
    await createTopics(admin, cfg.topics, { partitions: 1, replicationFactor: 1 });
  } catch (e) {
    if (e instanceof MarketExistsError) throw e;
    throw new CliError(`Kafka at ${cfg.brokers.join(',')}: ${describeError(e)}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function marketsList(opts: MarketsOptions): Promise<void> {
  const reg = await openRegistry(opts);
  const markets = await reg.list().finally(() => reg.close());
  if (opts.json) {
    printJson(markets);
    return;
  }
  const created = (m: MarketSpec): string => (m.created_at === 0 ? '(default)' : new Date(m.created_at).toISOString());
  if (!process.stdout.isTTY) {
    process.stdout.write(
      markets.map((m) => `${m.id}\ttick=${m.tick_size}\ttlv=${m.genesis.total_locked_value}\tshares=${m.genesis.total_pool_share}\t${created(m)}\n`).join(''),
    );
    return;
  }
  const t = new Table({ head: ['market', 'tick size', 'genesis TLV (sats)', 'genesis shares', 'fees', 'risk', 'created'], style: { head: [], border: [] } });
  for (const m of markets) {
    t.push([
      m.id,
      m.tick_size,
      m.genesis.total_locked_value,
      m.genesis.total_pool_share,
      m.fees ? JSON.stringify(m.fees) : '-',
      m.risk ? JSON.stringify(m.risk) : '-',
      created(m),
    ]);
  }
  process.stdout.write(`${t.toString()}\n`);
}

export async function marketsDescribe(id: string, opts: MarketsOptions): Promise<void> {
  if (!isMarketId(id)) throw usage(`malformed market id ${JSON.stringify(id)}`);
  const reg = await openRegistry(opts);
  const spec = await reg.get(id).finally(() => reg.close());
  if (spec === null) throw new CliError(`unknown market ${id}: not in the registry (see relayer markets list)`);
  let log: Record<string, unknown> = { exists: false };
  const embeddedMissing = !usesKafka(opts) && !existsSync(join(marketDir(opts, id), DB_FILE));
  if (!embeddedMissing) {
    const store = usesKafka(opts) ? await openBackend({ ...opts, market: id }) : openEmbedded({ ...opts, market: id });
    try {
      const c = await store.lastCommitted();
      const head = await store.head();
      log = {
        exists: true,
        input_head: head === null ? 0 : Number(head),
        input_committed: c.position === null ? 0 : Number(c.position),
        last_seq: c.seq,
        last_hash: c.hash,
      };
    } finally {
      await store.close();
    }
  }
  const out = { ...spec, log };
  if (opts.json) printJson(out);
  else printRecord(out);
}
