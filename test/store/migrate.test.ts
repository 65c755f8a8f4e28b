// A data directory written before event frames (schema 2: one row per event) opens after the
// change: the first command to open it migrates it in one transaction, and every tool then sees
// the same lines, verifies the chain and re-execution, and the engine resumes on it.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { emptyState } from '../../src/engine/index.js';
import { ChainWriter } from '../../src/runtime/chain.js';
import { accountOf } from '../../src/engine/index.js';
import { failedOf, runRecord } from '../../src/runtime/record.js';
import { MIGRATIONS, SchemaNotReadyError } from '../../src/store/sqlite/schema.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { drained, exited, relayer, startEngine, tempDir } from '../e2e/cli-helpers.js';
import { workload } from '../../src/workload/commands.js';

const GENESIS = JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: { total_locked_value: 1e12, total_pool_share: 1e6, account_id: 'operator' } });

/** The schema-2 writer as main had it: inbox rows, one events row per event, meta of the last commit. */
function writeSchema2(dir: string, raws: readonly string[]): string[] {
  const db = new Database(join(dir, 'relayer.db'));
  db.pragma('journal_mode = WAL');
  db.exec(MIGRATIONS[0] as string);
  db.exec(MIGRATIONS[1] as string);
  const meta = db.prepare(`INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`);
  meta.run('schema_version', '2');
  const inbox = db.prepare(`INSERT INTO inbox(ts, raw) VALUES (?, ?)`);
  const ev = db.prepare(`INSERT INTO events(seq, ts, cmd, type, account, line, hash) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const failed = db.prepare(`INSERT OR REPLACE INTO failed(pos, ts, id, reason_code, reason, raw) VALUES (?, ?, ?, ?, ?, ?)`);
  const state = emptyState();
  const chain = new ChainWriter();
  const lines: string[] = [];
  db.transaction(() => {
    raws.forEach((raw, i) => {
      const rec = { position: String(i + 1), ts: 1_732_492_800_000 + i * 10, raw };
      inbox.run(rec.ts, raw);
      const out = runRecord(state, rec);
      for (const e of out) {
        const line = chain.push(e);
        lines.push(line);
        ev.run(e.seq, e.ts, e.cmd, e.type, accountOf(e), line, chain.last);
      }
      const f = failedOf(rec, out);
      if (f !== null) failed.run(Number(f.position), f.ts, f.id, f.reason_code, f.reason, f.raw);
    });
    meta.run('committed_seq', String(state.seq));
    meta.run('committed_hash', chain.last);
    meta.run('committed_position', String(raws.length));
    meta.run('clock', JSON.stringify({ price_ts: state.price_ts }));
    meta.run('summary', '{}');
  })();
  db.close();
  return lines;
}

test('given a schema-2 data directory, when tools open it, then it migrates to frames and reads, verifies and resumes the same', {
  timeout: 120_000,
}, async (t) => {
  const root = tempDir('relayer-migrate-');
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const data = join(root, 'data');
  const raws = [GENESIS, ...workload(6000, 21)];
  mkdirSync(data);
  const lines = writeSchema2(data, raws);
  assert.ok(lines.length > 4096, 'more events than one migration frame');

  const v = relayer(['verify', '--data', data, '--json']);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.equal((JSON.parse(v.stdout) as { events: number }).events, lines.length);

  const db = new Database(join(data, 'relayer.db'), { readonly: true });
  assert.equal(db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get(), '3');
  assert.equal(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'events'`).pluck().get(), 0, 'the row table is gone');
  assert.ok(Number(db.prepare(`SELECT count(*) FROM event_frames`).pluck().get()) >= 2);
  db.close();

  const ev = relayer(['events', '--data', data, '--json']);
  assert.equal(ev.code, 0, ev.stderr);
  assert.deepEqual(ev.stdout.trim().split('\n'), lines, 'events prints the very same lines');
  const one = relayer(['events', '--data', data, '--json', '--from-seq', '4097', '--limit', '2']);
  assert.deepEqual(one.stdout.trim().split('\n'), lines.slice(4096, 4098));

  const exec = relayer(['exec', '--json'], relayer(['events', '--data', data, '--inbox']).stdout);
  const execHash = (JSON.parse(exec.stdout.trim().split('\n').pop()!) as { summary: { state_hash: string } }).summary.state_hash;
  const rep = JSON.parse(relayer(['replay', '--data', data, '--json']).stdout) as { state_hash: string };
  assert.equal(rep.state_hash, execHash, 'replay of the migrated log reaches the state exec computes');

  // the engine resumes on it and appends after the migrated frames
  const sub = relayer(['submit', 'tick', '--data', data, '--price', '61000']);
  assert.equal(sub.code, 0, sub.stderr);
  const engine = startEngine(['--data', data]);
  t.after(() => {
    if (engine.exitCode === null) engine.kill('SIGKILL');
  });
  const st = await drained(data, 60_000);
  assert.ok(st.last_seq > lines.length, 'the tick was executed after the migrated events');
  engine.kill('SIGTERM');
  assert.equal((await exited(engine)).code, 0);
  const after = relayer(['verify', '--data', data, '--json']);
  assert.equal(after.code, 0, after.stdout + after.stderr);
  assert.deepEqual(
    relayer(['events', '--data', data, '--json', '--limit', String(lines.length)])
      .stdout.trim()
      .split('\n'),
    lines,
  );
});

test('given a file an engine has not created yet, when a reader opens it, then it is refused and left for its creator, who gives it its genesis', () => {
  const dir = tempDir();
  try {
    const data = join(dir, 'data');
    mkdirSync(data, { recursive: true });
    // what a reader finds between the engine's open of the file and its first migration
    new Database(join(data, 'relayer.db')).close();
    assert.throws(() => new SqliteStore(data, null, false), SchemaNotReadyError);
    const genesis = JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: {} });
    const engine = new SqliteStore(data, genesis);
    const reader = new SqliteStore(data, null, false);
    assert.equal(reader.db.prepare(`SELECT raw FROM inbox ORDER BY pos LIMIT 1`).pluck().get(), genesis, 'the genesis is the first input');
    assert.equal(reader.meta('schema_version'), String(MIGRATIONS.length));
    void engine.close();
    void reader.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
