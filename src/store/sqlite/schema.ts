// Versioned schema of the embedded store. Each migration runs once, in order, inside a
// transaction; a file written by a newer binary is refused with a clear message.
import type Database from 'better-sqlite3';

export const MIGRATIONS: readonly string[] = [
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
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export class SchemaTooNewError extends Error {}

/**
 * Brings the file to SCHEMA_VERSION. `genesis` (a raw InitPool command) is appended in the same
 * transaction that creates a new file, so it is always the first input (SPEC §12).
 */
export function migrate(db: Database.Database, genesis: string | null = null, now = 0): void {
  const hasMeta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'`).get() !== undefined;
  const current = hasMeta
    ? Number((db.prepare(`SELECT value FROM meta WHERE key='schema_version'`).get() as { value: string } | undefined)?.value ?? 0)
    : 0;
  if (current > SCHEMA_VERSION) {
    throw new SchemaTooNewError(
      `this data directory uses schema version ${current}, newer than this relayer binary supports (${SCHEMA_VERSION}); upgrade relayer`,
    );
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      if (v === 0 && genesis !== null) db.prepare(`INSERT INTO inbox(ts, raw) VALUES (?, ?)`).run(now, genesis);
      db.prepare(`INSERT INTO meta(key, value) VALUES('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value`).run(String(v + 1));
    })();
  }
}
