// The Kafka flags every command with a backend takes (cheap to import: no kafkajs here).
import type { Command } from 'commander';

/** Adds --kafka (unless the command has it already) and the topic / transactional-id flags. */
export function addKafkaOptions(cmd: Command): Command {
  if (!cmd.options.some((o) => o.long === '--kafka')) {
    cmd.option('--kafka <brokers>', 'use the Kafka backend: comma-separated brokers (RELAYER_KAFKA_BROKERS)');
  }
  return cmd
    .option('--topic-prefix <prefix>', 'prefix for all five topic names (RELAYER_KAFKA_TOPIC_PREFIX)')
    .option('--request-topic <name>', 'input log topic (RELAYER_KAFKA_REQUEST_TOPIC)')
    .option('--event-topic <name>', 'event log topic (RELAYER_KAFKA_EVENT_TOPIC)')
    .option('--snapshot-topic <name>', 'snapshot topic (RELAYER_KAFKA_SNAPSHOT_TOPIC)')
    .option('--state-topic <name>', 'state topic (RELAYER_KAFKA_STATE_TOPIC)')
    .option('--failed-topic <name>', 'failed-requests topic (RELAYER_KAFKA_FAILED_TOPIC)')
    .option('--transactional-id <id>', "transactional id of the market's engine; default relayer-engine (RELAYER_KAFKA_TRANSACTIONAL_ID)")
    .option('--group <id>', "consumer group holding the engine's input offset; default the transactional id (RELAYER_KAFKA_GROUP)")
    .option('--kafka-client <name>', "client library for the backend's writes: kafkajs or confluent (RELAYER_KAFKA_CLIENT); docs/kafka.md")
    .option('--snapshot-cache <dir>', 'local snapshot cache (RELAYER_KAFKA_SNAPSHOT_CACHE); default <data>/kafka-snapshots/<topic>');
}
