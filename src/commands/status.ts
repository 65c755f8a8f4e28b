// `relayer status`: is the engine running, how far the logs are, the last snapshot, risk and pool.
import { lockOwner } from '../runtime/lock.js';
import { projectionStatus, type ModelStatus, type ReadModelFlags } from '../projections/status.js';
import { openRegistry } from '../markets/registry.js';
import { openBackend, marketDir, type BackendOptions } from './backend.js';
import { marketOf } from './market.js';
import { printJson, printRecord } from './print.js';

export interface StatusOptions extends BackendOptions, ReadModelFlags {
  json?: boolean;
}

/**
 * One market's record (--market / RELAYER_MARKET; default BTC-USD, exactly today's record). With
 * several markets registered and none named, the record also carries `markets`: every market at a
 * glance, one row each (a line each on a terminal) (D173).
 */
export async function status(opts: StatusOptions): Promise<void> {
  const named = (opts.market ?? process.env['RELAYER_MARKET'] ?? '') !== '';
  let ids: string[] = [];
  if (!named) {
    const reg = await openRegistry(opts);
    ids = (await reg.list().finally(() => reg.close())).map((m) => m.id);
  }
  if (ids.length <= 1) {
    const result = await statusOf(opts);
    if (opts.json) printJson(result);
    else printRecord(result);
    return;
  }
  const rows = await glance(opts, ids);
  // BTC-USD's own record first; without BTC-USD data, status fails as it always did (exit 1),
  // after the lines of the other markets on a terminal
  let own: Record<string, unknown>;
  try {
    own = await statusOf(opts);
  } catch (e) {
    if (!opts.json) printRows(rows);
    throw e;
  }
  if (opts.json) {
    printJson({ ...own, markets: rows });
    return;
  }
  printRecord(own);
  printRows(rows);
}

function printRows(rows: Record<string, unknown>[]): void {
  for (const r of rows) {
    process.stdout.write(
      r['error'] !== undefined
        ? `${String(r['market']).padEnd(12)} error: ${String(r['error'])}\n`
        : `${String(r['market']).padEnd(12)} ${String(r['engine'] ?? 'kafka').padEnd(22)} seq ${String(r['last_seq']).padEnd(9)} lag ${String(r['lag']).padEnd(6)} price ${String(r['price'])} ${String(r['status'] ?? '')}${modelsText(r['read_models'])}\n`,
    );
  }
}

/** Each read model's lag behind this market's log, or its state when it has none (not created, unreachable). */
function readModelLags(p: Record<string, ModelStatus>): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [name, m] of Object.entries(p)) out[name] = m.state === 'ok' ? (m.lag ?? 0) : m.state;
  return out;
}

function modelsText(models: unknown): string {
  if (models === undefined) return '';
  const parts = Object.entries(models as Record<string, number | string>).map(([n, v]) => `${n} ${typeof v === 'number' ? `lag ${v}` : v}`);
  return `  (${parts.join(', ')})`;
}

async function glance(opts: StatusOptions, ids: string[]): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const id of ids) {
    try {
      const s = await statusOf({ ...opts, market: id });
      const m = (s['market'] ?? null) as Record<string, unknown> | null;
      rows.push({
        market: id,
        engine: s['engine'] ?? null,
        last_seq: s['last_seq'],
        lag: s['lag'],
        snapshots: s['snapshots'],
        price: m?.['price'] ?? null,
        status: m?.['status'] ?? null,
        ...(s['projections'] === undefined ? {} : { read_models: readModelLags(s['projections'] as Record<string, ModelStatus>) }),
      });
    } catch (e) {
      rows.push({ market: id, error: (e as Error).message });
    }
  }
  return rows;
}

async function statusOf(opts: StatusOptions): Promise<Record<string, unknown>> {
  const store = await openBackend(opts);
  try {
    const committed = await store.lastCommitted();
    const head = await store.head();
    const snaps = await store.listSnapshots();
    const last = snaps[0] ?? null;
    // Kafka has no lock file: the last commit's age and the group offset tell whether an engine works
    const kafka = store.name === 'kafka' ? await (store as unknown as { statusInfo(): Promise<Record<string, unknown>> }).statusInfo() : null;
    const owner = kafka === null ? lockOwner(marketDir(opts, marketOf(opts))) : null;
    const consumed = committed.position === null ? 0 : Number(committed.position);
    const summary = committed.summary === null ? null : (JSON.parse(committed.summary) as Record<string, unknown>);
    const result = {
      backend: store.name,
      ...(marketOf(opts) === 'BTC-USD' ? {} : { market_id: marketOf(opts) }),
      ...(kafka === null ? { data: marketDir(opts, marketOf(opts)), engine: owner === null ? 'stopped' : `running (pid ${owner})` } : { kafka }),
      input_head: head === null ? 0 : Number(head),
      input_committed: consumed,
      lag: (head === null ? 0 : Number(head)) - consumed,
      last_seq: committed.seq,
      last_hash: committed.hash,
      last_snapshot: last === null ? null : { id: last.id, seq: last.seq, created_ts: last.created_ts, bytes: last.size },
      snapshots: snaps.length,
      failed_requests: await store.failedCount(),
      // how the engine's last start rebuilt its state: path (events | inputs), ms, events replayed
      last_recovery: recoveryOf(store),
      market: summary,
      // each read model's checkpoint and lag, when --postgres / --redis (or their env) are given
      ...(await projectionStatus(opts, marketOf(opts), committed.seq)),
    };
    return result;
  } finally {
    await store.close();
  }
}

function recoveryOf(store: unknown): Record<string, unknown> | null {
  const m = (store as { meta?: (key: string) => string | null }).meta?.('recovery') ?? null;
  return m === null ? null : (JSON.parse(m) as Record<string, unknown>);
}
