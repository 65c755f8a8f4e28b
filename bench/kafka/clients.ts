// `relayer bench kafka`, the client comparison (D80): the same exactly-once engine run (append the
// workload, then the engine loop: read_committed fetch → decide/evolve → one transaction per batch
// with events, state record and the consumed offset) with the backend writing through kafkajs and
// through librdkafka (@confluentinc/kafka-javascript), against the same broker in the same process.
// The clients take turns round by round (ABBA…) so a noisy machine hits both alike; each figure is
// the median of the rounds, with the process CPU per 1000 commands as the less noise-prone one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/infra/logger.js';
import { DEFAULT_LOOP, EngineLoop } from '../../src/runtime/loop.js';
import { recover } from '../../src/runtime/recover.js';
import { KafkaBackend } from '../../src/store/kafka/backend.js';
import { createKafka } from '../../src/store/kafka/client.js';
import { confluentModule } from '../../src/store/kafka/confluent.js';
import { type KafkaClientKind, KAFKA_CLIENTS, kafkaConfig } from '../../src/store/kafka/config.js';
import { createTopics, deleteTopics } from '../../src/store/kafka/topics.js';
import { Reporter, result } from '../engine/report.js';
import { Latencies, runsOf } from '../engine/measure.js';
import { workload } from '../../src/workload/commands.js';

export interface KafkaClientsBenchOptions {
  quick: boolean;
  json: boolean;
  kafka?: string | undefined;
  /** Only these clients (profiling one alone); default both. */
  clients?: KafkaClientKind[];
  rounds?: number;
  commands?: number;
}

const GENESIS = JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: { total_locked_value: 1e12, total_pool_share: 1e6 } });
const round2 = (x: number): number => Math.round(x * 100) / 100;

interface Round {
  ops: number;
  submit: number;
  p50: number;
  p99: number;
  cpuPer1k: number;
}

/** One exactly-once run on fresh topics: `n` commands appended, then the engine until it has them all. */
async function oneRun(client: KafkaClientKind, brokers: string, n: number, batch: number): Promise<Round> {
  const prefix = `bench-clients-${client}-${process.pid}-${Date.now().toString(36)}-`;
  const dir = mkdtempSync(join(tmpdir(), 'relayer-bench-clients-'));
  const cfg = { ...kafkaConfig({ kafka: brokers, topicPrefix: prefix, snapshotCache: join(dir, 'snapshots') })!, client };
  const log = silentLogger();
  const admin = createKafka(cfg, log).admin();
  await admin.connect();
  try {
    await createTopics(admin, cfg.topics, { partitions: 1, replicationFactor: 1 });
    const store = await KafkaBackend.open(cfg, { log });
    try {
      await store.startEngine(GENESIS);
      const lines = workload(n, 99, 'c');
      const cpu0 = process.cpuUsage();
      const s0 = performance.now();
      for (let i = 0; i < lines.length; i += 5000) await store.append(lines.slice(i, i + 5000));
      const submitSecs = (performance.now() - s0) / 1000;
      const head = (await store.head())!;
      const rec = await recover(store);
      const loop = new EngineLoop(store, rec.state, rec.lastHash, rec.position, {
        ...DEFAULT_LOOP,
        batchMax: batch,
        idleMs: 20,
        snapshotEveryEvents: Number.MAX_SAFE_INTEGER,
        snapshotEveryMs: Number.MAX_SAFE_INTEGER,
        log,
      });
      const commits: number[] = [];
      loop.onBatch = (b) => {
        commits.push(b.commitMs);
        if ((loop as unknown as { position: string | null }).position === head) loop.stop();
      };
      const t0 = performance.now();
      await loop.run();
      const secs = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const [p50, p99] = Latencies.quantiles(Float64Array.from(commits), [0.5, 0.99]);
      return { ops: loop.commands / secs, submit: n / submitSecs, p50: p50!, p99: p99!, cpuPer1k: (cpu.user + cpu.system) / 1000 / (n / 1000) };
    } finally {
      await store.close();
    }
  } finally {
    await deleteTopics(admin, cfg.topics).catch(() => undefined);
    await admin.deleteGroups([cfg.groupId]).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchKafkaClients(opts: KafkaClientsBenchOptions): Promise<void> {
  const rep = new Reporter(opts.json);
  const brokers = opts.kafka ?? process.env['RELAYER_KAFKA_BROKERS'] ?? '127.0.0.1:9092';
  let clients: KafkaClientKind[] = [...(opts.clients ?? KAFKA_CLIENTS)];
  try {
    confluentModule();
  } catch (e) {
    // an optional native dependency: say so in the results rather than failing the suite
    rep.add(result('kafka.client.confluent', { available: false, reason: (e as Error).message, ops_per_s: 0 }, { metric: 'ops_per_s', op: '>=', value: 0 }));
    clients = clients.filter((c) => c !== 'confluent');
  }
  const n = opts.commands ?? (opts.quick ? 20_000 : 100_000);
  const rounds = opts.rounds ?? (opts.quick ? 2 : 3);
  const batch = 2000;
  rep.note(`kafka clients: ${clients.join(' vs ')}, ${rounds} rounds of ${n} commands, engine batches of ${batch}, broker ${brokers}`);
  const runs = new Map<KafkaClientKind, Round[]>(clients.map((c) => [c, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? clients : [...clients].reverse();
    for (const c of order) {
      runs.get(c)!.push(await oneRun(c, brokers, n, batch));
      rep.note(`kafka clients: round ${r + 1} ${c} done`);
    }
  }
  const medians = new Map<KafkaClientKind, number>();
  for (const c of clients) {
    const rs = runs.get(c)!;
    const ops = runsOf(rs.map((x) => x.ops));
    medians.set(c, ops.median);
    rep.add(
      result(
        `kafka.client.${c}`,
        {
          commands: n,
          rounds,
          ops_per_s: Math.round(ops.median),
          ops_spread_pct: Math.round(ops.spread_pct),
          submit_per_s: Math.round(runsOf(rs.map((x) => x.submit)).median),
          p50_commit_ms: round2(runsOf(rs.map((x) => x.p50)).median),
          p99_commit_ms: round2(runsOf(rs.map((x) => x.p99)).median),
          cpu_ms_per_1k_commands: round2(runsOf(rs.map((x) => x.cpuPer1k)).median),
        },
        { metric: 'ops_per_s', op: '>=', value: 1 },
      ),
    );
  }
  if (medians.has('confluent') && medians.has('kafkajs')) {
    const ratio = medians.get('confluent')! / medians.get('kafkajs')!;
    rep.add(
      result(
        'kafka.clients',
        { confluent_vs_kafkajs: round2(ratio), faster: ratio > 1 ? 'confluent' : 'kafkajs' },
        { metric: 'confluent_vs_kafkajs', op: '>=', value: 0 },
      ),
    );
  }
  rep.finish(`relayer bench kafka: clients side by side${opts.quick ? ' --quick' : ''} (broker ${brokers})`);
}
