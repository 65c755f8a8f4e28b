// The store as the simulated engine sees it: a wrapper around any Backend that turns every read
// into a scheduling point (the driver decides when the loop may go on and what it is handed),
// injects commit and snapshot faults, and watches what becomes durable, so an acknowledgement or
// a snapshot ahead of the durable log is caught the moment it happens.
import type { AppendResult, Backend, CommitBatch, Committed, InputRecord, SnapshotInfo, StoredEvent } from '../store/types.js';

/** Thrown into the loop to end an engine incarnation (a crash): never caught as an I/O error. */
export class CrashSignal extends Error {}

export class SimIoError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export type CommitFault = 'commit-throws' | 'commit-unknown' | 'torn' | 'fsync';

interface Parked {
  after: string | null;
  max: number;
  resolve: (r: InputRecord[]) => void;
  reject: (e: Error) => void;
}

export class SimBackend implements Backend {
  readonly name = 'sim';
  /** Highest seq and input position a commit has made durable. */
  durableSeq = 0;
  durablePosition: string | null = null;
  readonly violations: string[] = [];
  /** Faults waiting for the next commit / snapshot save. */
  commitFault: CommitFault | null = null;
  snapshotFault = false;
  /** Reads left that deliver nothing, then reads that deliver at most `trickle` records. */
  emptyReads = 0;
  trickleReads = 0;
  /** The next read starts this many records before the position it was asked for. */
  rewind = 0;
  readonly corrupt = new Set<string>();
  tornLeft = false;
  /** waitMs of the reads served (the Kafka backend checks its fence on an idle read that may wait). */
  readWaitMs = 0;
  private parked: Parked | null = null;
  private onPark: (() => void) | null = null;
  private dead = false;

  constructor(public inner: Backend) {}

  /** A new incarnation of the engine over a reopened store: memory lost, disk kept. */
  async attach(inner: Backend): Promise<void> {
    this.inner = inner;
    this.dead = false;
    this.parked = null;
    const c = await inner.lastCommitted();
    this.durableSeq = c.seq;
    this.durablePosition = c.position;
  }

  private alive(): void {
    if (this.dead) throw new CrashSignal('the engine crashed');
  }

  // ---- the scheduler's side ------------------------------------------------------------

  get isParked(): boolean {
    return this.parked !== null;
  }

  /** Resolves once the loop waits in read (call again after each serve). */
  whenParked(): Promise<void> {
    if (this.parked !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.onPark = resolve;
    });
  }

  /** Answers the parked read with what the store holds, shaped by the delivery faults. */
  async serve(maxRecords = Number.POSITIVE_INFINITY): Promise<number> {
    const p = this.parked;
    if (p === null) return 0;
    this.parked = null;
    try {
      let n = Math.min(p.max, maxRecords);
      if (this.emptyReads > 0) {
        this.emptyReads--;
        n = 0;
      } else if (this.trickleReads > 0) {
        this.trickleReads--;
        n = Math.min(n, 2);
      }
      let after = p.after;
      if (this.rewind > 0 && after !== null) {
        after = String(Math.max(0, Number(after) - this.rewind));
        this.rewind = 0;
      }
      const recs = n === 0 ? [] : await this.inner.read(after, n, this.readWaitMs);
      p.resolve(recs);
      return recs.length;
    } catch (e) {
      p.reject(e as Error);
      return 0;
    }
  }

  /** Crash: the parked read (and every later call) fails; the caller drops the loop. */
  kill(): void {
    this.dead = true;
    const p = this.parked;
    this.parked = null;
    p?.reject(new CrashSignal('the engine crashed'));
  }

  // ---- the loop's side -----------------------------------------------------------------

  read(after: string | null, max: number): Promise<InputRecord[]> {
    this.alive();
    return new Promise((resolve, reject) => {
      this.parked = { after, max, resolve, reject };
      const cb = this.onPark;
      this.onPark = null;
      cb?.();
    });
  }

  async commit(b: CommitBatch): Promise<void> {
    this.alive();
    const fault = this.commitFault;
    this.commitFault = null;
    if (fault === 'commit-throws') throw new SimIoError('SQLITE_BUSY: database is locked (simulated)', 'SQLITE_BUSY');
    if (fault === 'fsync') throw new SimIoError('SQLITE_IOERR_FSYNC: disk I/O error (simulated fsync failure)', 'SQLITE_IOERR_FSYNC');
    if (fault === 'torn') {
      this.tornLeft = true;
      this.dead = true;
      throw new CrashSignal('the engine died in the middle of a commit');
    }
    const first = b.events[0];
    if (first !== undefined && first.seq !== this.durableSeq + 1) {
      this.violations.push(`a commit starts at seq ${first.seq} but the durable log ends at seq ${this.durableSeq}`);
    }
    if (this.durablePosition !== null && Number(b.position) < Number(this.durablePosition)) {
      this.violations.push(`a commit moves the input position back from ${this.durablePosition} to ${b.position}`);
    }
    await this.inner.commit(b);
    const last = b.events[b.events.length - 1];
    if (last !== undefined) this.durableSeq = last.seq;
    this.durablePosition = b.position;
    if (fault === 'commit-unknown') throw new SimIoError('SQLITE_IOERR: disk I/O error after the write (simulated)', 'SQLITE_IOERR');
  }

  /** The loop's acknowledgement hook: what it reports done must already be durable. */
  acknowledged(lastSeq: number): void {
    if (lastSeq > this.durableSeq) this.violations.push(`acknowledged seq ${lastSeq} while the durable log ends at seq ${this.durableSeq}`);
  }

  async saveSnapshot(info: Omit<SnapshotInfo, 'id' | 'size'>, data: Buffer): Promise<SnapshotInfo> {
    this.alive();
    if (this.snapshotFault) {
      this.snapshotFault = false;
      throw new SimIoError('snapshot write: EIO (simulated fsync failure)', 'EIO');
    }
    if (info.seq > this.durableSeq) this.violations.push(`a snapshot at seq ${info.seq} was saved while the durable log ends at seq ${this.durableSeq}`);
    return this.inner.saveSnapshot(info, data);
  }

  async loadSnapshot(id: string): Promise<Buffer> {
    const data = await this.inner.loadSnapshot(id);
    if (!this.corrupt.has(id)) return data;
    const bad = Buffer.from(data);
    const at = Math.floor(bad.length * 0.6);
    bad[at] = bad[at]! ^ 0x5a;
    return bad;
  }

  /** Marks the newest snapshot as corrupted from now on; false when there is none. */
  async corruptNewest(): Promise<boolean> {
    const [newest] = await this.inner.listSnapshots();
    if (newest === undefined) return false;
    this.corrupt.add(newest.id);
    return true;
  }

  // ---- pass-through ----------------------------------------------------------------------

  head(): Promise<string | null> {
    return this.inner.head();
  }
  append(raws: readonly string[]): Promise<AppendResult[]> {
    return this.inner.append(raws);
  }
  lastCommitted(): Promise<Committed> {
    return this.inner.lastCommitted();
  }
  readEvents(fromSeq: number, max: number): Promise<StoredEvent[]> {
    return this.inner.readEvents(fromSeq, max);
  }
  eventsOf(cmd: string): Promise<StoredEvent[]> {
    return this.inner.eventsOf(cmd);
  }
  failedCount(): Promise<number> {
    return this.inner.failedCount();
  }
  listSnapshots(): Promise<SnapshotInfo[]> {
    return this.inner.listSnapshots();
  }
  pruneSnapshots(keep: number): Promise<number> {
    this.alive();
    return this.inner.pruneSnapshots(keep);
  }
  async close(): Promise<void> {
    /* the driver closes the real store */
  }
}
