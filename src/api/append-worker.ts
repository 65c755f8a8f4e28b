// The embedded input log's append (one SQLite transaction with fsync, synchronous=FULL) blocks the
// thread that runs it for the whole fsync. In the gateway that would stop every request for that
// long, and keep batches small. So the gateway appends from a worker thread with its own connection
// to the same database: while one batch is being made durable, the main thread keeps reading,
// authenticating and validating requests, and they all go in the next batch (group commit).
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { SqliteStore } from '../store/sqlite/store.js';
import type { AppendResult } from '../store/types.js';

interface Request { n: number; raws: string[] }
type Response = { n: number; ok: true; results: AppendResult[] } | { n: number; ok: false; error: string };

export class AppendWorker {
  private readonly pending = new Map<number, { resolve: (r: AppendResult[]) => void; reject: (e: Error) => void }>();
  private next = 0;
  private dead: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: Response) => {
      const p = this.pending.get(m.n);
      if (p === undefined) return;
      this.pending.delete(m.n);
      if (m.ok) p.resolve(m.results);
      else p.reject(new Error(m.error));
    });
    const fail = (e: Error): void => {
      this.dead = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the append worker exited (${code})`)));
  }

  /** Starts the worker on the data directory `dir` and waits until its store is open. */
  static async start(dir: string): Promise<AppendWorker> {
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { relayerAppendDir: dir } });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (m: { ready?: boolean; error?: string }) => (m.ready === true ? resolve() : reject(new Error(m.error ?? 'append worker failed'))));
      worker.once('error', reject);
    });
    return new AppendWorker(worker);
  }

  append(raws: readonly string[]): Promise<AppendResult[]> {
    if (this.dead !== null) return Promise.reject(this.dead);
    const n = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(n, { resolve, reject });
      this.worker.postMessage({ n, raws: [...raws] } satisfies Request);
    });
  }

  async close(): Promise<void> {
    if (this.dead !== null) return;
    this.worker.postMessage('close');
    await new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
  }
}

if (!isMainThread && parentPort !== null && typeof (workerData as { relayerAppendDir?: unknown } | null)?.relayerAppendDir === 'string') {
  const port = parentPort;
  let store: SqliteStore | null = null;
  try {
    store = new SqliteStore((workerData as { relayerAppendDir: string }).relayerAppendDir);
    port.postMessage({ ready: true });
  } catch (e) {
    port.postMessage({ ready: false, error: (e as Error).message });
  }
  port.on('message', (m: Request | 'close') => {
    if (m === 'close') {
      void store?.close().finally(() => port.close());
      return;
    }
    try {
      port.postMessage({ n: m.n, ok: true, results: store!.appendSync(m.raws, Date.now()) } satisfies Response);
    } catch (e) {
      port.postMessage({ n: m.n, ok: false, error: (e as Error).message } satisfies Response);
    }
  });
}
