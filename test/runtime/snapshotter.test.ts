// Snapshots built off the engine thread (src/runtime/snapshotter.ts): the worker's replica,
// rebuilt from the previous snapshot and the committed events, must be the engine's own state at
// the boundary it was given, and recovery from those images must reach the live state.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { silentLogger } from '../../src/infra/logger.js';
import { DEFAULT_LOOP, EngineLoop, type LoopOptions } from '../../src/runtime/loop.js';
import { recover } from '../../src/runtime/recover.js';
import { decodeSnapshot, encodeStateLines } from '../../src/runtime/state-file.js';
import { Snapshotter, type SnapshotRequest, type SnapshotSaved, type SnapshotWriter } from '../../src/runtime/snapshotter.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { workload } from '../../src/workload/commands.js';

const GENESIS = JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: { total_locked_value: 1e12, total_pool_share: 1e6 } });
const T0 = 1_732_492_800_000;

function dataDir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'relayer-snapshotter-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return join(d, 'data');
}

interface Seen {
  req: SnapshotRequest;
  liveHash: string;
  saved: SnapshotSaved | null;
}

/** Passes requests to the real writer, noting the engine's own state hash at each boundary. */
class Witness implements SnapshotWriter {
  readonly seen: Seen[] = [];
  loop: EngineLoop | null = null;
  constructor(private readonly inner: SnapshotWriter) {}
  async save(req: SnapshotRequest): Promise<SnapshotSaved> {
    const entry: Seen = { req, liveHash: encodeStateLines(this.loop!.state).state_hash, saved: null };
    this.seen.push(entry);
    entry.saved = await this.inner.save(req);
    return entry.saved;
  }
}

/** A data directory whose inbox holds genesis + `raws`, ready for a loop. */
async function openWith(dir: string, raws: string[]): Promise<SqliteStore> {
  const store = new SqliteStore(dir, GENESIS);
  raws.forEach((raw, i) => {
    store.appendSync([raw], T0 + i);
  });
  await store.startCommitWorker();
  return store;
}

/** A loop over the store's recovered state, with test-sized batches. */
async function loopOn(store: SqliteStore, o: Partial<LoopOptions>): Promise<EngineLoop> {
  const rec = await recover(store, {});
  return new EngineLoop(store, rec.state, rec.lastHash, rec.position, { ...DEFAULT_LOOP, batchMax: 50, idleMs: 0, log: silentLogger(), ...o });
}

async function runAll(store: SqliteStore, writer: SnapshotWriter | undefined, everyEvents: number, total: number): Promise<EngineLoop> {
  const loop = await loopOn(store, { batchMax: 100, snapshotEveryEvents: everyEvents, ...(writer === undefined ? {} : { snapshotter: writer }) });
  if (writer instanceof Witness) writer.loop = loop;
  loop.onBatch = () => {
    if (loop.commands >= total) loop.stop();
  };
  await loop.run();
  return loop;
}

test('given a loop with a snapshot writer, when snapshots fall due as it runs, then each image is the engine state at its boundary and recovery reaches the live state', async (t) => {
  const dir = dataDir(t);
  const raws = workload(3_000, 11);
  const store = await openWith(dir, raws);
  const snapshotter = new Snapshotter(dir);
  const witness = new Witness(snapshotter);
  const loop = await runAll(store, witness, 1_000, raws.length + 1);
  await snapshotter.close();

  assert.ok(witness.seen.length >= 1, `snapshots taken: ${witness.seen.length}`);
  for (const s of witness.seen) {
    const saved = s.saved!;
    assert.equal(saved.info.seq, s.req.seq);
    assert.equal(saved.info.state_hash, s.liveHash, `state at seq ${s.req.seq}`);
    assert.equal(saved.info.position, s.req.position);
    assert.ok(saved.replayed > 0, 'the replica advanced by evolving committed events');
  }
  const listed = await store.listSnapshots();
  assert.equal(listed.length, Math.min(witness.seen.length, DEFAULT_LOOP.keepSnapshots));
  const newest = decodeSnapshot(await store.loadSnapshot(listed[0]!.id));
  assert.equal(newest.meta.last_hash, witness.seen.at(-1)!.req.last_hash);
  assert.equal(newest.state.price_ts, witness.seen.at(-1)!.req.price_ts);

  const live = encodeStateLines(loop.state).state_hash;
  const again = await recover(store, {});
  assert.equal(again.snapshot?.id, listed[0]!.id, "recovery starts from the worker's newest image");
  assert.equal(encodeStateLines(again.state).state_hash, live);
  assert.equal(again.lastHash, loop.chain.last);
  await store.close();
});

test('given a committed log, when boundaries are asked for in any order, then the replica advances from the newest image, and a boundary the log does not hold is refused', async (t) => {
  const dir = dataDir(t);
  const raws = workload(600, 3);
  const store = await openWith(dir, raws);
  const loop = await runAll(store, undefined, Number.MAX_SAFE_INTEGER, raws.length + 1);
  const head = loop.state.seq;
  const mid = Math.floor(head / 2);
  const midHash = (await store.readEvents(mid, 1))[0]!.hash;
  const snapshotter = new Snapshotter(dir);
  t.after(() => snapshotter.close());
  const at = (seq: number, last_hash: string): SnapshotRequest => ({
    seq,
    last_hash,
    position: null,
    created_ts: loop.state.last_ts,
    price_ts: loop.state.price_ts,
    keep: 5,
  });

  const first = await snapshotter.save(at(mid, midHash));
  assert.equal(first.replayed, mid, 'no image yet: the replica evolves the log from seq 1');
  const second = await snapshotter.save(at(head, loop.chain.last));
  assert.equal(second.replayed, head - mid, 'the replica goes on from where it stood');
  assert.equal(second.info.state_hash, encodeStateLines(loop.state).state_hash);

  await assert.rejects(
    snapshotter.save(at(head, 'f'.repeat(64))),
    /snapshot replica reached seq \d+ hash [0-9a-f]{12}…, the engine committed seq \d+ hash ffffffffffff…/,
  );
  const back = await snapshotter.save(at(mid, midHash));
  assert.equal(back.replayed, 0, 'a replica that was dropped starts again from the newest image at or below the boundary');
  assert.equal(back.info.state_hash, first.info.state_hash);
  await store.close();
});

/** A writer whose images finish only when the test says so, or fail. */
class GatedWriter implements SnapshotWriter {
  readonly asked: SnapshotRequest[] = [];
  private gates: { resolve: (s: SnapshotSaved) => void; reject: (e: Error) => void; req: SnapshotRequest }[] = [];
  save(req: SnapshotRequest): Promise<SnapshotSaved> {
    this.asked.push(req);
    return new Promise((resolve, reject) => {
      this.gates.push({ resolve, reject, req });
    });
  }
  release(): void {
    const g = this.gates.shift()!;
    g.resolve({
      info: {
        id: String(this.asked.length),
        seq: g.req.seq,
        position: g.req.position,
        created_ts: g.req.created_ts,
        state_hash: '',
        checksum: '',
        version: 2,
        size: 0,
      },
      pruned: 0,
      replayed: 0,
      ms: 0,
    });
  }
  fail(): void {
    this.gates.shift()!.reject(new Error('disk on fire'));
  }
  get waiting(): number {
    return this.gates.length;
  }
}

test('given the writer still busy with an image, when the next falls due, then the engine keeps deciding and takes that snapshot at the first boundary after the writer is done', async (t) => {
  const dir = dataDir(t);
  const raws = workload(2_000, 8);
  const store = await openWith(dir, raws);
  const writer = new GatedWriter();
  const loop = await loopOn(store, { snapshotEveryEvents: 200, snapshotter: writer });
  let released = false;
  loop.onBatch = () => {
    // hold the first image for many batches, then let it finish
    if (!released && writer.asked.length > 0 && loop.state.seq > writer.asked[0]!.seq + 2_000) {
      released = true;
      writer.release();
    }
    if (released && writer.waiting > 0) writer.release();
    if (loop.commands >= raws.length + 1) loop.stop();
  };
  const done = loop.run();
  await done;
  assert.ok(writer.asked.length >= 2, `images asked: ${writer.asked.length}`);
  // while the first was held, no second was asked for, yet the loop went on committing batches
  assert.ok(writer.asked[1]!.seq > writer.asked[0]!.seq + 2_000, `second boundary ${writer.asked[1]!.seq}, first ${writer.asked[0]!.seq}`);
  assert.equal(loop.commands, raws.length + 1);
  await store.close();
});

test('given a writer that fails, when the loop goes on, then the engine keeps running and takes the next snapshots itself', async (t) => {
  const dir = dataDir(t);
  const raws = workload(1_500, 9);
  const store = await openWith(dir, raws);
  const writer = new GatedWriter();
  const errors: string[] = [];
  const log = {
    ...silentLogger(),
    error: (o: { err?: string }, msg: string) => {
      errors.push(`${msg}: ${o.err}`);
    },
  } as unknown as ReturnType<typeof silentLogger>;
  const loop = await loopOn(store, { snapshotEveryEvents: 300, log, snapshotter: writer });
  loop.onBatch = () => {
    if (writer.waiting > 0) writer.fail();
    if (loop.commands >= raws.length + 1) loop.stop();
  };
  await loop.run();
  assert.equal(writer.asked.length, 1, 'after its failure the writer is not asked again');
  assert.deepEqual(errors, ['snapshot writer failed; the engine thread takes snapshots from now on: disk on fire']);
  const images = await store.listSnapshots();
  assert.ok(images.length >= 1, 'the engine thread stored the later snapshots');
  assert.ok(images.every((i) => i.seq > writer.asked[0]!.seq));
  const again = await recover(store, {});
  assert.equal(encodeStateLines(again.state).state_hash, encodeStateLines(loop.state).state_hash);
  await store.close();
});
