// Periodic snapshots without pausing the engine (issue 14, DESIGN §8): the engine thread only
// names the batch boundary to capture (seq, chain head, input position, feed clock); a worker
// thread rebuilds that state from the previous snapshot and the committed events with `evolve`
// (the same path as recovery, which the live == replay property test covers), encodes, checksums
// and stores the image. Costs: a replica of the state in the worker's heap, and the worker's CPU
// to evolve the events between snapshots. Embedded backend only; Kafka encodes on the engine
// thread as before.
import { Worker } from 'node:worker_threads';
import type { SnapshotInfo } from '../store/types.js';

/** What the engine thread hands over: a committed batch boundary. */
export interface SnapshotRequest {
  seq: number;
  last_hash: string;
  position: string | null;
  created_ts: number;
  price_ts: number | null;
  /** Keep the newest K snapshots. */
  keep: number;
}

export interface SnapshotSaved {
  info: SnapshotInfo;
  pruned: number;
  /** Events the worker evolved to reach the boundary. */
  replayed: number;
  /** The worker's time for this snapshot. */
  ms: number;
}

/** The loop's view of a snapshot writer. */
export interface SnapshotWriter {
  save(req: SnapshotRequest): Promise<SnapshotSaved>;
}

export type SnapshotJob = SnapshotRequest & { id: number };
export type SnapshotReply = { id: number } & (({ ok: true } & SnapshotSaved) | { ok: false; error: string });

export class Snapshotter implements SnapshotWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (s: SnapshotSaved) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | null = null;

  constructor(dir: string, market?: string) {
    this.worker = new Worker(new URL('./snapshot-worker.js', import.meta.url), { workerData: { dir, market } });
    this.worker.on('message', (r: SnapshotReply) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (r.ok) p?.resolve({ info: r.info, pruned: r.pruned, replayed: r.replayed, ms: r.ms });
      else p?.reject(new Error(`snapshot: ${r.error}`));
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`snapshot worker exited (${code})`)));
  }

  save(req: SnapshotRequest): Promise<SnapshotSaved> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id } satisfies SnapshotJob);
    });
  }

  async close(): Promise<void> {
    this.failure ??= new Error('snapshot writer closed');
    await this.worker.terminate();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
