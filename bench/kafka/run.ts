// `relayer bench kafka`: exactly-once commands/s through the real engine loop on the Kafka backend
// (read_committed consume → decide/evolve → one transaction per batch with events, state record
// and the consumed offset), and, in the same run against the same broker, a plain kafkajs
// producer (acks=all, no transactions) sending the same event records, the same number, in the
// same batches: the same compressed frame records. The ratio says what exactly-once and the engine cost on top of bare produce.
import type { Message } from 'kafkajs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/infra/logger.js';
import { DEFAULT_LOOP, EngineLoop } from '../../src/runtime/loop.js';
import { recover } from '../../src/runtime/recover.js';
import { KafkaBackend } from '../../src/store/kafka/backend.js';
import { createKafka } from '../../src/store/kafka/client.js';
import { kafkaConfig } from '../../src/store/kafka/config.js';
import { frameMessages, split } from '../../src/store/kafka/records.js';
import { TOPIC_CONFIGS, createTopics, deleteTopics } from '../../src/store/kafka/topics.js';
import type { CommitBatch, HeadBatch, StoredEvent } from '../../src/store/types.js';
import { Reporter, result } from '../engine/report.js';
import { Latencies } from '../engine/measure.js';
import { workload } from '../../src/workload/commands.js';
import { snapshotPauses } from './snapshots.js';
import { profiled } from './window-profile.js';

export interface KafkaBenchOptions {
  quick: boolean;
  json: boolean;
  kafka?: string | undefined;
}

const GENESIS = JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: { total_locked_value: 1e12, total_pool_share: 1e6 } });
const round2 = (x: number): number => Math.round(x * 100) / 100;

export async function benchKafka(opts: KafkaBenchOptions): Promise<void> {
  const rep = new Reporter(opts.json);
  const brokers = opts.kafka ?? process.env['RELAYER_KAFKA_BROKERS'] ?? '127.0.0.1:9092';
  const prefix = `bench-${process.pid}-${Date.now().toString(36)}-`;
  const dir = mkdtempSync(join(tmpdir(), 'relayer-bench-kafka-'));
  const cfg = kafkaConfig({ kafka: brokers, topicPrefix: prefix, snapshotCache: join(dir, 'snapshots') })!;
  const log = silentLogger();
  const kafka = createKafka(cfg, log);
  const admin = kafka.admin();
  await admin.connect();
  const rawTopic = `${prefix}raw-producer`;
  try {
    await createTopics(admin, cfg.topics, { partitions: 1, replicationFactor: 1 });
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: rawTopic,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: Object.entries(TOPIC_CONFIGS.events).map(([name, value]) => ({ name, value })),
        },
      ],
    });
    const n = opts.quick ? 40_000 : 200_000;
    const batch = 2000;
    rep.note(`kafka: ${n} commands, engine batches of ${batch}, broker ${brokers}`);

    // the engine takes the transactional id and writes genesis first, then the commands go in
    const store = await KafkaBackend.open(cfg, { log });
    await store.startEngine(GENESIS);
    const lines = workload(n, 99, 'b');
    const s0 = performance.now();
    for (let i = 0; i < lines.length; i += 5000) await store.append(lines.slice(i, i + 5000));
    const submitSecs = (performance.now() - s0) / 1000;
    const head = (await store.head())!;
    rep.note(`kafka: submitted in ${submitSecs.toFixed(1)} s`);

    // the engine seals its frames in a worker (D271); RELAYER_BENCH_FRAME_WORKER=0 measures sealing on its thread
    const frameWorker = process.env['RELAYER_BENCH_FRAME_WORKER'] !== '0';
    if (frameWorker) await store.startFrameWorker();
    rep.note(`kafka: frames sealed ${frameWorker ? 'in the frame worker' : 'on the engine thread'}`);
    const rec = await recover(store);
    const loop = new EngineLoop(store, rec.state, rec.lastHash, rec.position, {
      ...DEFAULT_LOOP,
      batchMax: batch,
      idleMs: 20,
      snapshotEveryEvents: Number.MAX_SAFE_INTEGER,
      snapshotEveryMs: Number.MAX_SAFE_INTEGER,
      log,
    });
    // keep each commit's events to replay them through the plain producer afterwards
    const batches: StoredEvent[][] = [];
    const commit = store.commit.bind(store);
    store.commit = async (b: CommitBatch) => {
      await commit(b);
      batches.push(b.events);
    };
    // sealed in the worker: the spans now, their events read back after the timing
    const spans: [number, number][] = [];
    const commitHeads = store.commitHeads;
    if (commitHeads !== undefined) {
      store.commitHeads = async (b: HeadBatch) => {
        const h = await commitHeads(b);
        spans.push([b.firstSeq, b.count]);
        return h;
      };
    }
    const commits: number[] = [];
    const waits: number[] = [];
    loop.onBatch = (b) => {
      commits.push(b.commitMs);
      waits.push(b.waitMs ?? b.commitMs);
      if (positionOf(loop) === head) loop.stop();
    };
    const t0 = performance.now();
    const elu0 = performance.eventLoopUtilization();
    await profiled(process.env['RELAYER_BENCH_PROFILE'], () => loop.run());
    // the engine thread's busy time (its event loop not idle), whatever the other threads do
    const busyMs = performance.eventLoopUtilization(elu0).active;
    const secs = (performance.now() - t0) / 1000;
    for (const [first, count] of spans) batches.push(count === 0 ? [] : await store.readEvents(first, count));
    const commitP99 = Latencies.quantiles(Float64Array.from(commits), [0.99])[0]!;
    const commitP50 = Latencies.quantiles(Float64Array.from(commits), [0.5])[0]!;
    const eosEvents = loop.events / secs;
    const commitSecs = commits.reduce((a, b) => a + b, 0) / 1000;
    rep.add(
      result(
        'kafka.eos',
        {
          commands: loop.commands,
          events: loop.events,
          ops_per_s: Math.round(loop.commands / secs),
          events_per_s: Math.round(eosEvents),
          batches: commits.length,
          p50_commit_ms: round2(commitP50),
          p99_commit_ms: round2(commitP99),
          // where the time goes: the transactions vs. reading and deciding
          commit_share: round2(commitSecs / secs),
          // the engine thread's wait for the previous commit before handing over a batch (overlap: less than the commit)
          engine_busy_us_per_command: round2((busyMs * 1000) / Math.max(1, loop.commands)),
          wait_ms_per_batch: round2(waits.reduce((a, x) => a + x, 0) / Math.max(1, waits.length)),
          submit_per_s: Math.round(n / submitSecs),
          // submit, then engine, one after the other: commands/s from the first submit to the last commit
          submit_to_commit_ops_per_s: Math.round(n / (submitSecs + secs)),
        },
        { metric: 'ops_per_s', op: '>=', value: 50_000 },
      ),
    );
    await store.close();

    // the same records through a plain producer: acks=all, same batches, same request cut
    const producer = kafka.producer({ createPartitioner: () => () => 0, allowAutoTopicCreation: false });
    await producer.connect();
    // the same frame records (packed once, outside the timing, as the loop's bytes were)
    const nonEmpty = batches.filter((b) => b.length > 0);
    const groups: Message[][] = nonEmpty.map((b) => frameMessages(b));
    const r0 = performance.now();
    let sent = 0;
    for (let i = 0; i < groups.length; i++) {
      for (const part of split(groups[i]!, 900 * 1024)) await producer.send({ topic: rawTopic, acks: -1, messages: part });
      sent += nonEmpty[i]!.length;
    }
    const frameBytes = groups.flat().reduce((a, m) => a + (m.value as Buffer).length, 0);
    const rawSecs = (performance.now() - r0) / 1000;
    await producer.disconnect();
    const raw = sent / rawSecs;
    rep.add(
      result(
        'kafka.raw_producer',
        {
          events: sent,
          frame_bytes_per_event: round2(frameBytes / Math.max(1, sent)),
          batches: groups.length,
          batch_records: Math.round(sent / Math.max(1, groups.length)),
          records_per_s: Math.round(raw),
          ratio: round2(eosEvents / raw),
        },
        { metric: 'ratio', op: '>=', value: 0.7 },
      ),
    );

    // a snapshot's cost to the engine thread, before (engine encodes) → after (worker, D221)
    const orders = opts.quick ? 40_000 : 200_000;
    rep.note(`kafka.snapshot_worker: ${orders} resting orders through the loop, an image every ${orders / 2} events; engine thread vs worker`);
    const before = await snapshotPauses(admin, brokers, `${prefix}snap-e-`, dir, orders, false);
    const after = await snapshotPauses(admin, brokers, `${prefix}snap-w-`, dir, orders, true);
    rep.add(
      result(
        'kafka.snapshot_worker',
        {
          orders,
          images: after.images,
          bytes: after.bytes,
          engine_pause_ms: round2(after.pauseMs),
          engine_pause_ms_engine_thread: round2(before.pauseMs),
          snapshot_ms: Math.round(after.totalMs),
          // the engine thread's longest and median wait for a commit, over the run (the images go in turn with the commits)
          max_commit_wait_ms: round2(after.maxCommitWaitMs),
          max_commit_wait_ms_engine_thread: round2(before.maxCommitWaitMs),
          median_commit_wait_ms: round2(after.medianCommitWaitMs),
          median_commit_wait_ms_engine_thread: round2(before.medianCommitWaitMs),
        },
        { metric: 'engine_pause_ms', op: '<=', value: 10 },
      ),
    );
    rep.finish(`relayer bench kafka${opts.quick ? ' --quick' : ''} (broker ${brokers})`);
  } finally {
    await deleteTopics(admin, cfg.topics).catch(() => undefined);
    await admin.deleteTopics({ topics: [rawTopic] }).catch(() => undefined);
    await admin.deleteGroups([cfg.groupId]).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

function positionOf(loop: EngineLoop): string | null {
  return (loop as unknown as { position: string | null }).position;
}
