// `relayer topics create|list|describe`: the five Kafka topics with the configs DESIGN §4 asks for.
// create is idempotent: it creates what is missing and reports what exists, with any drift.
import Table from 'cli-table3';
import type { Admin } from 'kafkajs';
import { CliError, usage } from '../errors.js';
import { createLogger } from '../infra/logger.js';
import { createKafka, describeError } from '../store/kafka/client.js';
import { kafkaConfig, type KafkaFlags } from '../store/kafka/config.js';
import { ROLE_TITLES, createTopics, describeTopics, type TopicReport } from '../store/kafka/topics.js';
import { printJson } from './print.js';
import { marketOf } from './market.js';
import { openRegistry } from '../markets/registry.js';

export interface TopicsOptions extends KafkaFlags {
  partitions?: string;
  replicationFactor?: string;
  json?: boolean;
  allMarkets?: boolean;
}

function count(v: string | undefined, name: string): number {
  if (v === undefined) return 1;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw usage(`--${name} must be a positive integer`);
  return n;
}

async function withAdmin<T>(opts: TopicsOptions, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const cfg = kafkaConfig({ ...opts, kafka: opts.kafka ?? process.env['RELAYER_KAFKA_BROKERS'] ?? '127.0.0.1:9092' });
  if (cfg === null) throw usage('--kafka BROKERS is required');
  const kafka = createKafka(cfg, createLogger(process.env['RELAYER_LOG_LEVEL'] ?? 'warn'));
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await fn(admin);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`Kafka at ${cfg.brokers.join(',')}: ${describeError(e)}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function topicsCreate(opts: TopicsOptions): Promise<void> {
  const partitions = count(opts.partitions, 'partitions');
  const replicationFactor = count(opts.replicationFactor, 'replication-factor');
  if (partitions > 1) process.stderr.write('relayer: note: the engine reads and writes partition 0 only (one market per topic set)\n');
  const flags = { ...opts, kafka: opts.kafka ?? '127.0.0.1:9092' };
  // --all-markets: every market of the registry topic; else the one --market names (D163 names)
  let ids = [marketOf(opts)];
  if (opts.allMarkets === true) {
    const reg = await openRegistry(flags);
    ids = (await reg.list().finally(() => reg.close())).map((m) => m.id);
  }
  const reports: TopicReport[] = [];
  for (const market of ids) {
    const cfg = kafkaConfig({ ...flags, market })!;
    reports.push(...(await withAdmin(opts, (admin) => createTopics(admin, cfg.topics, { partitions, replicationFactor }))));
  }
  print(reports, opts.json === true, 'create');
  for (const r of reports) {
    if (!r.created && r.drift.length > 0) {
      process.stderr.write(
        `relayer: ${r.topic} exists with drift: ${r.drift.map((d) => `${d.config}=${d.actual ?? '(unset)'} (want ${d.expected})`).join(', ')}\n`,
      );
    }
  }
}

export async function topicsList(opts: TopicsOptions): Promise<void> {
  const cfg = kafkaConfig({ ...opts, kafka: opts.kafka ?? '127.0.0.1:9092', market: marketOf(opts) })!;
  const reports = await withAdmin(opts, (admin) => describeTopics(admin, cfg.topics));
  print(reports, opts.json === true, 'list');
}

export async function topicsDescribe(opts: TopicsOptions): Promise<void> {
  const cfg = kafkaConfig({ ...opts, kafka: opts.kafka ?? '127.0.0.1:9092', market: marketOf(opts) })!;
  const reports = await withAdmin(opts, (admin) => describeTopics(admin, cfg.topics, true));
  print(reports, opts.json === true, 'describe');
}

function print(reports: TopicReport[], json: boolean, mode: 'create' | 'list' | 'describe'): void {
  if (json) {
    for (const r of reports) printJson(mode === 'list' ? { role: r.role, topic: r.topic, exists: r.exists, partitions: r.partitions } : r);
    return;
  }
  const state = (r: TopicReport): string => (r.created ? 'created' : r.exists ? (r.drift.length > 0 ? 'exists, DRIFT' : 'exists') : 'missing');
  if (!process.stdout.isTTY) {
    let out = '';
    for (const r of reports) {
      out += `${r.topic}\t${r.role}\t${state(r)}\tpartitions=${r.partitions ?? '-'}\treplication=${r.replication_factor ?? '-'}`;
      if (mode !== 'list') {
        for (const [k, v] of Object.entries(r.configs)) if (v !== null) out += `\t${k}=${v}`;
        if (r.offsets) out += `\toffsets=${r.offsets.low}..${r.offsets.high}`;
        for (const d of r.drift) out += `\tdrift:${d.config}=${d.actual ?? '(unset)'}(want ${d.expected})`;
      }
      out += '\n';
    }
    process.stdout.write(out);
    return;
  }
  const head = mode === 'list' ? ['topic', 'role', 'state', 'partitions'] : ['topic', 'role', 'state', 'partitions / rf', 'configs', 'drift'];
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const r of reports) {
    if (mode === 'list') {
      t.push([r.topic, ROLE_TITLES[r.role], state(r), r.partitions ?? '-']);
      continue;
    }
    const cfg = Object.entries(r.configs)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `${k}=${v}`);
    if (r.offsets) cfg.push(`offsets ${r.offsets.low}..${r.offsets.high}`);
    t.push([
      r.topic,
      ROLE_TITLES[r.role],
      state(r),
      `${r.partitions ?? '-'} / ${r.replication_factor ?? '-'}`,
      cfg.join('\n'),
      r.drift.map((d) => `${d.config}: ${d.actual ?? '(unset)'} → ${d.expected}`).join('\n') || '-',
    ]);
  }
  process.stdout.write(`${t.toString()}\n`);
}
