// The backend's plain producer (client appends) and admin client are opened once, even when the
// first appends arrive together without awaiting each other (the demo and the gateway do that),
// and close() disconnects them: a producer opened twice leaked the second one, and with
// librdkafka that kept `relayer run --kafka --demo` alive after "stopped".
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../src/infra/logger.js';
import { FakeKafka } from '../../src/sim/fake-kafka.js';
import { KafkaBackend } from '../../src/store/kafka/backend.js';
import { DEFAULT_TOPICS, TOPIC_ROLES } from '../../src/store/kafka/config.js';
import type { KafkaProducer, KafkaWriter, ProducerOptions } from '../../src/store/kafka/ports.js';

test('given appends that race on a fresh backend, then one plain producer serves them and close() disconnects it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-kplain-'));
  try {
    const k = new FakeKafka();
    k.createTopics(TOPIC_ROLES.map((r) => DEFAULT_TOPICS[r]));
    k.clock = 1_000_000;
    const real = k.client();
    const plain: { connected: number; disconnected: number }[] = [];
    const writer: KafkaWriter = {
      admin: () => real.admin(),
      producer: (opts: ProducerOptions): KafkaProducer => {
        const p = real.producer(opts);
        if (opts.transactionalId !== undefined) return p;
        const seen = { connected: 0, disconnected: 0 };
        plain.push(seen);
        return {
          send: (req) => p.send(req),
          transaction: () => p.transaction(),
          connect: async () => {
            await p.connect();
            seen.connected++;
          },
          disconnect: async () => {
            await p.disconnect();
            seen.disconnected++;
          },
        };
      },
    };
    const b = await KafkaBackend.open(
      { brokers: ['fake:9092'], topics: DEFAULT_TOPICS, transactionalId: 'm', groupId: 'm', clientId: 't', cacheDir: dir, client: null },
      { log: silentLogger(), clients: { writer, reader: real } },
    );
    // when three appends start together
    const done = await Promise.all([b.append(['a']), b.append(['b']), b.append(['c'])]);
    assert.deepEqual(
      done.map((d) => d.length),
      [1, 1, 1],
    );
    // then one producer carried them, and closing the backend disconnects it
    assert.equal(plain.length, 1, `plain producers opened: ${plain.length}`);
    await b.close();
    assert.deepEqual(plain, [{ connected: 1, disconnected: 1 }]);
    await assert.rejects(b.append(['d']), /closed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
