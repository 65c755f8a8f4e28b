// The embedded backend: one SQLite file (WAL, synchronous=FULL) holding the inbox, the event log,
// failed requests, snapshots and metadata. A batch's events, failed records, the consumed input
// position and the feed clock are written in one transaction: all of it is durable, or none.
// Events are stored as one compressed frame per batch (frames.ts) plus a per-command index; the
// engine's commits can run in a worker thread (commit-worker.ts) so the engine decides the next
// batch meanwhile.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type {
  AppendResult,
  Backend,
  CommitBatch,
  Committed,
  FailedRecord,
  Clock,
  HeadBatch,
  ImageRequest,
  InputRecord,
  SnapshotInfo,
  StoredEvent,
} from '../types.js';
import { accountOfData } from '../../engine/index.js';
import { hashOfLine, sealLine } from '../event-line.js';
import { packFrame, unpackFrame } from './frames.js';
import { cmdRuns, migrate } from './schema.js';
import { CODEC_COLUMNS, IMAGE_VERSION, packImage } from '../snapshot-image.js';
import type { CommitWorker } from './commit-worker.js';
import type { ReadAhead } from './read-ahead.js';

/** One batch's frame and bookkeeping, ready to write. */
export interface FrameWrite {
  first: number;
  count: number;
  lastHash: string;
  data: Buffer | null;
  cmds: [string, number, number][];
  failed: FailedRecord[];
  position: string;
  clock: Clock;
  summary: string;
}

interface Frame {
  first: number;
  last: number;
  lines: string[];
}

export const DB_FILE = 'relayer.db';

export class SqliteStore implements Backend {
  readonly name = 'embedded';
  readonly db: Database.Database;
  private readonly q;
  private frame: Frame | null = null;
  private worker: CommitWorker | null = null;

  constructor(
    readonly dir: string,
    genesis: string | null = null,
    /** false: refuse a file nobody has created yet (tools that only read or append to a log). */
    create = true,
  ) {
    mkdirSync(dir, { recursive: true });
    this.db = new Database(join(dir, DB_FILE));
    // wait for another process's lock (an engine creating the file) before anything else
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    migrate(this.db, genesis, Date.now(), create);
    const db = this.db;
    this.q = {
      lastInboxTs: db.prepare(`SELECT ts FROM inbox ORDER BY pos DESC LIMIT 1`).pluck(),
      insertInbox: db.prepare(`INSERT INTO inbox(ts, raw) VALUES (?, ?)`),
      readInbox: db.prepare(`SELECT pos, ts, raw FROM inbox WHERE pos > ? ORDER BY pos LIMIT ?`),
      inboxHead: db.prepare(`SELECT max(pos) FROM inbox`).pluck(),
      insertFrame: db.prepare(`INSERT INTO event_frames(first_seq, last_seq, data) VALUES (?, ?, ?)`),
      insertCmd: db.prepare(`INSERT OR IGNORE INTO event_cmds(cmd, first_seq, n) VALUES (?, ?, ?)`),
      frameAt: db.prepare(`SELECT first_seq, last_seq, data FROM event_frames WHERE first_seq <= ? ORDER BY first_seq DESC LIMIT 1`),
      frameStart: db.prepare(`SELECT first_seq FROM event_frames WHERE first_seq <= ? ORDER BY first_seq DESC LIMIT 1`).pluck(),
      frameAfter: db.prepare(`SELECT first_seq, last_seq, data FROM event_frames WHERE first_seq > ? ORDER BY first_seq LIMIT 1`),
      cmdRuns: db.prepare(`SELECT first_seq, n FROM event_cmds WHERE cmd = ? ORDER BY first_seq`),
      insertFailed: db.prepare(`INSERT OR REPLACE INTO failed(pos, ts, id, reason_code, reason, raw) VALUES (?, ?, ?, ?, ?, ?)`),
      setMeta: db.prepare(`INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`),
      getMeta: db.prepare(`SELECT value FROM meta WHERE key = ?`).pluck(),
      insertSnapshot: db.prepare(`INSERT INTO snapshots(seq, position, created_ts, state_hash, checksum, version, size, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      listSnapshots: db.prepare(`SELECT id, seq, position, created_ts, state_hash, checksum, version, size FROM snapshots ORDER BY seq DESC, id DESC`),
      loadSnapshot: db.prepare(`SELECT data FROM snapshots WHERE id = ?`).pluck(),
      deleteSnapshot: db.prepare(`DELETE FROM snapshots WHERE id = ?`),
    };
  }

  // ---- input log -------------------------------------------------------------------------

  async append(raws: readonly string[]): Promise<AppendResult[]> {
    return this.appendSync(raws, Date.now());
  }

  /** Appends raw command texts; ts is stamped here, never earlier than the last record's. */
  appendSync(raws: readonly string[], now: number): AppendResult[] {
    return this.db
      .transaction(() => {
        const last = (this.q.lastInboxTs.get() as number | undefined) ?? 0;
        const ts = Math.max(now, last);
        return raws.map((raw) => ({ position: String(this.q.insertInbox.run(ts, raw).lastInsertRowid), ts }));
      })
      .immediate();
  }

  async read(after: string | null, max: number, waitMs: number): Promise<InputRecord[]> {
    const from = after === null ? 0 : Number(after);
    const deadline = Date.now() + waitMs;
    let pause = 1;
    for (;;) {
      const rows = this.q.readInbox.all(from, max) as { pos: number; ts: number; raw: string }[];
      if (rows.length > 0 || Date.now() >= deadline) {
        return rows.map((r) => ({ position: String(r.pos), ts: r.ts, raw: r.raw }));
      }
      await sleep(pause);
      pause = Math.min(pause * 2, 20);
    }
  }

  readInboxSync(after: number, max: number): InputRecord[] {
    const rows = this.q.readInbox.all(after, max) as { pos: number; ts: number; raw: string }[];
    return rows.map((r) => ({ position: String(r.pos), ts: r.ts, raw: r.raw }));
  }

  async head(): Promise<string | null> {
    const h = this.q.inboxHead.get() as number | null;
    return h === null ? null : String(h);
  }

  // ---- event log ---------------------------------------------------------------------------

  async commit(b: CommitBatch): Promise<void> {
    this.commitSync(b);
  }

  /** Commits events that carry their lines already (tests, tools, the non-pipelined loop). */
  commitSync(b: CommitBatch): void {
    const n = b.events.length;
    this.writeFrame({
      first: n === 0 ? 0 : b.events[0]!.seq,
      count: n,
      lastHash: n === 0 ? '' : b.events[n - 1]!.hash,
      data: n === 0 ? null : packFrame(b.events.map((e) => e.line).join('\n')),
      cmds: cmdRuns(
        b.events.map((e) => e.cmd),
        n === 0 ? 0 : b.events[0]!.seq,
      ),
      failed: b.failed,
      position: b.position,
      clock: b.clock,
      summary: b.summary,
    });
  }

  /**
   * Commits a batch of unsealed heads: chains them onto the committed hash, packs the frame and
   * writes it; in the commit worker when one runs, so none of this is on the engine's thread.
   * Resolves to the batch's last hash once it is durable.
   */
  commitHeads(b: HeadBatch): Promise<string> {
    if (this.worker !== null) return this.worker.commit(b);
    try {
      return Promise.resolve(this.commitHeadsSync(b));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  commitHeadsSync(b: HeadBatch): string {
    return this.db
      .transaction(() => {
        let prev = this.meta('committed_hash') ?? '0'.repeat(64);
        const seq = Number(this.meta('committed_seq') ?? 0);
        if (b.count > 0 && b.firstSeq !== seq + 1) throw new Error(`commit of seq ${b.firstSeq} does not follow the committed seq ${seq}`);
        let data: Buffer | null = null;
        if (b.count > 0) {
          const heads = b.heads.split('\n');
          if (heads.length !== b.count) throw new Error(`commit: ${heads.length} heads for ${b.count} events`);
          const lines = new Array<string>(heads.length);
          for (let i = 0; i < heads.length; i++) {
            const s = sealLine(heads[i]!, prev);
            lines[i] = s.line;
            prev = s.hash;
          }
          data = packFrame(lines.join('\n'));
        }
        this.writeFrame({
          first: b.firstSeq,
          count: b.count,
          lastHash: prev,
          data,
          cmds: cmdRuns(b.cmds, b.firstSeq),
          failed: b.failed,
          position: b.position,
          clock: b.clock,
          summary: b.summary,
        });
        return prev;
      })
      .immediate();
  }

  /** Starts committing in a worker thread with its own connection (the engine loop's mode). */
  async startCommitWorker(): Promise<void> {
    if (this.worker !== null) return;
    const { CommitWorker } = await import('./commit-worker.js');
    this.worker = await CommitWorker.start(this.dir);
  }

  private writeFrame(f: FrameWrite): void {
    const q = this.q;
    this.db
      .transaction(() => {
        if (f.count > 0) {
          q.insertFrame.run(f.first, f.first + f.count - 1, f.data);
          for (const [c, s, n] of f.cmds) q.insertCmd.run(c, s, n);
          q.setMeta.run('committed_seq', String(f.first + f.count - 1));
          q.setMeta.run('committed_hash', f.lastHash);
        }
        for (const r of f.failed) q.insertFailed.run(Number(r.position), r.ts, r.id, r.reason_code, r.reason, r.raw);
        q.setMeta.run('committed_position', f.position);
        q.setMeta.run('clock', JSON.stringify(f.clock));
        q.setMeta.run('summary', f.summary);
      })
      .immediate();
  }

  async lastCommitted(): Promise<Committed> {
    // the committed seq/hash are written with each batch: a log cut short cannot hide behind its last row
    const seq = this.meta('committed_seq');
    const clock = this.meta('clock');
    return {
      seq: seq === null ? 0 : Number(seq),
      hash: this.meta('committed_hash') ?? '0'.repeat(64),
      position: this.meta('committed_position'),
      clock: clock === null ? null : (JSON.parse(clock) as Committed['clock']),
      summary: this.meta('summary'),
    };
  }

  async readEvents(fromSeq: number, max: number): Promise<StoredEvent[]> {
    return this.readEventsSync(fromSeq, max);
  }

  readEventsSync(fromSeq: number, max: number): StoredEvent[] {
    return this.readLinesSync(fromSeq, max).map(([seq, line, hash]) => {
      const e = JSON.parse(line) as { ts: number; cmd: string; type: string; data: unknown };
      return { seq, ts: e.ts, cmd: e.cmd, type: e.type, account: accountOfData(e.data), line, hash };
    });
  }

  /** [seq, line, hash] rows: the lean read replay and projections need. */
  readLinesSync(fromSeq: number, max: number): [number, string, string][] {
    const out: [number, string, string][] = [];
    let seq = Math.max(1, fromSeq);
    let f = this.frameAt(seq);
    while (f !== null && out.length < max) {
      for (let i = Math.max(0, seq - f.first); i < f.lines.length && out.length < max; i++) {
        const line = f.lines[i]!;
        out.push([f.first + i, line, hashOfLine(line)]);
      }
      seq = f.last + 1;
      if (out.length < max) f = this.frameAfter(f.first);
    }
    return out;
  }

  async readLines(fromSeq: number, max: number): Promise<[number, string, string][]> {
    return this.readLinesSync(fromSeq, max);
  }

  /** A worker reading frames or input records ahead of recovery (its own connection); the caller closes it. */
  async startReadAhead(): Promise<ReadAhead> {
    const { ReadAhead } = await import('./read-ahead.js');
    return ReadAhead.start(join(this.dir, DB_FILE), (seq) => (this.q.frameStart.get(seq) as number | undefined) ?? 0);
  }

  /** The frame holding `seq` (the last decoded one is kept: readers walk forward). */
  private frameAt(seq: number): Frame | null {
    const c = this.frame;
    if (c !== null && c.first <= seq && seq <= c.last) return c;
    const row = this.q.frameAt.get(seq) as { first_seq: number; last_seq: number; data: Buffer } | undefined;
    if (row === undefined) return this.frameAfter(0, seq);
    if (row.last_seq < seq) return this.frameAfter(row.first_seq, seq);
    return this.decode(row);
  }

  /** The first frame after the one starting at `first`; with `atLeast`, only one reaching that seq. */
  private frameAfter(first: number, atLeast = 0): Frame | null {
    const row = this.q.frameAfter.get(first) as { first_seq: number; last_seq: number; data: Buffer } | undefined;
    if (row === undefined || row.last_seq < atLeast) return null;
    return this.decode(row);
  }

  private decode(row: { first_seq: number; last_seq: number; data: Buffer }): Frame {
    const lines = unpackFrame(row.data, row.last_seq - row.first_seq + 1, row.first_seq);
    this.frame = { first: row.first_seq, last: row.last_seq, lines };
    return this.frame;
  }

  async eventsOf(cmd: string): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    for (const r of this.q.cmdRuns.all(cmd) as { first_seq: number; n: number }[]) {
      for (const e of this.readEventsSync(r.first_seq, r.n)) if (e.cmd === cmd) out.push(e);
    }
    return out;
  }

  async failedCount(): Promise<number> {
    return Number(this.db.prepare('SELECT count(*) FROM failed').pluck().get());
  }

  meta(key: string): string | null {
    return (this.q.getMeta.get(key) as string | undefined) ?? null;
  }

  setMeta(key: string, value: string): void {
    this.q.setMeta.run(key, value);
  }

  // ---- snapshots ---------------------------------------------------------------------------

  async saveSnapshot(info: Omit<SnapshotInfo, 'id' | 'size'>, data: Buffer): Promise<SnapshotInfo> {
    const size = data.length;
    const r = this.q.insertSnapshot.run(info.seq, info.position, info.created_ts, info.state_hash, info.checksum, info.version, size, data);
    return { ...info, id: String(r.lastInsertRowid), size };
  }

  /**
   * Packs and stores a snapshot image, then prunes to the newest `keep`; in the commit worker when
   * one runs (after every commit sent before it), so the engine does not wait for it.
   */
  saveSnapshotImage(req: ImageRequest): Promise<SnapshotInfo> {
    if (this.worker !== null) return this.worker.saveImage(req);
    try {
      return Promise.resolve(this.saveImageSync(req));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  saveImageSync(req: ImageRequest): SnapshotInfo {
    const { meta, data } = packImage(req.meta, Buffer.from(req.raw.buffer, req.raw.byteOffset, req.raw.byteLength), CODEC_COLUMNS);
    const r = this.q.insertSnapshot.run(meta.seq, meta.input_position, req.created_ts, meta.state_hash, meta.checksum, IMAGE_VERSION, data.length, data);
    const all = this.q.listSnapshots.all() as { id: number }[];
    for (const s of all.slice(req.keep)) this.q.deleteSnapshot.run(s.id);
    return {
      id: String(r.lastInsertRowid),
      seq: meta.seq,
      position: meta.input_position,
      created_ts: req.created_ts,
      state_hash: meta.state_hash,
      checksum: meta.checksum,
      version: IMAGE_VERSION,
      size: data.length,
    };
  }

  async listSnapshots(): Promise<SnapshotInfo[]> {
    return (this.q.listSnapshots.all() as (Omit<SnapshotInfo, 'id'> & { id: number })[]).map((r) => ({ ...r, id: String(r.id) }));
  }

  async loadSnapshot(id: string): Promise<Buffer> {
    const data = this.q.loadSnapshot.get(Number(id)) as string | Buffer | undefined;
    if (data === undefined) throw new Error(`no snapshot ${id}`);
    return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  }

  async pruneSnapshots(keep: number): Promise<number> {
    const all = await this.listSnapshots();
    let n = 0;
    for (const s of all.slice(keep)) {
      this.q.deleteSnapshot.run(Number(s.id));
      n++;
    }
    return n;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    await w?.close();
    this.db.close();
  }
}
