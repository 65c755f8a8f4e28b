// Which library the Kafka backend writes with (--kafka-client / RELAYER_KAFKA_CLIENT, D80): kafkajs,
// or librdkafka through @confluentinc/kafka-javascript (confluent.ts). Reads (fetcher.ts) use
// kafkajs either way, so both clients see the same records the same way.
import type { Kafka } from 'kafkajs';
import type { Logger } from '../../infra/logger.js';
import type { KafkaClientKind, KafkaConfig } from './config.js';
import { confluentModule, createConfluentKafka } from './confluent.js';

/**
 * The default client (D80): confluent, measured faster, when its native build is installed; else
 * kafkajs, with `why` saying what is missing (logged at info level). Asking for confluent by name never falls back.
 */
export function defaultClient(): { kind: KafkaClientKind; why: string | null } {
  try {
    confluentModule();
    return { kind: 'confluent', why: null };
  } catch (e) {
    return { kind: 'kafkajs', why: (e as Error).message };
  }
}

/** The client whose admin and producers the backend uses: `kafkajs` itself, or librdkafka's. */
export function writerClient(cfg: KafkaConfig, log: Logger, kafkajs: Kafka): Kafka {
  let kind = cfg.client;
  if (kind === null) {
    const d = defaultClient();
    // info, not warn: every tool opens a backend, and a missing optional build is a valid install
    if (d.why !== null) log.info({ kafka_client: 'kafkajs', why: d.why }, 'kafka: the default client (confluent) is not installed; writing through kafkajs');
    kind = d.kind;
  }
  if (kind === 'confluent') {
    const k = createConfluentKafka(cfg, log);
    log.info({ kafka_client: 'confluent', librdkafka: confluentModule().librdkafkaVersion }, 'kafka: writing through librdkafka');
    return k;
  }
  log.info({ kafka_client: 'kafkajs' }, 'kafka: writing through kafkajs');
  return kafkajs;
}
