// The embedded backend: one SQLite file (WAL, synchronous=FULL) holding the inbox, the event log,
// failed requests, snapshots and metadata. A batch's events, failed records, the consumed input
// position and the feed clock are written in one transaction: all of it is durable, or none.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type {
  AppendResult, Backend, CommitBatch, Committed, InputRecord, SnapshotInfo, StoredEvent,
} from '../types.js';
import { migrate } from './schema.js';

export const DB_FILE = 'relayer.db';

export class SqliteStore implements Backend {
  readonly name = 'embedded';
  readonly db: Database.Database;
  private readonly q;

  constructor(readonly dir: string, genesis: string | null = null) {
    mkdirSync(dir, { recursive: true });
    this.db = new Database(join(dir, DB_FILE));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 10000');
    migrate(this.db, genesis, Date.now());
    const db = this.db;
    this.q = {
      lastInboxTs: db.prepare(`SELECT ts FROM inbox ORDER BY pos DESC LIMIT 1`).pluck(),
      insertInbox: db.prepare(`INSERT INTO inbox(ts, raw) VALUES (?, ?)`),
      readInbox: db.prepare(`SELECT pos, ts, raw FROM inbox WHERE pos > ? ORDER BY pos LIMIT ?`),
      inboxHead: db.prepare(`SELECT max(pos) FROM inbox`).pluck(),
      insertEvent: db.prepare(`INSERT INTO events(seq, ts, cmd, type, account, line, hash) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      insertFailed: db.prepare(`INSERT OR REPLACE INTO failed(pos, ts, id, reason_code, reason, raw) VALUES (?, ?, ?, ?, ?, ?)`),
      setMeta: db.prepare(`INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`),
      getMeta: db.prepare(`SELECT value FROM meta WHERE key = ?`).pluck(),
      readEvents: db.prepare(`SELECT seq, ts, cmd, type, account, line, hash FROM events WHERE seq >= ? ORDER BY seq LIMIT ?`),
      readLines: db.prepare(`SELECT seq, line, hash FROM events WHERE seq >= ? ORDER BY seq LIMIT ?`).raw(),
      eventsOfCmd: db.prepare(`SELECT seq, ts, cmd, type, account, line, hash FROM events WHERE cmd = ? ORDER BY seq`),
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
    return this.db.transaction(() => {
      const last = (this.q.lastInboxTs.get() as number | undefined) ?? 0;
      const ts = Math.max(now, last);
      return raws.map((raw) => ({ position: String(this.q.insertInbox.run(ts, raw).lastInsertRowid), ts }));
    }).immediate();
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

  commitSync(b: CommitBatch): void {
    const q = this.q;
    this.db.transaction(() => {
      for (const e of b.events) q.insertEvent.run(e.seq, e.ts, e.cmd, e.type, e.account, e.line, e.hash);
      for (const f of b.failed) q.insertFailed.run(Number(f.position), f.ts, f.id, f.reason_code, f.reason, f.raw);
      const last = b.events[b.events.length - 1];
      if (last !== undefined) { q.setMeta.run('committed_seq', String(last.seq)); q.setMeta.run('committed_hash', last.hash); }
      q.setMeta.run('committed_position', b.position);
      q.setMeta.run('clock', JSON.stringify(b.clock));
      q.setMeta.run('summary', b.summary);
    }).immediate();
  }

  async lastCommitted(): Promise<Committed> {
    // the committed seq/hash are written with each batch: a log cut short cannot hide behind its last row
    const seq = this.meta('committed_seq');
    const clock = this.meta('clock');
    return {
      seq: seq === null ? 0 : Number(seq),
      hash: this.meta('committed_hash') ?? '0'.repeat(64),
      position: this.meta('committed_position'),
      clock: clock === null ? null : JSON.parse(clock) as Committed['clock'],
      summary: this.meta('summary'),
    };
  }

  async readEvents(fromSeq: number, max: number): Promise<StoredEvent[]> {
    return this.q.readEvents.all(fromSeq, max) as StoredEvent[];
  }

  /** [seq, line, hash] rows: the lean read replay and projections need. */
  readLinesSync(fromSeq: number, max: number): [number, string, string][] {
    return this.q.readLines.all(fromSeq, max) as [number, string, string][];
  }

  async readLines(fromSeq: number, max: number): Promise<[number, string, string][]> {
    return this.readLinesSync(fromSeq, max);
  }

  async eventsOf(cmd: string): Promise<StoredEvent[]> {
    return this.q.eventsOfCmd.all(cmd) as StoredEvent[];
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
    for (const s of all.slice(keep)) { this.q.deleteSnapshot.run(Number(s.id)); n++; }
    return n;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
