// The state a snapshot writer keeps beside the engine (D65, D221): built from the newest valid
// snapshot on the first request, then advanced by evolving the committed events up to each
// requested seq, the recovery path. Its chain head must be the one the engine reported, so an
// image never describes a state the log does not prove. Used by the writer's thread
// (snapshot-worker.ts); the engine's thread only stores images (storeImage, Kafka).
import type { State } from '../engine/index.js';
import type { Logger } from '../infra/logger.js';
import type { Backend, SnapshotInfo } from '../store/types.js';
import { recover, replayEvents } from './recover.js';
import { encodeSnapshotImage, STATE_FILE_VERSION } from './state-file.js';
import type { SnapshotImage, SnapshotRequest } from './snapshotter.js';

export class SnapshotReplica {
  private replica: { state: State; lastHash: string } | null = null;

  constructor(
    /** Reads the committed log (its own connection or clients: never the engine's). */
    private readonly store: Backend,
    private readonly market?: string,
    private readonly log?: Logger,
    /** How long a committed boundary may take to become readable. */
    private readonly visibleWithinMs = 30_000,
  ) {}

  /** The image of the committed state at the request's boundary, and the events evolved to reach it. */
  async build(req: SnapshotRequest): Promise<{ image: SnapshotImage; replayed: number }> {
    let replayed = 0;
    // On Kafka a transaction's records become readable (read_committed) a moment after its commit
    // returned: the markers are written to each partition after the coordinator decided. So the
    // boundary the engine names may not be readable yet: wait for it (bounded), never fail on it.
    const deadline = Date.now() + this.visibleWithinMs;
    for (;;) {
      if (this.replica === null || this.replica.state.seq > req.seq) {
        try {
          const rec = await recover(this.store, {
            toSeq: req.seq,
            // already off the engine thread; a third thread would take the engine's core (D280)
            readAhead: false,
            ...(this.market === undefined ? {} : { market: this.market }),
            ...(this.log ? { log: this.log } : {}),
          });
          this.replica = { state: rec.state, lastHash: rec.lastHash };
          replayed += rec.replayed;
        } catch (e) {
          if (Date.now() > deadline) throw e;
        }
      } else {
        try {
          const r = await replayEvents(this.store, this.replica.state, this.replica.lastHash, req.seq, undefined, true);
          this.replica.lastHash = r.lastHash;
          replayed += r.replayed;
        } catch (e) {
          this.replica = null; // evolved part of the way: rebuilt from an image at the next request
          throw e;
        }
      }
      if ((this.replica !== null && this.replica.state.seq >= req.seq) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    if (this.replica === null) throw new Error(`snapshot replica: the log up to seq ${req.seq} could not be read`);
    const { state, lastHash } = this.replica;
    if (state.seq !== req.seq || lastHash !== req.last_hash) {
      this.replica = null;
      throw new Error(
        `snapshot replica reached seq ${state.seq} hash ${lastHash.slice(0, 12)}…, the engine committed seq ${req.seq} hash ${req.last_hash.slice(0, 12)}…`,
      );
    }
    // the feed clock moves without events: the engine's value at the snapshot's batch boundary
    state.price_ts = req.price_ts;
    const { meta, data } = encodeSnapshotImage(state, lastHash, req.position);
    const info = {
      seq: meta.seq,
      position: req.position,
      created_ts: req.created_ts,
      state_hash: meta.state_hash,
      checksum: meta.checksum,
      version: STATE_FILE_VERSION,
    };
    return { image: { info, data }, replayed };
  }
}

/** Saves an image and keeps the newest `keep` (on Kafka: the engine's transactions, in turn with its commits). */
export async function storeImage(store: Backend, image: SnapshotImage, keep: number): Promise<{ info: SnapshotInfo; pruned: number }> {
  const data = Buffer.isBuffer(image.data) ? image.data : Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  const info = await store.saveSnapshot(image.info, data);
  const pruned = await store.pruneSnapshots(keep);
  return { info, pruned };
}
