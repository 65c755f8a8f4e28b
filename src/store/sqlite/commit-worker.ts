// The engine's commits in a worker thread with its own connection to the same database: sealing
// the hash chain, compressing the frame and the fsync'd transaction all happen here, so the
// engine's thread decides the next batch meanwhile (DESIGN §8). The loop keeps at most one commit
// in flight and waits for it before the next, so commits land in order and nothing is visible
// before its own transaction ends. Snapshot images are packed and stored here too, queued behind
// the commits sent before them, so the engine only pauses to encode the state.
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { HeadBatch, ImageRequest, SnapshotInfo } from '../types.js';
import { serveCalls, startWorker, WorkerCalls } from '../worker-rpc.js';

type Request = { n: number; batch: HeadBatch } | { n: number; image: ImageRequest };

export class CommitWorker {
  private constructor(private readonly calls: WorkerCalls) {}

  /** Starts the worker on the data directory `dir` and waits until its connection is open. */
  static async start(dir: string): Promise<CommitWorker> {
    const worker = await startWorker(fileURLToPath(import.meta.url), { relayerCommitDir: dir }, 'commit worker');
    // held only while a commit is pending: an idle worker never keeps the process alive
    return new CommitWorker(new WorkerCalls(worker, 'commit worker', true));
  }

  commit(batch: HeadBatch): Promise<string> {
    return this.calls.call<string>({ batch });
  }

  /** Packs and stores a snapshot image after every commit sent before it (one queue, in order). */
  saveImage(image: ImageRequest): Promise<SnapshotInfo> {
    // a buffer that owns its memory is moved, not copied (hundreds of MB at a million orders)
    const b = image.raw;
    const own = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer;
    return this.calls.call<SnapshotInfo>({ image }, own ? [b.buffer as ArrayBuffer] : []);
  }

  close(): Promise<void> {
    return this.calls.close();
  }
}

if (!isMainThread && parentPort !== null && (workerData as { relayerCommitDir?: string } | null)?.relayerCommitDir !== undefined) {
  const dir = (workerData as { relayerCommitDir: string }).relayerCommitDir;
  const { SqliteStore } = await import('./store.js');
  serveCalls<Request, InstanceType<typeof SqliteStore>>(
    parentPort,
    () => new SqliteStore(dir),
    (store, m) => ('batch' in m ? store.commitHeadsSync(m.batch) : store.saveImageSync(m.image)),
    (store) => {
      store.db.close();
    },
  );
}
