// Which library the Kafka backend writes with (--kafka-client / RELAYER_KAFKA_CLIENT, D80): kafkajs,
// or librdkafka through @confluentinc/kafka-javascript (confluent.ts). Reads (fetcher.ts) use
// kafkajs either way, so both clients see the same records the same way.
import type { Kafka } from 'kafkajs';
import type { Logger } from '../../runtime/logger.js';
import type { KafkaConfig } from './config.js';
import { confluentModule, createConfluentKafka } from './confluent.js';

/** The client whose admin and producers the backend uses: `kafkajs` itself, or librdkafka's. */
export function writerClient(cfg: KafkaConfig, log: Logger, kafkajs: Kafka): Kafka {
  if (cfg.client === 'confluent') {
    const k = createConfluentKafka(cfg, log);
    log.info({ kafka_client: 'confluent', librdkafka: confluentModule().librdkafkaVersion }, 'kafka: writing through librdkafka');
    return k;
  }
  log.info({ kafka_client: 'kafkajs' }, 'kafka: writing through kafkajs');
  return kafkajs;
}
