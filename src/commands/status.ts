// `relayer status`: is the engine running, how far the logs are, the last snapshot, risk and pool.
import { lockOwner } from '../runtime/lock.js';
import { projectionStatus, type ReadModelFlags } from '../projections/status.js';
import { openBackend, dataDir, type BackendOptions } from './backend.js';
import { printJson, printRecord } from './print.js';

export interface StatusOptions extends BackendOptions, ReadModelFlags { json?: boolean }

export async function status(opts: StatusOptions): Promise<void> {
  const store = await openBackend(opts);
  try {
    const committed = await store.lastCommitted();
    const head = await store.head();
    const snaps = await store.listSnapshots();
    const last = snaps[0] ?? null;
    // Kafka has no lock file: the last commit's age and the group offset tell whether an engine works
    const kafka = store.name === 'kafka' ? await (store as unknown as { statusInfo(): Promise<Record<string, unknown>> }).statusInfo() : null;
    const owner = kafka === null ? lockOwner(dataDir(opts)) : null;
    const consumed = committed.position === null ? 0 : Number(committed.position);
    const summary = committed.summary === null ? null : JSON.parse(committed.summary) as Record<string, unknown>;
    const result = {
      backend: store.name,
      ...(kafka === null ? { data: dataDir(opts), engine: owner === null ? 'stopped' : `running (pid ${owner})` } : { kafka }),
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
      ...(await projectionStatus(opts, committed.seq)),
    };
    if (opts.json) printJson(result); else printRecord(result);
  } finally {
    await store.close();
  }
}

function recoveryOf(store: unknown): Record<string, unknown> | null {
  const m = (store as { meta?: (key: string) => string | null }).meta?.('recovery') ?? null;
  return m === null ? null : JSON.parse(m) as Record<string, unknown>;
}
