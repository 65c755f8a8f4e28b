// Kafka snapshots off the engine thread (D221): a replica over its own clients builds each image
// from the committed log, and the engine's backend stores it with its own transactional producer,
// in turn with the batch commits. Runs the real KafkaBackend and loop over the simulation's
// in-process Kafka stand-in; the worker thread's plumbing is the same on the real broker
// (test/e2e/kafka-snapshots.test.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { silentLogger, type Logger } from '../../src/infra/logger.js';
import { DEFAULT_LOOP, EngineLoop } from '../../src/runtime/loop.js';
import { recover } from '../../src/runtime/recover.js';
import { SnapshotReplica, storeImage } from '../../src/runtime/snapshot-replica.js';
import { decodeSnapshot, encodeStateLines } from '../../src/runtime/state-file.js';
import type { SnapshotRequest, SnapshotSaved, SnapshotWriter } from '../../src/runtime/snapshotter.js';
import { FakeKafka } from '../../src/sim/fake-kafka.js';
import { KafkaBackend } from '../../src/store/kafka/backend.js';
import { DEFAULT_TOPICS, TOPIC_ROLES, type KafkaConfig } from '../../src/store/kafka/config.js';
import type { CommitBatch } from '../../src/store/types.js';
import { workload } from '../../src/workload/commands.js';

const GENESIS = JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: { total_locked_value: 1e12, total_pool_share: 1e6 } });

/** A logger that keeps warnings and errors. */
function noting(): { log: Logger; seen: string[] } {
  const seen: string[] = [];
  const keep =
    (level: string) =>
    (o: { err?: string; snapshot?: string }, msg: string): void => {
      seen.push(`${level} ${msg} ${o.err ?? ''}`);
    };
  return { log: { ...silentLogger(), warn: keep('warn'), error: keep('error') } as unknown as Logger, seen };
}

async function world(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-ksnapw-'));
  const k = new FakeKafka();
  k.clock = 1_732_492_800_000;
  k.createTopics(TOPIC_ROLES.map((r) => DEFAULT_TOPICS[r]));
  const cfg: KafkaConfig = { brokers: ['fake:9092'], topics: DEFAULT_TOPICS, transactionalId: 'm', groupId: 'm', clientId: 't', cacheDir: dir, client: null };
  const opened: KafkaBackend[] = [];
  const open = async (name: string, log: Logger = silentLogger()): Promise<KafkaBackend> => {
    const b = await KafkaBackend.open({ ...cfg, cacheDir: join(dir, name) }, { log, clients: k.client().clients() });
    opened.push(b);
    return b;
  };
  t.after(async () => {
    for (const b of opened) await b.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { k, open };
}

/**
 * The worker's part in-process: the replica reads through its own backend; the image is stored by
 * the engine's backend at the start of the engine's next commit, so a batch transaction is open.
 */
class InProcessWriter implements SnapshotWriter {
  readonly seen: { req: SnapshotRequest; liveHash: string; imageHash: string }[] = [];
  loop: EngineLoop | null = null;
  private atNextCommit: (() => void) | null = null;
  private readonly replica: SnapshotReplica;

  constructor(
    reader: KafkaBackend,
    private readonly engine: KafkaBackend,
  ) {
    this.replica = new SnapshotReplica(reader);
    const commit = engine.commit.bind(engine);
    engine.commit = (b: CommitBatch) => {
      const p = commit(b);
      const f = this.atNextCommit;
      this.atNextCommit = null;
      f?.();
      return p;
    };
  }

  async save(req: SnapshotRequest): Promise<SnapshotSaved> {
    const liveHash = encodeStateLines(this.loop!.state).state_hash;
    const { image, replayed } = await this.replica.build(req);
    this.seen.push({ req, liveHash, imageHash: image.info.state_hash });
    // (the loop's last batch has no next commit)
    if (!this.loop!.stopRequested)
      await new Promise<void>((resolve) => {
        this.atNextCommit = resolve;
      });
    const { info, pruned } = await storeImage(this.engine, image, req.keep);
    return { info, pruned, replayed, ms: 0 };
  }
}

test('given a Kafka engine whose snapshots a replica builds, when they fall due while batches commit, then each image is the engine state at its boundary, stored by the engine between its commits', async (t) => {
  const w = await world(t);
  const noted = noting();
  const engine = await w.open('engine', noted.log);
  await engine.startEngine(GENESIS);
  const raws = workload(3_000, 11);
  for (let i = 0; i < raws.length; i += 500) {
    w.k.clock += 1000;
    await engine.append(raws.slice(i, i + 500));
  }
  const rec = await recover(engine, {});
  const writer = new InProcessWriter(await w.open('replica'), engine);
  const loop = new EngineLoop(engine, rec.state, rec.lastHash, rec.position, {
    ...DEFAULT_LOOP,
    batchMax: 100,
    idleMs: 0,
    snapshotEveryEvents: 1_000,
    snapshotter: writer,
    log: noted.log,
  });
  writer.loop = loop;
  loop.onBatch = () => {
    if (loop.commands >= raws.length + 1) loop.stop();
  };
  await loop.run();

  assert.ok(writer.seen.length >= 2, `snapshots built: ${writer.seen.length}`);
  for (const s of writer.seen) assert.equal(s.imageHash, s.liveHash, `the image at seq ${s.req.seq} is the engine's state there`);
  assert.deepEqual(noted.seen, [], 'no transaction overlapped another (no retry, no writer failure)');
  const listed = await engine.listSnapshots();
  assert.equal(listed[0]!.seq, writer.seen[writer.seen.length - 1]!.req.seq, 'the newest image is stored');

  // a reader on another machine recovers from it and reaches the live state
  const other = await w.open('other');
  const again = await recover(other, {});
  assert.equal(again.snapshot?.id, listed[0]!.id);
  assert.equal(encodeStateLines(again.state).state_hash, encodeStateLines(loop.state).state_hash);
  const { meta } = decodeSnapshot(await other.loadSnapshot(listed[0]!.id));
  assert.equal(meta.seq, listed[0]!.seq, 'snapshot inspect decodes it');
});

test('given a corrupted newest Kafka snapshot, when an engine recovers, then it warns and falls back to the older image', async (t) => {
  const w = await world(t);
  const engine = await w.open('engine');
  await engine.startEngine(GENESIS);
  const raws = workload(1_500, 5);
  await engine.append(raws);
  const rec = await recover(engine, {});
  const writer = new InProcessWriter(await w.open('replica'), engine);
  const loop = new EngineLoop(engine, rec.state, rec.lastHash, rec.position, {
    ...DEFAULT_LOOP,
    batchMax: 100,
    idleMs: 0,
    snapshotEveryEvents: 1_000,
    snapshotter: writer,
    log: silentLogger(),
  });
  writer.loop = loop;
  loop.onBatch = () => {
    if (loop.commands >= raws.length + 1) loop.stop();
  };
  await loop.run();
  const good = await engine.listSnapshots();
  assert.ok(good.length >= 1);
  // the newest image, one byte flipped in its body (its catalogue entry still says its size and seq)
  const bytes = Buffer.from(await engine.loadSnapshot(good[0]!.id));
  const at = bytes.length - 5;
  bytes[at] = bytes[at]! ^ 0xff;
  const { id: _id, size: _size, ...info } = good[0]!;
  const bad = await engine.saveSnapshot({ ...info, seq: loop.state.seq }, bytes);

  const noted = noting();
  const other = await w.open('other');
  const again = await recover(other, { log: noted.log });
  assert.equal(again.snapshot?.id, good[0]!.id, 'the older image was used');
  assert.ok(
    noted.seen.some((s) => s.startsWith('warn snapshot is invalid')),
    `a warning names the bad image ${bad.id}: ${noted.seen.join('; ')}`,
  );
  assert.equal(encodeStateLines(again.state).state_hash, encodeStateLines(loop.state).state_hash);
});

test('given a boundary whose commit is not readable yet (transaction markers still on their way), when the replica builds it, then it waits for the events instead of failing', async (t) => {
  const w = await world(t);
  const engine = await w.open('engine');
  await engine.startEngine(GENESIS);
  await engine.append(workload(400, 3));
  const rec = await recover(engine, {});
  const loop = new EngineLoop(engine, rec.state, rec.lastHash, rec.position, { ...DEFAULT_LOOP, batchMax: 100, idleMs: 0, log: silentLogger() });
  loop.onBatch = () => {
    if (loop.commands >= 401) loop.stop();
  };
  await loop.run();
  // given a reader that sees the log only up to a seq that moves forward as it keeps reading
  const reader = await w.open('replica');
  const total = loop.state.seq;
  let visible = Math.floor(total / 3);
  const readEvents = reader.readEvents.bind(reader);
  reader.readEvents = async (from, max) => {
    const rows = (await readEvents(from, max)).filter((e) => e.seq <= visible);
    if (rows.length === 0) visible = Math.min(total, visible + 50); // the markers arrive while it waits
    return rows;
  };
  const replica = new SnapshotReplica(reader);
  // a first image at the first third (readable), then the boundary at the head (not yet)
  const first = Math.floor(total / 3);
  const firstHash = (await readEvents(first, 1))[0]!.hash;
  await replica.build({ seq: first, last_hash: firstHash, position: null, created_ts: 0, price_ts: null, keep: 5 });
  assert.ok(visible < total, 'the head is not readable yet');
  const { image } = await replica.build({ seq: total, last_hash: loop.chain.last, position: null, created_ts: 0, price_ts: loop.state.price_ts, keep: 5 });
  assert.equal(image.info.seq, total);
  assert.equal(image.info.state_hash, encodeStateLines(loop.state).state_hash);
});
