// Regression (D251, D270): a snapshot image's transaction that never ends (the broker went away
// while it sent, and the client call never returned) held the producer's turn for good, so every
// later batch commit queued behind it and the engine stopped committing. The image's turn is now
// bounded: it is given up, the next commit initialises the transactional id again (which aborts
// the stuck transaction), and the image is stored by a later attempt. Runs the real KafkaBackend
// and loop over the simulation's in-process Kafka stand-in, with the fault injected in its client.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../src/infra/logger.js';
import { DEFAULT_LOOP, EngineLoop } from '../../src/runtime/loop.js';
import { recover } from '../../src/runtime/recover.js';
import { FakeKafka, type FakeClient } from '../../src/sim/fake-kafka.js';
import { KafkaBackend } from '../../src/store/kafka/backend.js';
import { DEFAULT_TOPICS, TOPIC_ROLES, type KafkaConfig } from '../../src/store/kafka/config.js';
import type { KafkaClients, KafkaProducer, KafkaTransaction } from '../../src/store/kafka/ports.js';
import type { SnapshotInfo } from '../../src/store/types.js';
import { workload } from '../../src/workload/commands.js';
import { capturedLogger } from '../helpers/log-capture.js';

const GENESIS = JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: { total_locked_value: 1e12, total_pool_share: 1e6 } });

/**
 * The fake client, except that the first `hangs.left` sends to the snapshot topic write their
 * records into the transaction and never return, and with `disconnects` a transactional producer's disconnect never does.
 */
function stuckImages(c: FakeClient, hangs: { left: number }, disconnects = false): KafkaClients {
  const tx = (t: KafkaTransaction): KafkaTransaction => ({
    send: async (req) => {
      if (req.topic !== DEFAULT_TOPICS.snapshots || hangs.left <= 0) return t.send(req);
      hangs.left--;
      await t.send(req);
      return new Promise(() => undefined);
    },
    sendBatch: (req) => t.sendBatch(req),
    sendOffsets: (req) => t.sendOffsets(req),
    commit: () => t.commit(),
    abort: () => t.abort(),
    isActive: () => t.isActive(),
  });
  const producer = (p: KafkaProducer, transactional: boolean): KafkaProducer => ({
    connect: () => p.connect(),
    disconnect: () => (disconnects && transactional ? new Promise(() => undefined) : p.disconnect()),
    send: (req) => p.send(req),
    transaction: async () => tx(await p.transaction()),
  });
  return { writer: { admin: () => c.admin(), producer: (o) => producer(c.producer(o), o.transactionalId !== undefined) }, reader: c };
}

test('given a snapshot transaction that never ends, when batches go on committing, then they do not wait for it for good and the image is stored by a later attempt', {
  timeout: 30_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-kimage-'));
  const k = new FakeKafka();
  k.clock = 1_732_492_800_000;
  k.createTopics(TOPIC_ROLES.map((r) => DEFAULT_TOPICS[r]));
  const cfg: KafkaConfig = { brokers: ['fake:9092'], topics: DEFAULT_TOPICS, transactionalId: 'm', groupId: 'm', clientId: 't', cacheDir: dir, client: null };
  const hangs = { left: 1 };
  const engine = await KafkaBackend.open(cfg, {
    log: silentLogger(),
    clients: stuckImages(k.client(), hangs),
    imageTxMs: 200,
    backoff: { initialMs: 10, maxMs: 50 },
  });
  t.after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await engine.startEngine(GENESIS);
  const raws = workload(2_000, 7);
  await engine.append(raws);
  const rec = await recover(engine, {});
  const loop = new EngineLoop(engine, rec.state, rec.lastHash, rec.position, { ...DEFAULT_LOOP, batchMax: 100, idleMs: 0, log: silentLogger() });

  // given: after the first batch, an image (as the worker hands one over) whose send never returns
  let image: Promise<SnapshotInfo> | null = null;
  let imageSeq = 0;
  loop.onBatch = () => {
    if (image === null) {
      imageSeq = loop.state.seq;
      const info = { seq: imageSeq, position: '0', created_ts: 0, state_hash: 'h', checksum: 'c', version: 1 };
      image = engine.saveSnapshot(info, Buffer.alloc(2_000_000, 7));
    }
    if (loop.commands >= raws.length + 1) loop.stop();
  };
  // when the loop works through the input
  await loop.run();

  // then every batch committed, behind the stuck image only for its bound
  assert.equal(hangs.left, 0, 'the image send hung');
  const st = await engine.lastState();
  assert.equal(st?.seq, loop.state.seq, 'the last batch is committed');
  // and the image is stored by the retry once, the stuck attempt aborted (never visible)
  const saved = await image!;
  const listed = await engine.listSnapshots();
  assert.deepEqual(
    listed.map((s) => s.seq),
    [imageSeq],
    'one image, from the retry',
  );
  assert.equal(listed[0]!.id, saved.id);
  assert.equal((await engine.loadSnapshot(saved.id)).length, 2_000_000);
});

test('given a transactional producer whose disconnect never returns, when a commit fails and the engine replaces the producer, then it does not wait for the old one for good', {
  timeout: 30_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-kdisc-'));
  const k = new FakeKafka();
  k.clock = 1_732_492_800_000;
  k.createTopics(TOPIC_ROLES.map((r) => DEFAULT_TOPICS[r]));
  const cfg: KafkaConfig = { brokers: ['fake:9092'], topics: DEFAULT_TOPICS, transactionalId: 'm', groupId: 'm', clientId: 't', cacheDir: dir, client: null };
  const client = k.client();
  const engine = await KafkaBackend.open(cfg, {
    log: silentLogger(),
    clients: stuckImages(client, { left: 0 }, true),
    disconnectWaitMs: 100,
    backoff: { initialMs: 10, maxMs: 50 },
  });
  t.after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await engine.startEngine(GENESIS);
  const raws = workload(600, 3);
  await engine.append(raws);
  const rec = await recover(engine, {});
  const loop = new EngineLoop(engine, rec.state, rec.lastHash, rec.position, { ...DEFAULT_LOOP, batchMax: 100, idleMs: 0, log: silentLogger() });
  // given: the third batch's commit request times out (the producer is then replaced)
  client.commitFault = 'fail';
  client.commitFaultAfter = 2;
  loop.onBatch = () => {
    if (loop.commands >= raws.length + 1) loop.stop();
  };
  // when the loop works through the input, then it gets to the end, every batch committed once
  await loop.run();
  assert.equal(client.commitFault, null, 'the fault struck');
  const st = await engine.lastState();
  assert.equal(st?.seq, loop.state.seq);
  assert.equal((await engine.readEvents(1, 1_000_000)).length, loop.state.seq, 'no event written twice or lost');
});

test('given clients whose teardown never returns, when the backend closes, then close ends at its limit and names each client it left behind (D310)', {
  timeout: 30_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-kclose-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const k = new FakeKafka();
  k.clock = 1_732_492_800_000;
  k.createTopics(TOPIC_ROLES.map((r) => DEFAULT_TOPICS[r]));
  const cfg: KafkaConfig = { brokers: ['fake:9092'], topics: DEFAULT_TOPICS, transactionalId: 'm', groupId: 'm', clientId: 't', cacheDir: dir, client: null };
  const { log, lines } = capturedLogger('warn');
  // given: the transactional producer's disconnect and the reader's close never return (a request
  // their socket will never answer); nothing else would keep the process alive meanwhile
  const clients = stuckImages(k.client(), { left: 0 }, true);
  const reader = clients.reader as FakeClient;
  reader.close = () => new Promise(() => undefined);
  const engine = await KafkaBackend.open(cfg, { log, clients, disconnectWaitMs: 100, backoff: { initialMs: 10, maxMs: 50 } });
  await engine.startEngine(GENESIS);
  await engine.append(workload(50, 5));
  // when it closes, then close returns (a drained event loop would have ended the test with it pending)
  await engine.close();
  const left = lines.map((l) => JSON.parse(l) as { msg: string; what: string }).filter((l) => l.msg.startsWith('kafka: a client did not close in time'));
  assert.deepEqual(left.map((l) => l.what).sort(), ['engine producer', 'reader']);
});
