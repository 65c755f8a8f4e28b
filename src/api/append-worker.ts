// The embedded input log's append (one SQLite transaction with fsync, synchronous=FULL) blocks the
// thread that runs it for the whole fsync. In the gateway that would stop every request for that
// long, and keep batches small. So the gateway appends from a worker thread with its own connection
// to the same database: while one batch is being made durable, the main thread keeps reading,
// authenticating and validating requests, and they all go in the next batch (group commit).
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { SqliteStore } from '../store/sqlite/store.js';
import type { AppendResult } from '../store/types.js';
import { serveCalls, startWorker, WorkerCalls } from '../store/worker-rpc.js';

interface Request {
  n: number;
  raws: string[];
}

export class AppendWorker {
  private constructor(private readonly calls: WorkerCalls) {}

  /** Starts the worker on the data directory `dir` and waits until its store is open. */
  static async start(dir: string): Promise<AppendWorker> {
    const worker = await startWorker(fileURLToPath(import.meta.url), { relayerAppendDir: dir }, 'append worker');
    return new AppendWorker(new WorkerCalls(worker, 'append worker'));
  }

  append(raws: readonly string[]): Promise<AppendResult[]> {
    return this.calls.call<AppendResult[]>({ raws: [...raws] });
  }

  close(): Promise<void> {
    return this.calls.close();
  }
}

if (!isMainThread && parentPort !== null && typeof (workerData as { relayerAppendDir?: unknown } | null)?.relayerAppendDir === 'string') {
  serveCalls<Request, SqliteStore>(
    parentPort,
    () => new SqliteStore((workerData as { relayerAppendDir: string }).relayerAppendDir),
    (store, m) => store.appendSync(m.raws, Date.now()),
    (store) => store.close(),
  );
}
