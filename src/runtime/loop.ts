// The engine loop, the same code for every backend: read a batch of input records, decide/evolve
// each, chain the events, then commit events + failed records + input position + feed clock in
// one atomic step. Nothing is visible to anyone before that commit.
// Pipelined where the store offers commitHeads (embedded; Kafka once its frame worker runs, D271):
// batch N commits (chained and compressed in the store's worker, then fsync'd or sent) while the
// engine decides batch N+1 in memory; likewise where the store's commit is async I/O that may
// overlap (Kafka without its frame worker: chained here, sent while deciding). N+1's
// commit starts only once N's is durable, the loop never idles with a commit in flight, and a
// snapshot waits for every commit in flight. A crash loses at most the decided, uncommitted batch,
// whose input position was not committed either, so it is re-executed identically on restart.
import { accountOf, type State } from '../engine/index.js';
import type { Backend, FailedRecord, HeadBatch, SnapshotInfo, StoredEvent } from '../store/types.js';
import { ChainWriter, eventHead } from './chain.js';
import type { Logger } from '../infra/logger.js';
import { failedOf, runRecord } from './record.js';
import { encodeSnapshotImage, encodeStateColumns } from './state-file.js';
import type { SnapshotWriter } from './snapshotter.js';
import { summarize } from './summary.js';
import { STATE_FILE_VERSION } from './state-file.js';

export interface LoopOptions {
  /** A batch closes at this many commands… */
  batchMax: number;
  /** …or this many ms after its first command, whichever comes first. */
  batchMs: number;
  /** Idle wait for the first record of a batch. */
  idleMs: number;
  snapshotEveryEvents: number;
  /** Command time between automatic snapshots (SPEC §8: 900 s). */
  snapshotEveryMs: number;
  keepSnapshots: number;
  /**
   * Writes periodic and requested snapshots off the engine thread from the committed log
   * (snapshotter.ts); without one, or at shutdown, the engine thread encodes the state itself.
   */
  snapshotter?: SnapshotWriter;
  log: Logger;
  /** The clock that closes a batch by time (default Date.now; the simulation's is simulated, D143). */
  now?: () => number;
}

export const DEFAULT_LOOP: Omit<LoopOptions, 'log'> = {
  batchMax: 2000,
  batchMs: 2,
  idleMs: 50,
  snapshotEveryEvents: 1_000_000,
  snapshotEveryMs: 900_000,
  keepSnapshots: 5,
};

/**
 * One committed batch: `commitMs` is how long its commit took, `waitMs` how long the engine's
 * thread waited for commits before it could hand this batch over (0 when fully overlapped).
 */
export interface BatchStats {
  commands: number;
  events: number;
  commitMs: number;
  waitMs?: number;
  lastSeq: number;
}

export type StopReason = 'signal' | 'shutdown-requested';

export class EngineLoop {
  private stopping = false;
  /** A snapshot being packed and stored off the engine thread (embedded), awaited before the next. */
  private saving: Promise<void> | null = null;
  private eventsSinceSnapshot = 0;
  private lastSnapshotTs: number | null = null;
  /** The snapshot writer is building an image (its promise is `saving`). */
  private writing = false;
  /** A snapshot that fell due while the writer was busy, taken at the first boundary after. */
  private deferred: string | null = null;
  private writerFailed = false;
  readonly chain: ChainWriter;
  onBatch: ((s: BatchStats) => void) | null = null;
  commands = 0;
  events = 0;
  /** Committed events by type, for summaries. */
  readonly typeCounts = new Map<string, number>();

  constructor(
    private readonly backend: Backend,
    readonly state: State,
    lastHash: string,
    private position: string | null,
    private readonly opts: LoopOptions,
  ) {
    this.chain = new ChainWriter(lastHash);
  }

  stop(): void {
    this.stopping = true;
  }

  get stopRequested(): boolean {
    return this.stopping;
  }

  async run(): Promise<StopReason> {
    const { batchMax, batchMs, idleMs } = this.opts;
    const now = this.opts.now ?? Date.now;
    const pipelined = this.backend.commitHeads !== undefined;
    let shutdown = false;
    let inflight: Promise<void> | null = null;
    try {
      while (!this.stopping && !shutdown) {
        // with a commit in flight, look for input without waiting; idle only once it is durable
        const first = await this.backend.read(this.position, batchMax, inflight === null ? idleMs : 0);
        if (first.length === 0) {
          if (inflight !== null) {
            const p = inflight;
            inflight = null;
            await p;
          }
          continue;
        }
        const started = now();
        const heads: string[] = [];
        const cmds: string[] = [];
        const events: StoredEvent[] = [];
        const failed: FailedRecord[] = [];
        const firstSeq = this.state.seq + 1;
        let snapshotAsked = false;
        let recs = first;
        let count = 0;
        for (;;) {
          for (const rec of recs) {
            // a source that hands back a position already consumed (a consumer seek, a buggy
            // fetcher) must not get a second outcome for it (D92): positions are numbers (D37)
            if (this.position !== null && Number(rec.position) <= Number(this.position)) continue;
            const out = runRecord(this.state, rec);
            for (const e of out) {
              if (pipelined) {
                heads.push(eventHead(e));
                cmds.push(e.cmd);
              } else {
                const line = this.chain.push(e);
                events.push({ seq: e.seq, ts: e.ts, cmd: e.cmd, type: e.type, account: accountOf(e), line, hash: this.chain.last });
              }
              this.typeCounts.set(e.type, (this.typeCounts.get(e.type) ?? 0) + 1);
              if (e.type === 'SnapshotRequested') snapshotAsked = true;
              if (e.type === 'ShutdownRequested') shutdown = true;
            }
            const f = failedOf(rec, out);
            if (f !== null) failed.push(f);
            this.position = rec.position;
            count++;
            if (shutdown) break;
          }
          if (shutdown || count >= batchMax || now() - started >= batchMs) break;
          recs = await this.backend.read(this.position, batchMax - count, 0);
          if (recs.length === 0) break;
        }
        const position = this.position!;
        const clock = { price_ts: this.state.price_ts };
        const summary = JSON.stringify(summarize(this.state));
        const n = pipelined ? heads.length : events.length;
        const batch: HeadBatch | null = pipelined ? { firstSeq, count: n, heads: heads.join('\n'), cmds, failed, position, clock, summary } : null;
        // a store that seals off this thread starts on the batch now, while the previous one commits (D271)
        if (batch !== null) this.backend.prepareHeads?.(batch);
        const w0 = performance.now();
        if (inflight !== null) {
          const p = inflight;
          inflight = null;
          await p;
        }
        const waited = performance.now() - w0;
        const t0 = performance.now();
        const stats = { commands: count, events: n, waitMs: 0, lastSeq: this.state.seq };
        if (batch !== null) {
          inflight = this.backend.commitHeads!(batch).then((hash) => {
            if (n > 0) this.chain.last = hash;
            this.committed(stats, performance.now() - t0, waited);
          });
          inflight.catch(() => undefined); // awaited before the next commit; never unhandled meanwhile
        } else if (this.backend.overlapsCommits === true) {
          inflight = this.backend.commit({ events, failed, position, clock, summary }).then(() => {
            this.committed(stats, performance.now() - t0, waited);
          });
          inflight.catch(() => undefined);
        } else {
          await this.backend.commit({ events, failed, position, clock, summary });
          this.committed(stats, performance.now() - t0, waited);
        }
        if (snapshotAsked || shutdown || this.snapshotDue()) {
          if (inflight !== null) {
            const p = inflight;
            inflight = null;
            await p;
          }
          await this.startSnapshot(shutdown ? 'shutdown' : snapshotAsked ? 'requested' : (this.deferred ?? 'periodic'));
        }
        // let signal handlers and timers run between batches even when input never runs dry
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      // the last batch and snapshot are durable before run() returns (or their error is what it throws)
      if (inflight !== null) await inflight;
      await this.settleSnapshot();
    }
    return shutdown ? 'shutdown-requested' : 'signal';
  }

  private committed(s: Omit<BatchStats, 'commitMs'>, commitMs: number, waitMs: number): void {
    this.commands += s.commands;
    this.events += s.events;
    this.eventsSinceSnapshot += s.events;
    this.onBatch?.({ ...s, commitMs, waitMs });
  }

  private snapshotDue(): boolean {
    if (this.deferred !== null) return !this.writing;
    if (this.eventsSinceSnapshot >= this.opts.snapshotEveryEvents) return true;
    if (this.lastSnapshotTs === null) {
      this.lastSnapshotTs = this.state.last_ts;
      return false;
    }
    return this.state.last_ts - this.lastSnapshotTs >= this.opts.snapshotEveryMs;
  }

  /** Persists the state at the last committed batch boundary and keeps the newest K; resolves once stored. */
  async snapshot(reason: string): Promise<void> {
    await this.settleSnapshot(); // a writer still busy would defer this one
    await this.startSnapshot(reason);
    await this.settleSnapshot();
  }

  /**
   * Hands the batch boundary to the snapshot writer (nothing else on the engine thread), or, without
   * one and at shutdown, encodes the state now and leaves packing and storing to the store where it
   * can; resolves once the engine thread's part is done.
   */
  private async startSnapshot(reason: string): Promise<void> {
    const writer = this.writerFailed ? undefined : this.opts.snapshotter;
    if (writer !== undefined && reason !== 'shutdown' && this.writing) {
      // the worker is still on the previous image: take a later boundary rather than wait for it
      this.deferred = reason;
      return;
    }
    this.deferred = null;
    await this.settleSnapshot();
    const t0 = performance.now();
    const log = this.opts.log;
    const byWorker = writer !== undefined && reason !== 'shutdown';
    const done = (info: SnapshotInfo, pruned: number | null): void => {
      log.info(
        {
          reason,
          // who built the image: the snapshot writer's thread from the log, or the engine's thread
          built_by: byWorker ? 'worker' : 'engine',
          snapshot: info.id,
          seq: info.seq,
          bytes: info.size,
          ms: Math.round(performance.now() - t0),
          engine_ms: Math.round(paused),
          ...(pruned === null ? {} : { pruned }),
        },
        'snapshot saved',
      );
    };
    let paused = 0;
    let saving: Promise<void>;
    if (byWorker) {
      // the batch that ends at state.seq is committed (run() awaited it): the worker can read it
      const seq = this.state.seq;
      saving = writer
        .save({
          seq,
          last_hash: this.chain.last,
          position: this.position,
          created_ts: this.state.last_ts,
          price_ts: this.state.price_ts,
          keep: this.opts.keepSnapshots,
        })
        .then(
          (s) => done(s.info, s.pruned),
          (e: Error) => {
            // the log is the truth and the engine is fine: an image the worker could not build is
            // logged, and the engine thread encodes the next ones itself
            this.writerFailed = true;
            log.error({ reason, seq, err: e.message }, 'snapshot writer failed; the engine thread takes snapshots from now on');
          },
        )
        .finally(() => {
          this.writing = false;
        });
      this.writing = true;
      paused = performance.now() - t0;
    } else if (this.backend.saveSnapshotImage !== undefined) {
      const { raw, state_hash, lines } = encodeStateColumns(this.state);
      saving = this.backend
        .saveSnapshotImage({
          meta: { seq: this.state.seq, last_hash: this.chain.last, state_hash, lines, input_position: this.position },
          created_ts: this.state.last_ts,
          raw,
          keep: this.opts.keepSnapshots,
        })
        .then((info) => done(info, null));
      paused = performance.now() - t0;
    } else {
      const { meta, data } = encodeSnapshotImage(this.state, this.chain.last, this.position);
      const info = await this.backend.saveSnapshot(
        {
          seq: this.state.seq,
          position: this.position,
          created_ts: this.state.last_ts,
          state_hash: meta.state_hash,
          checksum: meta.checksum,
          version: STATE_FILE_VERSION,
        },
        data,
      );
      const pruned = await this.backend.pruneSnapshots(this.opts.keepSnapshots);
      paused = performance.now() - t0;
      done(info, pruned);
      saving = Promise.resolve();
    }
    saving.catch(() => undefined); // awaited by the next snapshot or at the end of run()
    this.saving = saving;
    this.eventsSinceSnapshot = 0;
    this.lastSnapshotTs = this.state.last_ts;
  }

  private async settleSnapshot(): Promise<void> {
    const p = this.saving;
    this.saving = null;
    if (p !== null) await p;
  }
}
