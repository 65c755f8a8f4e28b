// Recovery's paths on the embedded store: evolving the stored events or re-executing the input
// log, each with and without the read-ahead worker (D280), reach the same state and chain head;
// 'auto' re-executes only when that reproduces the log's tail and falls back to the events
// otherwise (D281); the read-ahead path refuses a broken chain or a short log like the other.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { silentLogger } from '../../src/infra/logger.js';
import { fastStateHash } from '../../src/runtime/fast-hash.js';
import { DEFAULT_LOOP, EngineLoop } from '../../src/runtime/loop.js';
import { recover } from '../../src/runtime/recover.js';
import { encodeStateColumns } from '../../src/runtime/state-file.js';
import { packFrame, unpackFrame } from '../../src/store/sqlite/frames.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { workload } from '../../src/workload/commands.js';

const GENESIS = JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: { total_locked_value: 1e12, total_pool_share: 1e6 } });

/** A store whose inbox of `n` workload commands is committed by the pipelined loop. */
async function committedLog(t: TestContext, n: number): Promise<SqliteStore> {
  const d = mkdtempSync(join(tmpdir(), 'relayer-recover-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const store = new SqliteStore(join(d, 'd'), GENESIS);
  const raws = workload(n, 7);
  for (let i = 0; i < raws.length; i += 1000) store.appendSync(raws.slice(i, i + 1000), 1_732_492_800_000 + i);
  await store.startCommitWorker();
  const head = (await store.head())!;
  const rec = await recover(store);
  const loop = new EngineLoop(store, rec.state, rec.lastHash, rec.position, { ...DEFAULT_LOOP, batchMax: 211, idleMs: 0, log: silentLogger() });
  loop.onBatch = () => {
    if ((loop as unknown as { position: string }).position === head) loop.stop();
  };
  await loop.run();
  t.after(() => store.close());
  return store;
}

test('given a committed log, when it is recovered by either path with or without read-ahead, then the state, chain head and position are the same', async (t) => {
  const store = await committedLog(t, 3000);
  const ref = await recover(store, { fromScratch: true, readAhead: false });
  assert.equal(ref.path, 'events');
  const want = fastStateHash(ref.state);
  for (const path of ['events', 'inputs', 'auto'] as const) {
    for (const readAhead of [true, false]) {
      const r = await recover(store, { fromScratch: true, path, readAhead, autoFrom: 0 });
      assert.equal(r.path, path === 'events' ? 'events' : 'inputs', `${path}, read-ahead ${readAhead}`);
      assert.equal(fastStateHash(r.state), want, `${path}, read-ahead ${readAhead}`);
      assert.equal(r.lastHash, ref.lastHash);
      assert.equal(r.position, ref.position);
      assert.equal(r.replayed, ref.replayed);
    }
  }
  // a point-in-time replay through the worker stops exactly at its seq, mid-frame
  const mid = await recover(store, { fromScratch: true, toSeq: 1234, readAhead: true });
  const midRef = await recover(store, { fromScratch: true, toSeq: 1234, readAhead: false });
  assert.equal(mid.state.seq, 1234);
  assert.equal(fastStateHash(mid.state), fastStateHash(midRef.state));
  assert.equal(mid.lastHash, midRef.lastHash);
  // and from an image taken there, the worker starts mid-frame and reaches the same head
  const image = encodeStateColumns(midRef.state);
  await store.saveSnapshotImage({
    meta: { seq: 1234, last_hash: midRef.lastHash, state_hash: image.state_hash, lines: image.lines, input_position: null },
    created_ts: midRef.state.last_ts,
    raw: image.raw,
    keep: 5,
  });
  const fromImage = await recover(store, { readAhead: true });
  assert.equal(fromImage.snapshot?.seq, 1234);
  assert.equal(fromImage.replayed, ref.replayed - 1234);
  assert.equal(fastStateHash(fromImage.state), want);
  assert.equal(fromImage.lastHash, ref.lastHash);
});

test("given 'auto' below its threshold, when recovering, then it evolves the stored events", async (t) => {
  const store = await committedLog(t, 500);
  const r = await recover(store, { fromScratch: true, path: 'auto' });
  assert.equal(r.path, 'events');
});

test('given an input log that no longer reproduces the events, when recovering, then inputs is refused and auto falls back to the events', async (t) => {
  const store = await committedLog(t, 2000);
  const ref = await recover(store, { fromScratch: true });
  // the last command now decides otherwise (what an engine that changed its rules would do)
  store.db.prepare('UPDATE inbox SET raw = ? WHERE pos = (SELECT max(pos) FROM inbox)').run('{"v":1,"id":"other","type":"PriceTick","params":{"price":12345}}');
  await assert.rejects(recover(store, { fromScratch: true, path: 'inputs' }), /re-executing the input log|another event|state summary/);
  const warned: string[] = [];
  const log = silentLogger();
  log.warn = ((_o: unknown, msg?: string) => warned.push(String(msg))) as typeof log.warn;
  const r = await recover(store, { fromScratch: true, path: 'auto', autoFrom: 0, log });
  assert.equal(r.path, 'events');
  assert.equal(fastStateHash(r.state), fastStateHash(ref.state));
  assert.equal(r.lastHash, ref.lastHash);
  assert.equal(warned.length, 1, 'the fallback is reported');
});

test('given a broken link or a short log, when replayed through the read-ahead worker, then it is refused as without it', async (t) => {
  const store = await committedLog(t, 1500);
  const committed = await store.lastCommitted();
  store.setMeta('committed_seq', String(committed.seq + 1));
  for (const readAhead of [true, false]) {
    await assert.rejects(recover(store, { fromScratch: true, readAhead }), /event log ends at seq \d+, expected/);
  }
  store.setMeta('committed_seq', String(committed.seq));
  // one line's prev link altered in the frame holding seq 700
  const row = store.db.prepare('SELECT first_seq, last_seq, data FROM event_frames WHERE first_seq <= 700 ORDER BY first_seq DESC LIMIT 1').get() as {
    first_seq: number;
    last_seq: number;
    data: Buffer;
  };
  const lines = unpackFrame(row.data, row.last_seq - row.first_seq + 1, row.first_seq);
  const i = 700 - row.first_seq;
  const line = lines[i]!;
  const at = line.length - 140;
  lines[i] = `${line.slice(0, at)}${line[at] === '0' ? '1' : '0'}${line.slice(at + 1)}`;
  store.db.prepare('UPDATE event_frames SET data = ? WHERE first_seq = ?').run(packFrame(lines.join('\n')), row.first_seq);
  for (const readAhead of [true, false]) {
    await assert.rejects(recover(store, { fromScratch: true, readAhead }), /hash chain broken at seq 700/);
  }
  // a frame that does not decompress is named, through the worker too
  store.db.prepare('UPDATE event_frames SET data = ? WHERE first_seq = ?').run(Buffer.from([1, 2, 3, 4]), row.first_seq);
  for (const readAhead of [true, false]) {
    await assert.rejects(recover(store, { fromScratch: true, readAhead }), new RegExp(`event frame at seq ${row.first_seq} does not decompress`));
  }
});
