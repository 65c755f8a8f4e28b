// The embedded store's framed event log: what goes in through either commit path comes back as
// the same SPEC §12 lines, in order, across frames; the per-command index finds a command's
// events; a commit that does not follow the committed seq is refused; the pipelined loop (commit
// worker sealing the chain) stores exactly what the engine-thread chain would.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { emptyState } from '../../src/engine/index.js';
import { ChainWriter, checkLine, eventHead, GENESIS_HASH } from '../../src/runtime/chain.js';
import { silentLogger } from '../../src/infra/logger.js';
import { DEFAULT_LOOP, EngineLoop } from '../../src/runtime/loop.js';
import { recover } from '../../src/runtime/recover.js';
import { fastStateHash } from '../../src/runtime/fast-hash.js';
import { accountOf } from '../../src/engine/index.js';
import { runRecord } from '../../src/runtime/record.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { packFrame, unpackFrame, CorruptFrameError } from '../../src/store/sqlite/frames.js';
import type { StoredEvent } from '../../src/store/types.js';
import { workload } from '../../src/workload/commands.js';

const GENESIS = JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: { total_locked_value: 1e12, total_pool_share: 1e6 } });

function dir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'relayer-frames-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** The events `exec` would produce for genesis + n workload commands, chained on this thread. */
function expected(n: number, seed: number): { events: StoredEvent[]; raws: string[] } {
  const raws = [GENESIS, ...workload(n, seed)];
  const state = emptyState();
  const chain = new ChainWriter();
  const events: StoredEvent[] = [];
  raws.forEach((raw, i) => {
    for (const e of runRecord(state, { position: String(i + 1), ts: 1_732_492_800_000 + i, raw })) {
      const line = chain.push(e);
      events.push({ seq: e.seq, ts: e.ts, cmd: e.cmd, type: e.type, account: accountOf(e), line, hash: chain.last });
    }
  });
  return { events, raws };
}

test('given batches committed with their lines, when read back from any seq, then the same lines and fields come out', async (t) => {
  const store = new SqliteStore(join(dir(t), 'd'), GENESIS);
  const { events } = expected(300, 3);
  for (let i = 0; i < events.length; i += 97) {
    store.commitSync({ events: events.slice(i, i + 97), failed: [], position: String(i), clock: { price_ts: null }, summary: '{}' });
  }
  assert.deepEqual(await store.readEvents(1, Number.MAX_SAFE_INTEGER), events);
  for (const from of [1, 96, 97, 98, 250, events.length]) {
    assert.deepEqual(
      (await store.readLines(from, 150)).map((r) => r[1]),
      events.slice(from - 1, from - 1 + 150).map((e) => e.line),
      `from ${from}`,
    );
  }
  assert.deepEqual(await store.readEvents(events.length + 1, 10), []);
  const cmd = events[events.length - 1]!.cmd;
  assert.deepEqual(
    await store.eventsOf(cmd),
    events.filter((e) => e.cmd === cmd),
  );
  assert.deepEqual(await store.eventsOf('never-sent'), []);
  assert.equal((await store.lastCommitted()).hash, events[events.length - 1]!.hash);
  await store.close();
});

test('given heads committed through the store, then the store seals the same chain the engine thread would', async (t) => {
  const store = new SqliteStore(join(dir(t), 'd'), GENESIS);
  const { events } = expected(200, 4);
  const heads = events.map((e) => e.line.slice(0, e.line.indexOf(',"prev":"')));
  for (let i = 0; i < events.length; i += 50) {
    const part = events.slice(i, i + 50);
    const hash = await store.commitHeads({
      firstSeq: part[0]!.seq,
      count: part.length,
      heads: heads.slice(i, i + 50).join('\n'),
      cmds: part.map((e) => e.cmd),
      failed: [],
      position: String(i),
      clock: { price_ts: null },
      summary: '{}',
    });
    assert.equal(hash, part[part.length - 1]!.hash);
  }
  assert.deepEqual(
    (await store.readEvents(1, 1e9)).map((e) => e.line),
    events.map((e) => e.line),
  );
  // a commit that skips or repeats seqs never lands
  assert.throws(
    () =>
      store.commitHeadsSync({
        firstSeq: events.length + 2,
        count: 1,
        heads: heads[0]!,
        cmds: ['x'],
        failed: [],
        position: '9',
        clock: { price_ts: null },
        summary: '{}',
      }),
    /does not follow/,
  );
  assert.equal((await store.lastCommitted()).seq, events.length);
  await store.close();
});

test('given a workload, when the pipelined loop commits through the worker, then the log equals the engine-thread chain and verifies', async (t) => {
  const { events, raws } = expected(3000, 5);
  const store = new SqliteStore(join(dir(t), 'd'), GENESIS);
  for (let i = 1; i < raws.length; i += 1000) store.appendSync(raws.slice(i, i + 1000), 1_732_492_800_000 + i);
  // the same ts the reference used: one per position
  store.db.prepare('UPDATE inbox SET ts = ? + pos - 1').run(1_732_492_800_000);
  await store.startCommitWorker();
  const head = (await store.head())!;
  const rec = await recover(store);
  const loop = new EngineLoop(store, rec.state, rec.lastHash, rec.position, { ...DEFAULT_LOOP, batchMax: 173, idleMs: 0, log: silentLogger() });
  let waits = 0;
  loop.onBatch = (b) => {
    waits += b.waitMs === undefined ? 0 : 1;
    if ((loop as unknown as { position: string }).position === head) loop.stop();
  };
  await loop.run();
  assert.ok(waits > 0, 'the loop reports its waits on commits');
  assert.equal(loop.chain.last, events[events.length - 1]!.hash, 'the loop learns the sealed hash');
  const stored = await store.readEvents(1, 1e9);
  assert.equal(stored.length, events.length);
  assert.deepEqual(stored, events);
  for (const e of stored) assert.ok(checkLine(e.line).ok);
  const again = await recover(store, { fromScratch: true });
  assert.equal(again.lastHash, events[events.length - 1]!.hash);
  assert.equal(again.state.seq, events.length);
  assert.equal(again.path, 'events');
  // re-executing the input log reaches the same state and chain head
  await loop.snapshot('test');
  const ref = fastStateHash(again.state);
  for (const fromScratch of [true, false]) {
    const inputs = await recover(store, { path: 'inputs', fromScratch });
    assert.equal(inputs.path, 'inputs');
    assert.equal(fastStateHash(inputs.state), ref, `inputs path, from scratch: ${fromScratch}`);
    assert.equal(inputs.lastHash, again.lastHash);
    assert.equal(inputs.position, again.position);
  }
  // an input log that does not reach the committed seq is refused, not trusted
  store.setMeta('committed_seq', String(events.length + 1));
  await assert.rejects(recover(store, { path: 'inputs', fromScratch: true }), /re-executing the input log reaches seq/);
  store.setMeta('committed_seq', String(events.length));
  await store.close();
});

test('a damaged frame is refused with a clear error, never read as other lines', () => {
  const f = packFrame('a\nb\nc');
  assert.deepEqual(unpackFrame(f, 3, 1), ['a', 'b', 'c']);
  assert.throws(() => unpackFrame(f, 2, 1), CorruptFrameError);
  const bad = Buffer.from(f);
  bad[0] = 9;
  assert.throws(() => unpackFrame(bad, 3, 1), /unknown codec/);
  const cut = f.subarray(0, f.length - 2);
  assert.throws(() => unpackFrame(cut, 3, 1), CorruptFrameError);
  assert.equal(eventHead({ v: 1, seq: 1, ts: 2, cmd: 'c', type: 'T', data: {} } as never), '{"v":1,"seq":1,"ts":2,"cmd":"c","type":"T","data":{}');
  assert.equal(GENESIS_HASH.length, 64);
});
