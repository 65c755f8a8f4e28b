// D147/D220: D13 says the log stamps `ts` never earlier than the previous record. The SQLite inbox
// clamps when it writes; on Kafka the request reader hands out max(LogAppendTime, the previous
// record's ts), a running maximum the engine's committed state record carries, so a reader that
// resumes mid-topic (a restart, a standby's takeover, `events --inbox` from a position) hands out
// the same stamps as one that read the topic from its start.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { silentLogger } from '../../src/infra/logger.js';
import { FakeKafka } from '../../src/sim/fake-kafka.js';
import { KafkaBackend } from '../../src/store/kafka/backend.js';
import { DEFAULT_TOPICS, TOPIC_ROLES } from '../../src/store/kafka/config.js';

interface World {
  k: FakeKafka;
  open: () => Promise<KafkaBackend>;
  done: () => Promise<void>;
}

function world(): World {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-kclock-'));
  const k = new FakeKafka();
  k.createTopics(TOPIC_ROLES.map((r) => DEFAULT_TOPICS[r]));
  const opened: KafkaBackend[] = [];
  let n = 0;
  return {
    k,
    open: async () => {
      const b = await KafkaBackend.open(
        { brokers: ['fake:9092'], topics: DEFAULT_TOPICS, transactionalId: 'm', groupId: 'm', clientId: 't', cacheDir: join(dir, String(n++)), client: null },
        { log: silentLogger(), clients: k.client().clients() },
      );
      opened.push(b);
      return b;
    },
    done: async () => {
      for (const b of opened) await b.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An engine that takes the id, reads from its committed position and commits what it read (no events). */
async function engineConsumesAll(w: World): Promise<number[]> {
  const b = await w.open();
  await b.startEngine(null);
  const c = await b.lastCommitted();
  const recs = await b.read(c.position, 10_000, 0);
  if (recs.length > 0) await b.commit({ events: [], failed: [], position: recs[recs.length - 1]!.position, clock: { price_ts: null }, summary: '{}' });
  await b.close();
  return recs.map((r) => r.ts);
}

test("the Kafka backend reads the broker's stamps as they are (the clock going forward)", async () => {
  const w = world();
  try {
    const b = await w.open();
    w.k.clock = 1_000_000;
    await b.append(['a']);
    w.k.clock = 2_000_000;
    await b.append(['b']);
    assert.deepEqual(
      (await b.read(null, 10, 0)).map((r) => r.ts),
      [1_000_000, 2_000_000],
    );
  } finally {
    await w.done();
  }
});

test('D147: a broker clock stepped back never gives a command an older time than the one before it', async () => {
  const w = world();
  try {
    const b = await w.open();
    w.k.clock = 2_000_000;
    await b.append(['a']);
    w.k.clock = 1_000_000; // NTP stepped the broker's clock back
    await b.append(['b']);
    w.k.clock = 1_500_000;
    await b.append(['c']);
    w.k.clock = 3_000_000;
    await b.append(['d']);
    assert.deepEqual(
      (await b.read(null, 10, 0)).map((r) => r.ts),
      [2_000_000, 2_000_000, 2_000_000, 3_000_000],
    );
  } finally {
    await w.done();
  }
});

test('D220: an engine resuming mid-topic after a clock step back starts from the committed running maximum', async () => {
  const w = world();
  try {
    // given an engine that committed a command stamped 2 000 000
    const client = await w.open();
    w.k.clock = 2_000_000;
    await client.append(['a']);
    assert.deepEqual(await engineConsumesAll(w), [2_000_000]);
    // when the broker's clock steps back and the next engine (a restart, a standby) reads on
    w.k.clock = 1_000_000;
    await client.append(['b']);
    // then the command after the step is stamped no earlier than the committed one
    assert.deepEqual(await engineConsumesAll(w), [2_000_000]);
    // and `events --inbox` (a reader from the start, and one from any position) reads the same stamps
    const reader = await w.open();
    assert.deepEqual(
      (await reader.read(null, 10, 0)).map((r) => r.ts),
      [2_000_000, 2_000_000],
    );
    const fresh = await w.open();
    assert.deepEqual(
      (await fresh.read('0', 10, 0)).map((r) => r.ts),
      [2_000_000],
    );
  } finally {
    await w.done();
  }
});

test('D220: a state record written before the running maximum opens, and the clamp starts after it', async () => {
  const w = world();
  try {
    const client = await w.open();
    w.k.clock = 2_000_000;
    await client.append(['a']);
    // given a committed state record of the old shape: no input_ts
    // (and the group offset with it, as an engine of that time committed them together)
    const p = w.k.client().clients().writer.producer({ transactionalId: 'old-engine' });
    await p.connect();
    const tx = await p.transaction();
    await tx.send({
      topic: DEFAULT_TOPICS.state,
      messages: [
        {
          key: 'm',
          value: JSON.stringify({ v: 1, seq: 0, hash: '0'.repeat(64), position: '0', clock: { price_ts: null }, failed: 0, summary: {} }),
          partition: 0,
        },
      ],
    });
    await tx.sendOffsets({ consumerGroupId: 'm', topics: [{ topic: DEFAULT_TOPICS.request, partitions: [{ partition: 0, offset: '1' }] }] });
    await tx.commit();
    await p.disconnect();
    w.k.clock = 1_000_000;
    await client.append(['b']);
    w.k.clock = 900_000;
    await client.append(['c']);
    // when an engine opens and reads on: no running maximum yet at the old record
    const b = await w.open();
    await b.startEngine(null);
    const c = await b.lastCommitted();
    assert.equal(c.position, '0');
    // then the stamps after it are clamped among themselves only
    assert.deepEqual(
      (await b.read(c.position, 10, 0)).map((r) => r.ts),
      [1_000_000, 1_000_000],
    );
  } finally {
    await w.done();
  }
});

test('D220: whatever the broker clock does and wherever engines restart, every reader sees the running maximum from the start', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.record({ ts: fc.integer({ min: 1, max: 100 }), restart: fc.boolean() }), { minLength: 1, maxLength: 12 }), async (steps) => {
      const w = world();
      try {
        const client = await w.open();
        const seen: number[] = [];
        for (const s of steps) {
          w.k.clock = s.ts * 1000;
          await client.append(['x']);
          if (s.restart) seen.push(...(await engineConsumesAll(w)));
        }
        seen.push(...(await engineConsumesAll(w)));
        const expected: number[] = [];
        let max = 0;
        for (const s of steps) {
          max = Math.max(max, s.ts * 1000);
          expected.push(max);
        }
        assert.deepEqual(seen, expected, 'engines resuming at their committed positions');
        const inbox = await w.open();
        assert.deepEqual(
          (await inbox.read(null, 100, 0)).map((r) => r.ts),
          expected,
          'a reader from the start',
        );
        for (let at = 0; at < steps.length; at++) {
          const from = await w.open();
          assert.deepEqual(
            (await from.read(String(at), 100, 0)).map((r) => r.ts),
            expected.slice(at + 1),
            `a reader from position ${at}`,
          );
        }
      } finally {
        await w.done();
      }
    }),
    { numRuns: 40 },
  );
});
