// The engine's commits in a worker thread with its own connection to the same database: sealing
// the hash chain, compressing the frame and the fsync'd transaction all happen here, so the
// engine's thread decides the next batch meanwhile (DESIGN §8). The loop keeps at most one commit
// in flight and waits for it before the next, so commits land in order and nothing is visible
// before its own transaction ends.
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { HeadBatch } from '../types.js';

interface Request { n: number; batch: HeadBatch }
type Response = { n: number; ok: true; hash: string } | { n: number; ok: false; error: string };

export class CommitWorker {
  private readonly pending = new Map<number, { resolve: (h: string) => void; reject: (e: Error) => void }>();
  private next = 0;
  private dead: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: Response) => {
      const p = this.pending.get(m.n);
      if (p === undefined) return;
      this.pending.delete(m.n);
      if (this.pending.size === 0) this.worker.unref();
      if (m.ok) p.resolve(m.hash);
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
    if (this.dead !== null) return Promise.reject(this.dead);
    const n = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(n, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ n, batch } satisfies Request);
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
      port.postMessage({ n: m.n, ok: true, hash: store!.commitHeadsSync(m.batch) } satisfies Response);
    } catch (e) {
      port.postMessage({ n: m.n, ok: false, error: (e as Error).message } satisfies Response);
    }
  });
}
