// The snapshot writer's thread (see snapshotter.ts, snapshot-replica.ts). Embedded: reads and
// writes go through its own connection to the data directory's database (WAL: readers never block
// the commit worker; the one snapshot insert waits its turn behind the busy timeout). Kafka: it
// reads through its own read_committed clients and hands the encoded image back; the engine's
// transactional producer stores it, so a fenced engine cannot write one (D221).
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger, silentLogger } from '../infra/logger.js';
import { KafkaBackend } from '../store/kafka/backend.js';
import { SqliteStore } from '../store/sqlite/store.js';
import type { Backend } from '../store/types.js';
import { SnapshotReplica, storeImage } from './snapshot-replica.js';
import type { SnapshotJob, SnapshotReply, SnapshotSource, WorkerResult } from './snapshotter.js';

const { source, market, logLevel } = workerData as { source: SnapshotSource; market?: string; logLevel?: string };
const log = logLevel === undefined ? silentLogger() : createLogger(logLevel, 'relayer-snapshot');
// opened at the first job: an engine that never snapshots holds no second set of Kafka clients
let opened: Promise<{ store: Backend; replica: SnapshotReplica }> | null = null;

function open(): Promise<{ store: Backend; replica: SnapshotReplica }> {
  opened ??= (async () => {
    const store = source.kind === 'sqlite' ? new SqliteStore(source.dir) : await KafkaBackend.open(source.cfg, { log });
    return { store, replica: new SnapshotReplica(store, market, log) };
  })();
  // a failed open is tried again at the next job
  opened.catch(() => {
    opened = null;
  });
  return opened;
}

async function save(job: SnapshotJob): Promise<WorkerResult> {
  const t0 = performance.now();
  const { store, replica } = await open();
  const { image, replayed } = await replica.build(job);
  if (source.kind === 'kafka') return { image, replayed, ms: performance.now() - t0 };
  const { info, pruned } = await storeImage(store, image, job.keep);
  return { info, pruned, replayed, ms: performance.now() - t0 };
}

/** The image's bytes move to the engine's thread without a copy when they own their memory. */
function ownBuffer(b: Uint8Array): ArrayBuffer | null {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer ? b.buffer : null;
}

parentPort!.on('message', (job: SnapshotJob) => {
  save(job).then(
    (r) => {
      const own = 'image' in r ? ownBuffer(r.image.data) : null;
      parentPort!.postMessage({ id: job.id, ok: true, ...r } satisfies SnapshotReply, own === null ? [] : [own]);
    },
    (e: Error) => parentPort!.postMessage({ id: job.id, ok: false, error: e.message } satisfies SnapshotReply),
  );
});
