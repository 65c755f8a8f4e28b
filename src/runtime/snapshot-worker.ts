// The snapshot writer's thread (see snapshotter.ts). It keeps a replica of the engine's state:
// built from the newest valid snapshot on the first request, then advanced by evolving the
// committed events up to each requested seq. The replica's chain head must be the one the engine
// reported, so an image never describes a state the log does not prove. Reads and writes go
// through its own connection to the data directory's database (WAL: readers never block the
// commit worker; the one snapshot insert waits its turn behind the busy timeout).
import { parentPort, workerData } from 'node:worker_threads';
import type { State } from '../engine/index.js';
import { SqliteStore } from '../store/sqlite/store.js';
import { recover, replayEvents } from './recover.js';
import { encodeSnapshotImage, STATE_FILE_VERSION } from './state-file.js';
import type { SnapshotJob, SnapshotReply, SnapshotSaved } from './snapshotter.js';

const { dir, market } = workerData as { dir: string; market?: string };
const store = new SqliteStore(dir);
let replica: { state: State; lastHash: string } | null = null;

async function save(job: SnapshotJob): Promise<SnapshotSaved> {
  const t0 = performance.now();
  let replayed = 0;
  if (replica === null || replica.state.seq > job.seq) {
    const rec = await recover(store, { toSeq: job.seq, market });
    replica = { state: rec.state, lastHash: rec.lastHash };
    replayed = rec.replayed;
  } else {
    const r = await replayEvents(store, replica.state, replica.lastHash, job.seq);
    replica.lastHash = r.lastHash;
    replayed = r.replayed;
  }
  const { state, lastHash } = replica;
  if (state.seq !== job.seq || lastHash !== job.last_hash) {
    replica = null;
    throw new Error(
      `snapshot replica reached seq ${state.seq} hash ${lastHash.slice(0, 12)}…, the engine committed seq ${job.seq} hash ${job.last_hash.slice(0, 12)}…`,
    );
  }
  // the feed clock moves without events: the engine's value at the snapshot's batch boundary
  state.price_ts = job.price_ts;
  const { meta, data } = encodeSnapshotImage(state, lastHash, job.position);
  const info = await store.saveSnapshot(
    {
      seq: meta.seq,
      position: job.position,
      created_ts: job.created_ts,
      state_hash: meta.state_hash,
      checksum: meta.checksum,
      version: STATE_FILE_VERSION,
    },
    data,
  );
  const pruned = await store.pruneSnapshots(job.keep);
  return { info, pruned, replayed, ms: performance.now() - t0 };
}

parentPort!.on('message', (job: SnapshotJob) => {
  save(job).then(
    (r) => parentPort!.postMessage({ id: job.id, ok: true, ...r } satisfies SnapshotReply),
    (e: Error) => parentPort!.postMessage({ id: job.id, ok: false, error: e.message } satisfies SnapshotReply),
  );
});
