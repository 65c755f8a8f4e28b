// Versioned schema of the embedded store. Each migration runs once, in order, inside a
// transaction; a file written by a newer binary is refused with a clear message.
import type Database from 'better-sqlite3';
import { packFrame } from './frames.js';

/** A migration is SQL, or code for what SQL alone cannot do (compressing the old rows). */
export type Migration = string | ((db: Database.Database) => void);

export const MIGRATIONS: readonly Migration[] = [
  // 1: the input log, the event log with its hash chain, failed requests, snapshots, metadata
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE inbox (pos INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, raw TEXT NOT NULL);
   CREATE TABLE events (
     seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, cmd TEXT NOT NULL, type TEXT NOT NULL,
     account TEXT, line TEXT NOT NULL, hash TEXT NOT NULL);
   CREATE INDEX events_cmd ON events(cmd);
   CREATE INDEX events_account ON events(account) WHERE account IS NOT NULL;
   CREATE TABLE failed (
     pos INTEGER PRIMARY KEY, ts INTEGER NOT NULL, id TEXT, reason_code TEXT NOT NULL,
     reason TEXT NOT NULL, raw TEXT NOT NULL);
   CREATE TABLE snapshots (
     id INTEGER PRIMARY KEY AUTOINCREMENT, seq INTEGER NOT NULL, position TEXT, created_ts INTEGER NOT NULL,
     state_hash TEXT NOT NULL, checksum TEXT NOT NULL, version INTEGER NOT NULL, size INTEGER NOT NULL,
     data BLOB NOT NULL);`,
  // 2: the per-account index cost more than half the insert rate; `events --account` filters as it reads
  `DROP INDEX IF EXISTS events_account;`,
  // 3: events move into compressed frames (D60); the per-command index keeps eventsOf cheap
  moveEventsToFrames,
];

/** Rows moved per frame when migrating a schema-2 file. */
const MIGRATION_FRAME_EVENTS = 4096;

function moveEventsToFrames(db: Database.Database): void {
  db.exec(`CREATE TABLE event_frames (first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, data BLOB NOT NULL);
    CREATE TABLE event_cmds (cmd TEXT NOT NULL, first_seq INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (cmd, first_seq)) WITHOUT ROWID;`);
  const read = db.prepare(`SELECT seq, cmd, line FROM events WHERE seq > ? ORDER BY seq LIMIT ?`);
  const frame = db.prepare(`INSERT INTO event_frames(first_seq, last_seq, data) VALUES (?, ?, ?)`);
  const cmd = db.prepare(`INSERT INTO event_cmds(cmd, first_seq, n) VALUES (?, ?, ?)`);
  let after = 0;
  for (;;) {
    const rows = read.all(after, MIGRATION_FRAME_EVENTS) as { seq: number; cmd: string; line: string }[];
    if (rows.length === 0) break;
    const first = rows[0]!.seq;
    const last = rows[rows.length - 1]!.seq;
    // a seq gap stays a gap: frames hold contiguous ranges, so a damaged old log still fails verify
    let start = 0;
    for (let i = 1; i <= rows.length; i++) {
      if (i < rows.length && rows[i]!.seq === rows[i - 1]!.seq + 1) continue;
      const part = rows.slice(start, i);
      frame.run(part[0]!.seq, part[part.length - 1]!.seq, packFrame(part.map((r) => r.line).join('\n')));
      for (const [c, s, n] of cmdRuns(
        part.map((r) => r.cmd),
        part[0]!.seq,
      ))
        cmd.run(c, s, n);
      start = i;
    }
    after = last;
    if (first > last) break;
  }
  db.exec(`DROP TABLE events;`);
}

/** Runs of equal consecutive cmds: [cmd, first seq, count]. */
export function cmdRuns(cmds: readonly string[], firstSeq: number): [string, number, number][] {
  const out: [string, number, number][] = [];
  for (let i = 0; i < cmds.length; i++) {
    const prev = out[out.length - 1];
    if (prev !== undefined && prev[0] === cmds[i]) prev[2]++;
    else out.push([cmds[i]!, firstSeq + i, 1]);
  }
  return out;
}

const SCHEMA_VERSION = MIGRATIONS.length;

export class SchemaTooNewError extends Error {}

/** A data directory whose log another process is still creating (its first migration is not committed). */
export class SchemaNotReadyError extends Error {}

function versionOf(db: Database.Database): number {
  const hasMeta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'`).get() !== undefined;
  return hasMeta ? Number((db.prepare(`SELECT value FROM meta WHERE key='schema_version'`).get() as { value: string } | undefined)?.value ?? 0) : 0;
}

function tooNew(v: number): SchemaTooNewError {
  return new SchemaTooNewError(`this data directory uses schema version ${v}, newer than this relayer binary supports (${SCHEMA_VERSION}); upgrade relayer`);
}

/**
 * Brings the file to SCHEMA_VERSION. `genesis` (a raw InitPool command) is appended in the same
 * transaction that creates a new file, so it is always the first input (SPEC §12). Each step reads
 * the version and applies the next migration under the write lock (BEGIN IMMEDIATE), so processes
 * opening the same file at once (an engine creating it, `status` polling it) apply each migration
 * once. With `create` false an uncreated file is refused instead of created: only its creator
 * (`relayer run`, with the genesis) may give it its first records.
 */
export function migrate(db: Database.Database, genesis: string | null = null, now = 0, create = true): void {
  const seen = versionOf(db);
  if (seen > SCHEMA_VERSION) throw tooNew(seen);
  if (seen === SCHEMA_VERSION) return;
  const step = db.transaction((): boolean => {
    const v = versionOf(db);
    if (v > SCHEMA_VERSION) throw tooNew(v);
    if (v === SCHEMA_VERSION) return false;
    if (v === 0 && !create) throw new SchemaNotReadyError('the data directory is still being created by relayer run; try again in a moment');
    const m = MIGRATIONS[v]!;
    if (typeof m === 'string') db.exec(m);
    else m(db);
    if (v === 0 && genesis !== null) db.prepare(`INSERT INTO inbox(ts, raw) VALUES (?, ?)`).run(now, genesis);
    db.prepare(`INSERT INTO meta(key, value) VALUES('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value`).run(String(v + 1));
    return true;
  });
  while (step.immediate()) {
    // one migration per transaction, each under the write lock
  }
}
