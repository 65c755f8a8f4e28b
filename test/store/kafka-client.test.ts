// Choosing the Kafka client (--kafka-client / RELAYER_KAFKA_CLIENT, D80) and how librdkafka's
// errors reach the backend: as the kafkajs error types its fencing and fatal checks act on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFatal, isFenced } from '../../src/store/kafka/client.js';
import { kafkaClientKind, kafkaConfig } from '../../src/store/kafka/config.js';
import { defaultClient } from '../../src/store/kafka/clients.js';
import { confluentModule, kafkaError, typeOfCode } from '../../src/store/kafka/confluent.js';

test('given no flag and no environment, when the client is chosen, then it is left to the default', () => {
  assert.equal(kafkaClientKind(undefined, {}), null);
  assert.equal(kafkaConfig({ kafka: 'b:9092' }, {})?.client, null);
});

test('given RELAYER_KAFKA_CLIENT and a flag, when the client is chosen, then the flag wins over the environment', () => {
  assert.equal(kafkaClientKind(undefined, { RELAYER_KAFKA_CLIENT: 'confluent' }), 'confluent');
  assert.equal(kafkaClientKind('kafkajs', { RELAYER_KAFKA_CLIENT: 'confluent' }), 'kafkajs');
  assert.equal(kafkaConfig({ kafka: 'b:9092', kafkaClient: 'confluent' }, {})?.client, 'confluent');
});

test('given an unknown client name, when the client is chosen, then it is refused naming both choices', () => {
  assert.throws(() => kafkaClientKind('rdkafka', {}), /unknown Kafka client 'rdkafka'.*kafkajs or confluent/);
});

let missing: string | null = null;
try {
  confluentModule();
} catch (e) {
  missing = (e as Error).message;
}
const skip = missing === null ? false : `@confluentinc/kafka-javascript is not installed: ${missing}`;
if (skip !== false) {
  if (process.env['CI'] === 'true') throw new Error(`CI=true needs the confluent client built (CKJS_LINKING=dynamic npm ci): ${missing}`);
  process.stderr.write(`\n!!!!!!!!!! SKIPPING THE CONFLUENT CLIENT TESTS: ${skip} !!!!!!!!!!\n\n`);
}

test('given librdkafka fencing errors, when they reach the backend, then they read as fenced and never retried', { skip }, () => {
  const codes = confluentModule().CODES.ERRORS;
  for (const name of ['ERR__FENCED', 'ERR_PRODUCER_FENCED', 'ERR_INVALID_PRODUCER_EPOCH']) {
    const e = kafkaError('committing the transaction', Object.assign(new Error('fenced'), { code: codes[name]! }));
    assert.ok(isFenced(e), `${name} (${typeOfCode(codes[name]!)}) reads as fenced`);
  }
});

test('given librdkafka errors no retry fixes or a passing outage, when they reach the backend, then only the first are fatal', { skip }, () => {
  const codes = confluentModule().CODES.ERRORS;
  const err = (name: string) => kafkaError('producing', Object.assign(new Error(name), { code: codes[name]! }));
  for (const name of ['ERR_UNKNOWN_TOPIC_OR_PART', 'ERR__UNKNOWN_TOPIC', 'ERR_MSG_SIZE_TOO_LARGE', 'ERR_RECORD_LIST_TOO_LARGE'])
    assert.ok(codes[name] !== undefined && isFatal(err(name)), name);
  for (const name of ['ERR__TRANSPORT', 'ERR__ALL_BROKERS_DOWN', 'ERR__TIMED_OUT', 'ERR_NOT_LEADER_FOR_PARTITION']) {
    assert.ok(codes[name] !== undefined, `librdkafka has ${name}`);
    assert.ok(!isFatal(err(name)) && !isFenced(err(name)), `${name} is retried`);
  }
});

test('given the confluent client installed, when no client is named, then the default is confluent (D80)', { skip }, () => {
  assert.deepEqual(defaultClient(), { kind: 'confluent', why: null });
});

test('given an error without a librdkafka code, when wrapped, then it keeps its message and has no type', { skip }, () => {
  const e = kafkaError('connecting', new Error('boom')) as Error & { type: unknown };
  assert.equal(e.type, null);
  assert.match(e.message, /connecting: boom/);
});
