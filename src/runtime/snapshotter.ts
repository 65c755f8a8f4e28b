// Periodic snapshots without pausing the engine (issue 14, DESIGN §8): the engine thread only
// names the batch boundary to capture (seq, chain head, input position, feed clock); a worker
// thread rebuilds that state from the previous snapshot and the committed events with `evolve`
// (the same path as recovery, which the live == replay property test covers), encodes, checksums
// and stores the image. Costs: a replica of the state in the worker's heap, and the worker's CPU
// to evolve the events between snapshots. On Kafka the worker reads through its own clients and
// hands the encoded image back; the engine's backend stores it in a transaction of its own
// producer, queued with the batch commits (D221), so fencing covers snapshots as before.
import { Worker } from 'node:worker_threads';
import type { KafkaConfig } from '../store/kafka/config.js';
import type { Backend, SnapshotInfo } from '../store/types.js';
import { storeImage } from './snapshot-replica.js';

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

/** Where the worker reads the log: the data directory, or the market's Kafka topics. */
export type SnapshotSource = { kind: 'sqlite'; dir: string } | { kind: 'kafka'; cfg: KafkaConfig };

/** An encoded image the engine's store is to save (Kafka: through its transactional producer). */
export interface SnapshotImage {
  info: Omit<SnapshotInfo, 'id' | 'size'>;
  data: Uint8Array;
}

export type SnapshotJob = SnapshotRequest & { id: number };
/** The worker's answer: saved by itself (embedded), or the image for the engine's store (Kafka). */
export type WorkerResult = SnapshotSaved | { image: SnapshotImage; replayed: number; ms: number };
export type SnapshotReply = { id: number } & (({ ok: true } & WorkerResult) | { ok: false; error: string });

interface Pending {
  resolve: (s: SnapshotSaved) => void;
  reject: (e: Error) => void;
  keep: number;
}

export class Snapshotter implements SnapshotWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | null = null;

  /**
   * `dir`: the embedded data directory (the worker stores the image). A Kafka source needs `store`,
   * the engine's backend, which saves the image the worker hands back.
   */
  constructor(
    source: string | SnapshotSource,
    market?: string,
    private readonly store?: Backend,
    logLevel?: string,
  ) {
    const src: SnapshotSource = typeof source === 'string' ? { kind: 'sqlite', dir: source } : source;
    if (src.kind === 'kafka' && store === undefined) throw new Error('a Kafka snapshot writer needs the engine backend to store its images');
    this.worker = new Worker(new URL('./snapshot-worker.js', import.meta.url), { workerData: { source: src, market, logLevel } });
    this.worker.on('message', (r: SnapshotReply) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (p === undefined) return;
      if (!r.ok) p.reject(new Error(`snapshot: ${r.error}`));
      else if ('image' in r) this.saveImage(r.image, r.replayed, r.ms, p);
      else p.resolve({ info: r.info, pruned: r.pruned, replayed: r.replayed, ms: r.ms });
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`snapshot worker exited (${code})`)));
  }

  save(req: SnapshotRequest): Promise<SnapshotSaved> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, keep: req.keep });
      this.worker.postMessage({ ...req, id } satisfies SnapshotJob);
    });
  }

  /** The engine's store saves the worker's image and prunes (its own transactions, in turn with the commits). */
  private saveImage(image: SnapshotImage, replayed: number, workerMs: number, p: Pending): void {
    const t0 = performance.now();
    storeImage(this.store!, image, p.keep).then(({ info, pruned }) => p.resolve({ info, pruned, replayed, ms: workerMs + (performance.now() - t0) }), p.reject);
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
