// `relayer bench scale`: does a second market on a second core add throughput? Committed
// commands/s over Kafka with one market's engine in one process, then two markets' engines in two
// processes at once, in the same run against the same broker. Each engine is a real
// `relayer run --kafka` child process; its input is on the broker before it starts, so the figure
// is the engine loop (read_committed fetch, decide, one transaction per batch), not the submitter.
// A market is its own set of topics and its own transactional id (D163); the bench gives each
// engine its own topic prefix, which is that layout without needing a market registry (D191).
// Then the gateway pass (gateway.ts): one `relayer api` routing to two markets' engines.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/infra/logger.js';
import { NODE_FLAGS } from '../../src/infra/node-flags.js';
import { KafkaBackend } from '../../src/store/kafka/backend.js';
import { createKafka } from '../../src/store/kafka/client.js';
import { kafkaConfig, type KafkaConfig } from '../../src/store/kafka/config.js';
import { createTopics, deleteTopics } from '../../src/store/kafka/topics.js';
import { workload } from '../../src/workload/commands.js';
import { Reporter, result } from '../engine/report.js';
import { gatewayPass, gatewayPassMissing } from './gateway.js';

export interface ScaleBenchOptions {
  quick: boolean;
  json: boolean;
  kafka?: string | undefined;
}

const GENESIS = JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: { total_locked_value: 1e12, total_pool_share: 1e6 } });
const POLL_MS = 100;
const round2 = (x: number): number => Math.round(x * 100) / 100;

/** One engine's input and topics: a market as D163 lays it out (own topics, own transactional id). */
interface Lane {
  name: string;
  prefix: string;
  cfg: KafkaConfig;
  data: string;
  head: number;
  reader: KafkaBackend;
}

/** When a lane's engine committed past genesis first and when it had committed its whole input. */
interface Run {
  firstMs: number;
  firstPos: number;
  doneMs: number;
  donePos: number;
}

export async function benchScale(opts: ScaleBenchOptions): Promise<void> {
  const rep = new Reporter(opts.json);
  const brokers = opts.kafka ?? process.env['RELAYER_KAFKA_BROKERS'] ?? '127.0.0.1:9092';
  const stamp = `${process.pid}-${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), 'relayer-bench-scale-'));
  const log = silentLogger();
  const n = opts.quick ? 60_000 : 300_000;
  const lanes: Lane[] = [];
  const load0 = loadavg()[0]!;
  const gwPrefix = `bench-scale-${stamp}-gw-`;
  try {
    const lane = async (name: string, seed: number): Promise<Lane> => {
      const data = join(dir, name);
      const prefix = `bench-scale-${stamp}-${name}-`;
      const cfg = kafkaConfig({ kafka: brokers, topicPrefix: prefix, data })!;
      const admin = createKafka(cfg, log).admin();
      await admin.connect();
      try {
        await createTopics(admin, cfg.topics, { partitions: 1, replicationFactor: 1 });
      } finally {
        await admin.disconnect();
      }
      const reader = await KafkaBackend.open(cfg, { log });
      // genesis first (so the engine does not write its own), then the whole input, before any engine runs
      await reader.append([GENESIS]);
      const lines = workload(n, seed, name);
      for (let i = 0; i < lines.length; i += 5000) await reader.append(lines.slice(i, i + 5000));
      const l: Lane = { name, prefix, cfg, data, head: Number(await reader.head()), reader };
      lanes.push(l);
      return l;
    };
    rep.note(`scale: ${n} commands per market, ${cpus().length} cores, broker ${brokers}`);
    const one = await lane('m1', 11);
    const a = await lane('m2a', 12);
    const b = await lane('m2b', 13);
    rep.note('scale: input on the broker; one market in one process');

    const [solo] = await runEngines([one], rep);
    const soloOps = (solo!.donePos - solo!.firstPos) / ((solo!.doneMs - solo!.firstMs) / 1000);
    rep.add(
      result(
        'scale.one_market',
        {
          processes: 1,
          commands: n,
          ops_per_s: Math.round(soloOps),
          secs: round2((solo!.doneMs - solo!.firstMs) / 1000),
        },
        { metric: 'ops_per_s', op: '>=', value: 10_000 },
      ),
    );

    rep.note('scale: two markets in two processes');
    const pair = await runEngines([a, b], rep);
    // aggregate over the window from the first engine's first commit to the last engine's last
    const start = Math.min(...pair.map((r) => r.firstMs));
    const end = Math.max(...pair.map((r) => r.doneMs));
    const committed = pair.reduce((s, r) => s + (r.donePos - r.firstPos), 0);
    const aggregate = committed / ((end - start) / 1000);
    const per = pair.map((r) => Math.round((r.donePos - r.firstPos) / ((r.doneMs - r.firstMs) / 1000)));
    rep.add(
      result(
        'scale.two_markets',
        {
          processes: 2,
          commands: 2 * n,
          ops_per_s: Math.round(aggregate),
          market_a_ops_per_s: per[0]!,
          market_b_ops_per_s: per[1]!,
          secs: round2((end - start) / 1000),
          ratio: round2(aggregate / soloOps),
          cores: cpus().length,
          load_before: round2(load0),
          load_after: round2(loadavg()[0]!),
        },
        { metric: 'ratio', op: '>=', value: 1.6 },
      ),
    );
    // the gateway routing both markets (`relayer api --kafka`, the `market` param) into two engines
    const missing = gatewayPassMissing();
    if (missing !== null) {
      process.stderr.write(`relayer bench scale: scale.gateway not measured: ${missing}\n`);
    } else {
      rep.note('scale: two markets through one gateway');
      const g = await gatewayPass(brokers, gwPrefix, dir, opts.quick ? 5 : 10);
      rep.add(result('scale.gateway', g, { metric: 'ops_per_s', op: '>=', value: 10_000 }));
    }
    rep.finish(`relayer bench scale${opts.quick ? ' --quick' : ''} (broker ${brokers})`);
  } finally {
    const admin = createKafka(kafkaConfig({ kafka: brokers })!, log).admin();
    await admin.connect().catch(() => undefined);
    for (const l of lanes) {
      await l.reader.close().catch(() => undefined);
      await deleteTopics(admin, l.cfg.topics).catch(() => undefined);
      await admin.deleteGroups([l.cfg.groupId]).catch(() => undefined);
    }
    // the gateway pass's topics: both markets' sets and the registry
    const gwTopics = (await admin.listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(gwPrefix));
    if (gwTopics.length > 0) await admin.deleteTopics({ topics: gwTopics }).catch(() => undefined);
    await admin.deleteGroups([`${gwPrefix}relayer-engine`, `${gwPrefix}relayer-engine.ETH-USD`]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts one `relayer run` per lane at once and watches their state records until each committed its whole input. */
async function runEngines(lanes: Lane[], rep: Reporter): Promise<Run[]> {
  const children = lanes.map((l) => engine(l));
  try {
    const runs: (Partial<Run> & { genesisPos?: number })[] = lanes.map(() => ({}));
    for (;;) {
      for (let i = 0; i < lanes.length; i++) {
        const l = lanes[i]!;
        const r = runs[i]!;
        if (r.doneMs !== undefined) continue;
        const exited = children[i]!.exitCode;
        if (exited !== null) throw new Error(`${l.name}: relayer run exited ${exited}: ${stderrOf(children[i]!)}`);
        const st = await l.reader.lastState();
        const pos = st === null ? -1 : Number(st.position);
        const now = performance.now();
        // the first observation past genesis starts the clock, so process start and recovery are not counted
        if (r.firstMs === undefined && pos > 0) {
          r.firstMs = now;
          r.firstPos = pos;
        }
        if (pos >= l.head) {
          r.doneMs = now;
          r.donePos = pos;
          rep.note(`scale: ${l.name} committed its input`);
        }
      }
      if (runs.every((r) => r.doneMs !== undefined)) return runs as Run[];
      await new Promise((res) => setTimeout(res, POLL_MS));
    }
  } finally {
    await Promise.all(children.map(stop));
  }
}

function engine(l: Lane): ChildProcess {
  const args = [
    ...NODE_FLAGS,
    process.argv[1]!,
    'run',
    '--kafka',
    l.cfg.brokers.join(','),
    '--topic-prefix',
    l.prefix,
    '--data',
    l.data,
    '--no-scheduler',
    '--log-level',
    'warn',
  ];
  const c = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const chunks: Buffer[] = [];
  c.stderr!.on('data', (b: Buffer) => {
    chunks.push(b);
    if (chunks.length > 50) chunks.shift();
  });
  (c as ChildProcess & { captured: Buffer[] }).captured = chunks;
  return c;
}

function stderrOf(c: ChildProcess): string {
  return Buffer.concat((c as ChildProcess & { captured?: Buffer[] }).captured ?? [])
    .toString('utf8')
    .slice(-2000);
}

function stop(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    c.once('exit', () => res());
    c.kill('SIGTERM');
  });
}
