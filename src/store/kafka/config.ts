// Where the Kafka backend lives: brokers, the five topic names (historical defaults, a prefix for
// tests and side-by-side markets), the transactional id that fences a second engine, the consumer
// group whose committed offset is the engine's input position, and the local snapshot cache.
// Precedence: flags > environment (RELAYER_KAFKA_*) > defaults.
import { join } from 'node:path';
import { DEFAULT_MARKET } from '../../engine/market.js';

export interface TopicNames {
  /** Input log (commands), CLIENT-REQUEST. */
  request: string;
  /** Event log, CoreEventLogTopic. */
  events: string;
  /** Snapshots (compacted), SnapShotLogTopic. */
  snapshots: string;
  /** Feed clock + summary per committed batch, RelayerStateQueue. */
  state: string;
  /** Failed and quarantined requests, CLIENT-FAILED-REQUEST. */
  failed: string;
}

export const DEFAULT_TOPICS: TopicNames = {
  request: 'CLIENT-REQUEST',
  events: 'CoreEventLogTopic',
  snapshots: 'SnapShotLogTopic',
  state: 'RelayerStateQueue',
  failed: 'CLIENT-FAILED-REQUEST',
};

export const TOPIC_ROLES = ['request', 'events', 'snapshots', 'state', 'failed'] as const;
export type TopicRole = (typeof TOPIC_ROLES)[number];

export const DEFAULT_TRANSACTIONAL_ID = 'relayer-engine';

export interface KafkaConfig {
  brokers: string[];
  topics: TopicNames;
  /** One per market: a second engine with the same id fences the first. */
  transactionalId: string;
  /** The group whose committed offset on the request topic is the engine's input position. */
  groupId: string;
  clientId: string;
  /** Local copies of snapshots (the topic is the durable one). */
  cacheDir: string;
  /** Which client library writes (clients.ts); null: the default, see defaultClient() (D80). */
  client: KafkaClientKind | null;
}

export const KAFKA_CLIENTS = ['kafkajs', 'confluent'] as const;
export type KafkaClientKind = (typeof KAFKA_CLIENTS)[number];

/** --kafka-client / RELAYER_KAFKA_CLIENT, checked; null when neither names one. */
export function kafkaClientKind(flag: string | undefined, env: Env = process.env): KafkaClientKind | null {
  const v = pick(flag, env, 'RELAYER_KAFKA_CLIENT');
  if (v === undefined) return null;
  if (!(KAFKA_CLIENTS as readonly string[]).includes(v))
    throw new Error(`unknown Kafka client '${v}' (--kafka-client / RELAYER_KAFKA_CLIENT: ${KAFKA_CLIENTS.join(' or ')})`);
  return v as KafkaClientKind;
}

/** Options as commander hands them over (all strings), shared by every command with --kafka. */
export interface KafkaFlags {
  kafka?: string;
  topicPrefix?: string;
  requestTopic?: string;
  eventTopic?: string;
  snapshotTopic?: string;
  stateTopic?: string;
  failedTopic?: string;
  transactionalId?: string;
  group?: string;
  snapshotCache?: string;
  data?: string;
  kafkaClient?: string;
  /** The market whose topics these are (D163): BTC-USD keeps the historical names. */
  market?: string;
}

type Env = Record<string, string | undefined>;

function pick(flag: string | undefined, env: Env, name: string): string | undefined {
  if (flag !== undefined && flag !== '') return flag;
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** The brokers asked for (flag or RELAYER_KAFKA_BROKERS), or null for the embedded backend. */
export function kafkaBrokers(flags: KafkaFlags, env: Env = process.env): string[] | null {
  const raw = pick(flags.kafka, env, 'RELAYER_KAFKA_BROKERS');
  if (raw === undefined) return null;
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return list.length === 0 ? null : list;
}

/** `.<M>` for a market other than BTC-USD (D163), '' for BTC-USD: its names stay historical. */
export function marketSuffix(market: string | undefined): string {
  return market === undefined || market === DEFAULT_MARKET ? '' : `.${market}`;
}

/** The compacted registry topic, keyed by market id (D163). */
export function registryTopic(flags: KafkaFlags, env: Env = process.env): string {
  return `${pick(flags.topicPrefix, env, 'RELAYER_KAFKA_TOPIC_PREFIX') ?? ''}relayer-markets`;
}

/** Explicit per-topic flags are taken verbatim; derived names get the market's suffix. */
export function topicNames(flags: KafkaFlags, env: Env = process.env): TopicNames {
  const prefix = pick(flags.topicPrefix, env, 'RELAYER_KAFKA_TOPIC_PREFIX') ?? '';
  const sfx = marketSuffix(flags.market);
  const one = (flag: string | undefined, envName: string, dflt: string): string => pick(flag, env, envName) ?? `${prefix}${dflt}${sfx}`;
  return {
    request: one(flags.requestTopic, 'RELAYER_KAFKA_REQUEST_TOPIC', DEFAULT_TOPICS.request),
    events: one(flags.eventTopic, 'RELAYER_KAFKA_EVENT_TOPIC', DEFAULT_TOPICS.events),
    snapshots: one(flags.snapshotTopic, 'RELAYER_KAFKA_SNAPSHOT_TOPIC', DEFAULT_TOPICS.snapshots),
    state: one(flags.stateTopic, 'RELAYER_KAFKA_STATE_TOPIC', DEFAULT_TOPICS.state),
    failed: one(flags.failedTopic, 'RELAYER_KAFKA_FAILED_TOPIC', DEFAULT_TOPICS.failed),
  };
}

export function kafkaConfig(flags: KafkaFlags, env: Env = process.env): KafkaConfig | null {
  const brokers = kafkaBrokers(flags, env);
  if (brokers === null) return null;
  const topics = topicNames(flags, env);
  const prefix = pick(flags.topicPrefix, env, 'RELAYER_KAFKA_TOPIC_PREFIX') ?? '';
  const transactionalId =
    pick(flags.transactionalId, env, 'RELAYER_KAFKA_TRANSACTIONAL_ID') ?? `${prefix}${DEFAULT_TRANSACTIONAL_ID}${marketSuffix(flags.market)}`;
  const groupId = pick(flags.group, env, 'RELAYER_KAFKA_GROUP') ?? transactionalId;
  const data = pick(flags.data, env, 'RELAYER_DATA') ?? './relayer-data';
  const cacheDir = pick(flags.snapshotCache, env, 'RELAYER_KAFKA_SNAPSHOT_CACHE') ?? join(data, 'kafka-snapshots', safeName(topics.snapshots));
  return { brokers, topics, transactionalId, groupId, clientId: 'relayer', cacheDir, client: kafkaClientKind(flags.kafkaClient, env) };
}

/** A topic name as a file name (topic names allow only [a-zA-Z0-9._-] anyway). */
export function safeName(s: string): string {
  return s.replace(/[^a-zA-Z0-9._-]/g, '_');
}
