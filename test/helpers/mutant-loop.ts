// Copies of the engine loop with one deliberate bug each, for proving that `relayer sim` catches
// the class of mistake it exists for. Each follows src/runtime/loop.ts's shape (read a batch, run
// each record, chain, commit, acknowledge, snapshot) through the same public pieces.
import type { State } from '../../src/engine/index.js';
import { ChainWriter } from '../../src/runtime/chain.js';
import type { BatchStats, LoopOptions } from '../../src/runtime/loop.js';
import { accountOf } from '../../src/engine/index.js';
import { failedOf, runRecord } from '../../src/runtime/record.js';
import { encodeSnapshot, STATE_FILE_VERSION } from '../../src/runtime/state-file.js';
import { summarize } from '../../src/runtime/summary.js';
import type { Backend, FailedRecord, StoredEvent } from '../../src/store/types.js';
import type { LoopFactory } from '../../src/sim/simulate.js';

export type Bug =
  /** Tells the world a batch is done before its commit. */
  | 'ack-before-commit'
  /** Commits the input position in its own step before the events. */
  | 'position-first'
  /** Logs a failed commit and carries on with the next batch. */
  | 'swallow-commit-error'
  | 'none';

class MutantLoop {
  private stopping = false;
  private readonly chain: ChainWriter;
  onBatch: ((s: BatchStats) => void) | null = null;

  constructor(
    private readonly bug: Bug,
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

  async run(): Promise<void> {
    let sinceSnapshot = 0;
    while (!this.stopping) {
      let recs = await this.backend.read(this.position, this.opts.batchMax, this.opts.idleMs);
      if (recs.length === 0) continue;
      const events: StoredEvent[] = [];
      const failed: FailedRecord[] = [];
      let count = 0;
      let snapshot = false;
      for (;;) {
        for (const rec of recs) {
          // as the real loop: a position already consumed is not executed again (D92)
          if (this.position !== null && Number(rec.position) <= Number(this.position)) continue;
          const out = runRecord(this.state, rec);
          for (const e of out) {
            events.push({ seq: e.seq, ts: e.ts, cmd: e.cmd, type: e.type, account: accountOf(e), line: this.chain.push(e), hash: this.chain.last });
            if (e.type === 'SnapshotRequested') snapshot = true;
          }
          const f = failedOf(rec, out);
          if (f !== null) failed.push(f);
          this.position = rec.position;
          count++;
        }
        if (count >= this.opts.batchMax) break;
        recs = await this.backend.read(this.position, this.opts.batchMax - count, 0);
        if (recs.length === 0) break;
      }
      const stats = { commands: count, events: events.length, commitMs: 0, lastSeq: this.state.seq };
      const batch = { events, failed, position: this.position!, clock: { price_ts: this.state.price_ts }, summary: JSON.stringify(summarize(this.state)) };
      if (this.bug === 'ack-before-commit') this.onBatch?.(stats);
      if (this.bug === 'position-first') {
        await this.backend.commit({ ...batch, events: [], failed: [] });
        await this.backend.commit({ ...batch, position: this.position! });
      } else if (this.bug === 'swallow-commit-error') {
        try {
          await this.backend.commit(batch);
        } catch (e) {
          this.opts.log.warn({ err: (e as Error).message }, 'commit failed; going on');
        }
      } else {
        await this.backend.commit(batch);
      }
      if (this.bug !== 'ack-before-commit') this.onBatch?.(stats);
      sinceSnapshot += events.length;
      if (snapshot || sinceSnapshot >= this.opts.snapshotEveryEvents) {
        const { meta, data } = encodeSnapshot(this.state, this.chain.last, this.position);
        await this.backend.saveSnapshot(
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
        await this.backend.pruneSnapshots(this.opts.keepSnapshots);
        sinceSnapshot = 0;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

export function mutantLoop(bug: Bug): LoopFactory {
  return (b, s, h, p, o) => new MutantLoop(bug, b, s, h, p, o);
}
