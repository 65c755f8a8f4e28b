// Pull-style reads of one partition with read_committed, at any offset, without a consumer group.
//
// kafkajs's public consumer is push-style and group-managed: it cannot be assigned a partition and
// asked "give me up to N records after offset X, waiting at most T ms". That is what the engine
// loop, replay and every tool need, and with a group two engines of one market would compete for
// the single partition instead of one fencing the other. So this module issues Fetch requests
// itself through kafkajs's cluster (metadata, connections, protocol versions, decoding) and its
// Batch class (drops aborted transactions and control records). These are kafkajs internals,
// pinned by the exact version in package.json (2.2.4); all of it is in this one file.
import { createRequire } from 'node:module';
import type { Kafka } from 'kafkajs';
import type { Bounds, FetchResult, Fetched, RecordReader } from './ports.js';

const require = createRequire(import.meta.url);

interface RawMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[] | undefined>;
  isControlRecord?: boolean;
}

interface PartitionData {
  partition: number;
  errorCode: number;
  highWatermark: string;
  lastStableOffset?: string;
  abortedTransactions: unknown[];
  messages: RawMessage[];
}

interface InternalBroker {
  fetch(req: {
    replicaId: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{ responses: { topicName: string; partitions: PartitionData[] }[] }>;
}

interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(q: { nodeId: string }): Promise<InternalBroker>;
  fetchTopicsOffset(
    topics: { topic: string; partitions: { partition: number }[]; fromBeginning: boolean }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

interface InternalBatch {
  messagesWithinOffset: RawMessage[];
  messages: RawMessage[];
}
type BatchCtor = new (topic: string, fetchedOffset: string, data: PartitionData) => InternalBatch;

const Batch = require('kafkajs/src/consumer/batch.js') as BatchCtor;
const READ_COMMITTED = 1;

export type { Bounds, FetchResult, Fetched } from './ports.js';

function createCluster(kafka: Kafka): InternalCluster {
  const sym = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (sym === undefined) throw new Error('kafkajs internals changed: no cluster factory (the Kafka backend needs kafkajs 2.2.4)');
  const factory = (kafka as unknown as Record<symbol, (o: object) => InternalCluster>)[sym]!;
  return factory({
    metadataMaxAge: 60_000,
    allowAutoTopicCreation: false,
    maxInFlightRequests: null,
    instrumentationEmitter: null,
    isolationLevel: READ_COMMITTED,
  });
}

function headerText(h: RawMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    const b = Array.isArray(v) ? v[v.length - 1] : v;
    if (b !== undefined) out[k] = b.toString('utf8');
  }
  return out;
}

export class Fetcher implements RecordReader {
  private readonly cluster: InternalCluster;
  private connected = false;
  private readonly known = new Set<string>();

  constructor(kafka: Kafka) {
    this.cluster = createCluster(kafka);
  }

  private async ready(topic: string): Promise<void> {
    if (!this.connected) {
      await this.cluster.connect();
      this.connected = true;
    }
    if (!this.known.has(topic)) {
      await this.cluster.addTargetTopic(topic);
      this.known.add(topic);
    }
  }

  private async leader(topic: string): Promise<InternalBroker> {
    await this.ready(topic);
    const leaders = this.cluster.findLeaderForPartitions(topic, [0]);
    const nodeId = Object.keys(leaders)[0];
    if (nodeId === undefined) {
      await this.cluster.refreshMetadata();
      throw Object.assign(new Error(`no leader for ${topic}/0 (does the topic exist? relayer topics create)`), { type: 'LEADER_NOT_AVAILABLE' });
    }
    return this.cluster.findBroker({ nodeId });
  }

  /** Committed records of partition 0 from `offset`, up to about `maxBytes`, waiting up to `maxWaitMs` for the first. */
  async fetch(topic: string, offset: number, maxBytes: number, maxWaitMs: number): Promise<FetchResult> {
    let data: PartitionData;
    try {
      const broker = await this.leader(topic);
      const res = await broker.fetch({
        replicaId: -1,
        isolationLevel: READ_COMMITTED,
        maxWaitTime: maxWaitMs,
        minBytes: 1,
        maxBytes,
        topics: [{ topic, partitions: [{ partition: 0, fetchOffset: String(offset), maxBytes }] }],
      });
      const p = res.responses.find((r) => r.topicName === topic)?.partitions.find((x) => x.partition === 0);
      if (p === undefined) return { records: [], next: offset, lastStable: offset };
      data = p;
    } catch (e) {
      const type = (e as { type?: string }).type;
      if (type === 'OFFSET_OUT_OF_RANGE') {
        const b = await this.bounds(topic);
        if (offset < b.start) return { records: [], next: b.start, lastStable: b.end };
        return { records: [], next: offset, lastStable: b.end };
      }
      if (
        type === 'NOT_LEADER_FOR_PARTITION' ||
        type === 'UNKNOWN_TOPIC_OR_PARTITION' ||
        type === 'LEADER_NOT_AVAILABLE' ||
        (e as Error).name === 'KafkaJSConnectionError' ||
        (e as Error).name === 'KafkaJSConnectionClosedError'
      ) {
        await this.cluster.refreshMetadata().catch(() => undefined);
      }
      throw e;
    }
    const batch = new Batch(topic, String(offset), data);
    const within = batch.messagesWithinOffset;
    const next = within.length === 0 ? offset : Number(within[within.length - 1]!.offset) + 1;
    const records: Fetched[] = new Array(batch.messages.length);
    for (let i = 0; i < batch.messages.length; i++) {
      const m = batch.messages[i]!;
      records[i] = { offset: Number(m.offset), ts: Number(m.timestamp), key: m.key, value: m.value, headers: headerText(m.headers) };
    }
    const lastStable = Number(data.lastStableOffset ?? data.highWatermark);
    return { records, next, lastStable: lastStable >= 0 ? lastStable : Number(data.highWatermark) };
  }

  /** First offset and last stable offset (the read_committed end) of partition 0. */
  async bounds(topic: string): Promise<Bounds> {
    await this.ready(topic);
    const [lo, hi] = await Promise.all([
      this.cluster.fetchTopicsOffset([{ topic, partitions: [{ partition: 0 }], fromBeginning: true }]),
      this.cluster.fetchTopicsOffset([{ topic, partitions: [{ partition: 0 }], fromBeginning: false }]),
    ]);
    const off = (r: typeof lo): number => Number(r[0]?.partitions.find((p) => p.partition === 0)?.offset ?? 0);
    return { start: off(lo), end: off(hi) };
  }

  async close(): Promise<void> {
    if (this.connected) await this.cluster.disconnect().catch(() => undefined);
    this.connected = false;
  }
}

export { scan } from './scan.js';
