// The engine's commits in a worker thread with its own connection to the same database: sealing
// the hash chain, compressing the frame and the fsync'd transaction all happen here, so the
// engine's thread decides the next batch meanwhile (DESIGN §8). The loop keeps at most one commit
// in flight and waits for it before the next, so commits land in order and nothing is visible
// before its own transaction ends. Snapshot images are packed and stored here too, queued behind
// the commits sent before them, so the engine only pauses to encode the state.
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { HeadBatch, SnapshotInfo } from '../types.js';
import type { ImageRequest } from '../types.js';

type Request = { n: number; batch: HeadBatch } | { n: number; image: ImageRequest };
type Response = { n: number; ok: true; value: string | SnapshotInfo } | { n: number; ok: false; error: string };

export class CommitWorker {
  private readonly pending = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>();
  private next = 0;
  private dead: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: Response) => {
      const p = this.pending.get(m.n);
      if (p === undefined) return;
      this.pending.delete(m.n);
      if (this.pending.size === 0) this.worker.unref();
      if (m.ok) p.resolve(m.value as never);
      else p.reject(new Error(m.error));
    });
    const fail = (e: Error): void => {
      this.dead ??= e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the commit worker exited (${code})`)));
  }

  /** Starts the worker on the data directory `dir` and waits until its connection is open. */
  static async start(dir: string): Promise<CommitWorker> {
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { relayerCommitDir: dir } });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (m: { ready?: boolean; error?: string }) => (m.ready === true ? resolve() : reject(new Error(m.error ?? 'commit worker failed'))));
      worker.once('error', reject);
    });
    // held only while a commit is pending: an idle worker never keeps the process alive
    worker.unref();
    return new CommitWorker(worker);
  }

  commit(batch: HeadBatch): Promise<string> {
    return this.send<string>((n) => ({ n, batch }));
  }

  /** Packs and stores a snapshot image after every commit sent before it (one queue, in order). */
  saveImage(image: ImageRequest): Promise<SnapshotInfo> {
    // a buffer that owns its memory is moved, not copied (hundreds of MB at a million orders)
    const b = image.raw;
    const own = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer;
    return this.send<SnapshotInfo>((n) => ({ n, image }), own ? [b.buffer as ArrayBuffer] : []);
  }

  private send<T>(req: (n: number) => Request, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.dead !== null) return Promise.reject(this.dead);
    const n = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(n, { resolve: resolve as (v: never) => void, reject });
      this.worker.ref();
      this.worker.postMessage(req(n), transfer);
    });
  }

  async close(): Promise<void> {
    if (this.dead !== null) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.ref();
    this.worker.postMessage('close');
    await exited;
  }
}

if (!isMainThread && parentPort !== null && (workerData as { relayerCommitDir?: string } | null)?.relayerCommitDir !== undefined) {
  const port = parentPort;
  const dir = (workerData as { relayerCommitDir: string }).relayerCommitDir;
  const { SqliteStore } = await import('./store.js');
  let store: InstanceType<typeof SqliteStore> | null = null;
  try {
    store = new SqliteStore(dir);
    port.postMessage({ ready: true });
  } catch (e) {
    port.postMessage({ error: (e as Error).message });
  }
  port.on('message', (m: Request | 'close') => {
    if (m === 'close') {
      store?.db.close();
      port.close();
      return;
    }
    try {
      const value = 'batch' in m ? store!.commitHeadsSync(m.batch) : store!.saveImageSync(m.image);
      port.postMessage({ n: m.n, ok: true, value } satisfies Response);
    } catch (e) {
      port.postMessage({ n: m.n, ok: false, error: (e as Error).message } satisfies Response);
    }
  });
}
