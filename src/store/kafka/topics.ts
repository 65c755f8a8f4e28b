// The five topics and the configs they must have (DESIGN §4): LogAppendTime everywhere (the log
// stamps command time), delete with infinite retention for the histories (compaction with reused
// keys would silently lose history), compaction only for snapshots. Creating is idempotent: what
// exists is reported with any drift from these configs, never changed behind the operator's back.
import kafkajs, { type Admin } from 'kafkajs';
import { TOPIC_ROLES, type TopicNames, type TopicRole } from './config.js';

export const TOPIC_CONFIGS: Record<TopicRole, Record<string, string>> = {
  request: { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'message.timestamp.type': 'LogAppendTime' },
  events: { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'message.timestamp.type': 'LogAppendTime' },
  failed: { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'message.timestamp.type': 'LogAppendTime' },
  state: { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'message.timestamp.type': 'LogAppendTime' },
  // chunks are ≤ 768 KiB; the limit leaves room for a larger chunk size without a config change
  snapshots: { 'cleanup.policy': 'compact', 'message.timestamp.type': 'LogAppendTime', 'max.message.bytes': '4194304' },
};

export const ROLE_TITLES: Record<TopicRole, string> = {
  request: 'input log (commands)',
  events: 'event log',
  snapshots: 'snapshots (compacted)',
  state: 'feed clock + batch summary',
  failed: 'failed / quarantined requests',
};

export interface Drift {
  config: string;
  expected: string;
  actual: string | null;
}

export interface TopicReport {
  role: TopicRole;
  topic: string;
  exists: boolean;
  created: boolean;
  partitions: number | null;
  replication_factor: number | null;
  configs: Record<string, string | null>;
  drift: Drift[];
  /** Offsets of partition 0 (low = first kept, high = end), when described. */
  offsets?: { low: number; high: number } | null;
}

export interface CreateOptions {
  partitions: number;
  replicationFactor: number;
}

async function metadata(admin: Admin, topics: string[]): Promise<Map<string, { partitions: number; rf: number }>> {
  const out = new Map<string, { partitions: number; rf: number }>();
  if (topics.length === 0) return out;
  const md = await admin.fetchTopicMetadata({ topics });
  for (const t of md.topics) out.set(t.name, { partitions: t.partitions.length, rf: t.partitions[0]?.replicas.length ?? 0 });
  return out;
}

async function configsOf(admin: Admin, topics: string[]): Promise<Map<string, Record<string, string | null>>> {
  const out = new Map<string, Record<string, string | null>>();
  if (topics.length === 0) return out;
  const res = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name })),
  });
  for (const r of res.resources) {
    const c: Record<string, string | null> = {};
    for (const e of r.configEntries) c[e.configName] = e.configValue;
    out.set(r.resourceName, c);
  }
  return out;
}

export interface Want {
  partitions: number;
  replicationFactor: number;
}

function driftOf(role: TopicRole, actual: Record<string, string | null>, partitions: number | null, rf: number | null, want: Want | null): Drift[] {
  const d: Drift[] = [];
  for (const [k, v] of Object.entries(TOPIC_CONFIGS[role])) {
    const a = actual[k] ?? null;
    if (a !== v) d.push({ config: k, expected: v, actual: a });
  }
  if (want !== null && partitions !== null && partitions !== want.partitions) {
    d.push({ config: 'partitions', expected: String(want.partitions), actual: String(partitions) });
  }
  if (want !== null && rf !== null && rf !== want.replicationFactor) {
    d.push({ config: 'replication-factor', expected: String(want.replicationFactor), actual: String(rf) });
  }
  return d;
}

/** What exists, with configs and drift; `want` adds partition-count and replication checks. */
export async function describeTopics(admin: Admin, names: TopicNames, withOffsets = false, want: Want | null = null): Promise<TopicReport[]> {
  const existing = new Set(await admin.listTopics());
  const present = TOPIC_ROLES.map((r) => names[r]).filter((t) => existing.has(t));
  const [md, cfg] = await Promise.all([metadata(admin, present), configsOf(admin, present)]);
  const reports: TopicReport[] = [];
  for (const role of TOPIC_ROLES) {
    const topic = names[role];
    const m = md.get(topic);
    const all = cfg.get(topic) ?? {};
    const configs: Record<string, string | null> = {};
    for (const k of Object.keys(TOPIC_CONFIGS.request).concat(Object.keys(TOPIC_CONFIGS.snapshots))) configs[k] = all[k] ?? null;
    const exists = m !== undefined;
    const rep: TopicReport = {
      role,
      topic,
      exists,
      created: false,
      partitions: m?.partitions ?? null,
      replication_factor: m?.rf ?? null,
      configs: exists ? configs : {},
      drift: exists ? driftOf(role, all, m?.partitions ?? null, m?.rf ?? null, want) : [],
    };
    if (withOffsets) {
      rep.offsets = null;
      if (exists) {
        const o = await admin.fetchTopicOffsets(topic);
        const p0 = o.find((p) => p.partition === 0);
        if (p0 !== undefined) rep.offsets = { low: Number(p0.low), high: Number(p0.high) };
      }
    }
    reports.push(rep);
  }
  return reports;
}

/** Creates the missing topics with their configs; reports the existing ones and their drift. */
export async function createTopics(admin: Admin, names: TopicNames, opts: CreateOptions): Promise<TopicReport[]> {
  const existing = new Set(await admin.listTopics());
  const missing = TOPIC_ROLES.filter((r) => !existing.has(names[r]));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((role) => ({
        topic: names[role],
        numPartitions: opts.partitions,
        replicationFactor: opts.replicationFactor,
        configEntries: Object.entries(TOPIC_CONFIGS[role]).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  const reports = await describeTopics(admin, names, false, { partitions: opts.partitions, replicationFactor: opts.replicationFactor });
  for (const r of reports) if (missing.includes(r.role)) r.created = true;
  return reports;
}

/** Deletes the five topics (tests and tear-down only; the CLI does not offer it). */
export async function deleteTopics(admin: Admin, names: TopicNames): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const topics = TOPIC_ROLES.map((r) => names[r]).filter((t) => existing.has(t));
  if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
}
