// The narrow face of a Kafka client the backend needs (issue 19 item 4, D140): which calls it makes
// on the writing side (admin, a plain producer, a transactional producer) and on the reading side
// (pull-style read_committed fetches of partition 0). kafkajs, the librdkafka wrapper (confluent.ts)
// and the simulation's in-process stand-in (src/sim/fake-kafka.ts) all fit it; nothing here loads
// a client library.
import type { Message, ProducerBatch, RecordMetadata } from 'kafkajs';

export interface TopicOffsets {
  topic: string;
  partitions: { partition: number; offset: string }[];
}

export interface KafkaTransaction {
  send(req: { topic: string; messages: Message[]; acks?: number }): Promise<RecordMetadata[]>;
  sendBatch(req: ProducerBatch): Promise<RecordMetadata[]>;
  /** The group's consumed offsets, committed (or aborted) with the transaction's records. */
  sendOffsets(req: { consumerGroupId: string; topics: TopicOffsets[] }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
  isActive(): boolean;
}

export interface KafkaProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(req: { topic: string; messages: Message[]; acks?: number }): Promise<RecordMetadata[]>;
  /** Begins a transaction; the first call initialises the transactional id (fencing older holders). */
  transaction(): Promise<KafkaTransaction>;
}

export interface KafkaAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  fetchOffsets(req: { groupId: string; topics: string[] }): Promise<TopicOffsets[]>;
}

/** What the backend passes when it makes a producer (kafkajs's ProducerConfig, the fields it uses). */
export interface ProducerOptions {
  transactionalId?: string;
  idempotent?: boolean;
  maxInFlightRequests?: number;
  transactionTimeout?: number;
  createPartitioner?: () => () => number;
  allowAutoTopicCreation?: boolean;
  retry?: { retries: number; initialRetryTime: number; maxRetryTime: number };
}

export interface KafkaWriter {
  admin(): KafkaAdmin;
  producer(opts: ProducerOptions): KafkaProducer;
}

export interface Fetched {
  offset: number;
  /** LogAppendTime on our topics. */
  ts: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface FetchResult {
  records: Fetched[];
  /** The offset to fetch next (past control records and aborted data too). */
  next: number;
  /** Last stable offset: with read_committed nothing at or after it is visible yet. */
  lastStable: number;
}

export interface Bounds {
  start: number;
  end: number;
}

/** read_committed reads of partition 0 of a topic, at any offset, without a consumer group. */
export interface RecordReader {
  /** Committed records from `offset`, up to about `maxBytes`, waiting up to `maxWaitMs` for the first. */
  fetch(topic: string, offset: number, maxBytes: number, maxWaitMs: number): Promise<FetchResult>;
  /** First offset and last stable offset (the read_committed end). */
  bounds(topic: string): Promise<Bounds>;
  close(): Promise<void>;
}

/** The clients one backend works through; made per backend (each its own connections). */
export interface KafkaClients {
  writer: KafkaWriter;
  reader: RecordReader;
}
