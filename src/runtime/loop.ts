// The engine loop, the same code for every backend: read a batch of input records, decide/evolve
// each, chain the events, then commit events + failed records + input position + feed clock in
// one atomic step. Nothing is visible to anyone before that commit.
import type { State } from '../engine/index.js';
import type { Backend, FailedRecord, StoredEvent } from '../store/types.js';
import { ChainWriter } from './chain.js';
import type { Logger } from './logger.js';
import { accountOf, failedOf, runRecord } from './record.js';
import { encodeSnapshot } from './state-file.js';
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
  log: Logger;
}

export const DEFAULT_LOOP: Omit<LoopOptions, 'log'> = {
  batchMax: 2000,
  batchMs: 2,
  idleMs: 50,
  snapshotEveryEvents: 1_000_000,
  snapshotEveryMs: 900_000,
  keepSnapshots: 5,
};

export interface BatchStats { commands: number; events: number; commitMs: number; lastSeq: number }

export type StopReason = 'signal' | 'shutdown-requested';

export class EngineLoop {
  private stopping = false;
  private eventsSinceSnapshot = 0;
  private lastSnapshotTs: number | null = null;
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

  stop(): void { this.stopping = true; }

  get stopRequested(): boolean { return this.stopping; }

  async run(): Promise<StopReason> {
    const { batchMax, batchMs, idleMs } = this.opts;
    let shutdown = false;
    while (!this.stopping && !shutdown) {
      const first = await this.backend.read(this.position, batchMax, idleMs);
      if (first.length === 0) continue;
      const started = Date.now();
      const events: StoredEvent[] = [];
      const failed: FailedRecord[] = [];
      let snapshotAsked = false;
      let recs = first;
      let count = 0;
      for (;;) {
        for (const rec of recs) {
          const out = runRecord(this.state, rec);
          for (const e of out) {
            const line = this.chain.push(e);
            events.push({ seq: e.seq, ts: e.ts, cmd: e.cmd, type: e.type, account: accountOf(e), line, hash: this.chain.last });
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
        if (shutdown || count >= batchMax || Date.now() - started >= batchMs) break;
        recs = await this.backend.read(this.position, batchMax - count, 0);
        if (recs.length === 0) break;
      }
      const t0 = performance.now();
      await this.backend.commit({
        events, failed, position: this.position!, clock: { price_ts: this.state.price_ts },
        summary: JSON.stringify(summarize(this.state)),
      });
      const commitMs = performance.now() - t0;
      this.commands += count;
      this.events += events.length;
      this.eventsSinceSnapshot += events.length;
      this.onBatch?.({ commands: count, events: events.length, commitMs, lastSeq: this.state.seq });
      if (snapshotAsked || shutdown || this.snapshotDue()) await this.snapshot(shutdown ? 'shutdown' : snapshotAsked ? 'requested' : 'periodic');
      // let signal handlers and timers run between batches even when input never runs dry
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return shutdown ? 'shutdown-requested' : 'signal';
  }

  private snapshotDue(): boolean {
    if (this.eventsSinceSnapshot >= this.opts.snapshotEveryEvents) return true;
    if (this.lastSnapshotTs === null) { this.lastSnapshotTs = this.state.last_ts; return false; }
    return this.state.last_ts - this.lastSnapshotTs >= this.opts.snapshotEveryMs;
  }

  /** Persists the state at the last committed batch boundary and keeps the newest K. */
  async snapshot(reason: string): Promise<void> {
    const t0 = performance.now();
    const { meta, data } = encodeSnapshot(this.state, this.chain.last, this.position);
    const info = await this.backend.saveSnapshot({
      seq: this.state.seq, position: this.position, created_ts: this.state.last_ts, state_hash: meta.state_hash,
      checksum: meta.checksum, version: STATE_FILE_VERSION,
    }, data);
    const pruned = await this.backend.pruneSnapshots(this.opts.keepSnapshots);
    this.eventsSinceSnapshot = 0;
    this.lastSnapshotTs = this.state.last_ts;
    this.opts.log.info({ reason, snapshot: info.id, seq: info.seq, bytes: info.size, ms: Math.round(performance.now() - t0), pruned }, 'snapshot saved');
  }
}

