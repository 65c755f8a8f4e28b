// Sealing Kafka frames in a worker thread (D271): the engine's thread hands over unsealed heads,
// the worker chains and compresses them; the stored records must be byte for byte the ones the
// engine's thread wrote before. Runs the real KafkaBackend and loop over the simulation's
// in-process Kafka stand-in, the same input twice: sealed on the engine's thread, then in the worker.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { silentLogger } from '../../src/infra/logger.js';
import { DEFAULT_LOOP, EngineLoop } from '../../src/runtime/loop.js';
import { recover } from '../../src/runtime/recover.js';
import { FakeKafka } from '../../src/sim/fake-kafka.js';
import { KafkaBackend } from '../../src/store/kafka/backend.js';
import { DEFAULT_TOPICS, TOPIC_ROLES, type KafkaConfig } from '../../src/store/kafka/config.js';
import { sealFrames } from '../../src/store/kafka/frame-seal.js';
import { frameMessages } from '../../src/store/kafka/records.js';
import { sealLine } from '../../src/store/event-line.js';
import { workload } from '../../src/workload/commands.js';

const GENESIS = JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: { total_locked_value: 1e12, total_pool_share: 1e6 } });

/** Runs the workload through an engine; returns every record of the event and state topics. */
async function run(worker: boolean, raws: string[]): Promise<{ events: string[]; state: string[]; hash: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-kframes-'));
  const k = new FakeKafka();
  k.clock = 1_732_492_800_000;
  k.createTopics(TOPIC_ROLES.map((r) => DEFAULT_TOPICS[r]));
  const cfg: KafkaConfig = { brokers: ['fake:9092'], topics: DEFAULT_TOPICS, transactionalId: 'm', groupId: 'm', clientId: 't', cacheDir: dir, client: null };
  const engine = await KafkaBackend.open(cfg, { log: silentLogger(), clients: k.client().clients(), now: () => k.clock });
  try {
    await engine.startEngine(GENESIS);
    await engine.append(raws);
    if (worker) await engine.startFrameWorker();
    const rec = await recover(engine, {});
    const loop = new EngineLoop(engine, rec.state, rec.lastHash, rec.position, { ...DEFAULT_LOOP, batchMax: 250, idleMs: 0, log: silentLogger() });
    loop.onBatch = () => {
      if (loop.commands >= raws.length + 1) loop.stop();
    };
    await loop.run();
    const all = (topic: string): string[] => k.fetch(topic, 0, 1 << 30).records.map((r) => `${r.key?.toString('hex') ?? ''}:${r.value?.toString('hex') ?? ''}`);
    return { events: all(DEFAULT_TOPICS.events), state: all(DEFAULT_TOPICS.state), hash: loop.chain.last };
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('given the same input, when an engine seals its frames in the worker, then the event and state topics are byte for byte those of sealing on its thread', async () => {
  const raws = workload(3_000, 17);
  const here = await run(false, raws);
  const off = await run(true, raws);
  assert.ok(here.events.length >= 12, `frames written: ${here.events.length}`);
  assert.equal(off.hash, here.hash, 'the chain head');
  assert.deepEqual(off.events, here.events, 'the event topic');
  assert.deepEqual(off.state, here.state, 'the state topic');
});

test('sealFrames packs the frames frameMessages packs from lines sealed one by one', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4_500 }), fc.integer({ min: 1, max: 1_000_000 }), (count, firstSeq) => {
      const heads = Array.from({ length: count }, (_, i) => `{"v":1,"seq":${firstSeq + i},"ts":${i},"cmd":"c${i % 7}","type":"T","data":{"i":${i}}`);
      let prev = 'ab'.repeat(32);
      const events = heads.map((h, i) => {
        const s = sealLine(h, prev);
        prev = s.hash;
        return { seq: firstSeq + i, ts: i, cmd: '', type: 'T', account: null, line: s.line, hash: s.hash };
      });
      const sealed = sealFrames({ prev: 'ab'.repeat(32), firstSeq, count, heads: heads.join('\n') });
      const want = frameMessages(events);
      assert.equal(sealed.lastHash, prev);
      assert.deepEqual(
        sealed.frames.map((f) => [f.key, Buffer.from(f.value).toString('hex')]),
        want.map((m) => [m.key, (m.value as Buffer).toString('hex')]),
      );
    }),
    { numRuns: 12 },
  );
});
