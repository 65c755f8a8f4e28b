// Kafka faults against the real broker: poison records on the request topic are quarantined with
// their raw bytes and the loop goes on; a second engine with the same transactional id takes over
// and the first is fenced (exit non-zero, clear message) with exactly-once outcomes across the
// takeover; `relayer topics create` is idempotent and reports config drift.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { exited, relayer, relayerAsync, sleep, startEngine } from './cli-helpers.js';
import { assertExactlyOnce, drained, kafkaCase, kafkaTarget, status } from './kafka-helpers.js';
import { workload } from '../../src/workload/commands.js';
import { createKafka } from '../../src/store/kafka/client.js';
import { kafkaConfig } from '../../src/store/kafka/config.js';
import { Fetcher, scan, type Fetched } from '../../src/store/kafka/fetcher.js';
import { silentLogger } from '../../src/infra/logger.js';

const target = await kafkaTarget();
const skip = 'skip' in target ? target.skip : false;
const brokers = 'brokers' in target ? target.brokers : '';

function collect(c: ReturnType<typeof startEngine>): { text: string } {
  const out = { text: '' };
  c.stderr?.setEncoding('utf8').on('data', (d: string) => {
    out.text += d;
  });
  return out;
}

test('Kafka: a record that is not JSON or not a command is quarantined with its raw bytes; the loop goes on', { timeout: 90_000, skip }, async () => {
  const k = kafkaCase(brokers, 'poison');
  const cfg = kafkaConfig({ kafka: brokers, topicPrefix: k.prefix })!;
  const kafka = createKafka(cfg, silentLogger());
  const producer = kafka.producer({ createPartitioner: () => () => 0, allowAutoTopicCreation: false });
  const fetcher = new Fetcher(kafka);
  try {
    const args = k.args();
    const engine = startEngine([...args, '--no-scheduler']);
    const logs = collect(engine);
    await drained(args, 60_000, 1);
    await producer.connect();
    const poison: (Buffer | string | null)[] = [
      'this is not JSON {',
      Buffer.from([0xff, 0xfe, 0x00, 0x41, 0xc3]), // not even UTF-8
      '[1, 2, 3]',
      '{"hello":"world"}',
      JSON.stringify({ v: 1, id: 'no-such', type: 'NoSuchCommand', params: {} }),
      null, // a tombstone on the request topic
      'x'.repeat(70_000), // larger than a command may be
    ];
    const good = [
      JSON.stringify({ v: 1, id: 'p-tick', type: 'PriceTick', params: { price: 60_000 } }),
      JSON.stringify({
        v: 1,
        id: 'p-open',
        type: 'CreateTraderOrder',
        params: { account_id: 'acc-1', position_type: 'LONG', order_type: 'MARKET', leverage: 5, initial_margin: 10_000 },
      }),
    ];
    const sent = await producer.send({
      topic: cfg.topics.request,
      acks: -1,
      messages: [good[0]!, ...poison, good[1]!].map((value) => ({ value, partition: 0 })),
    });
    const base = Number(sent[0]!.baseOffset);
    const poisonOffsets = poison.map((_, i) => base + 1 + i);
    const st = await drained(args, 60_000, 3);
    assert.equal(engine.exitCode, null, `the engine is still running: ${logs.text}`);
    assert.equal(st.failed_requests, poison.length, 'one failed record per bad input');

    // the failed topic holds each bad record's bytes exactly, with the reason
    const failed: Fetched[] = [];
    await scan(fetcher, cfg.topics.failed, 0, (recs) => {
      failed.push(...recs);
    });
    assert.equal(failed.length, poison.length);
    for (let i = 0; i < poison.length; i++) {
      const f = failed.find((r) => r.headers['position'] === String(poisonOffsets[i]));
      assert.ok(f !== undefined, `failed record for offset ${poisonOffsets[i]}`);
      const want = poison[i] === null ? Buffer.alloc(0) : Buffer.isBuffer(poison[i]) ? (poison[i] as Buffer) : Buffer.from(poison[i] as string);
      assert.ok((f.value ?? Buffer.alloc(0)).equals(want), `raw bytes kept for offset ${poisonOffsets[i]}`);
      assert.ok((f.headers['reason'] ?? '').length > 0, 'a reason');
      assert.equal(f.headers['reason_code'], 'INVALID_PARAMS');
    }
    assert.match(failed.find((r) => r.headers['position'] === String(poisonOffsets[0]))!.headers['reason']!, /not JSON/);
    assert.match(failed.find((r) => r.headers['position'] === String(poisonOffsets[6]))!.headers['reason']!, /exceeds/);

    // each bad record has a Rejected event; the good ones after them ran
    const ev = relayer(['events', ...args, '--json']);
    assert.equal(ev.code, 0, ev.stderr);
    const events = ev.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { cmd: string; type: string });
    for (const o of poisonOffsets.filter((_, i) => i !== 4)) {
      assert.ok(
        events.some((e) => e.cmd === `inbox:${o}` && e.type === 'Rejected'),
        `Rejected for inbox:${o}`,
      );
    }
    assert.ok(events.some((e) => e.cmd === 'no-such' && e.type === 'Rejected'));
    assert.ok(
      events.some((e) => e.cmd === 'p-open' && e.type === 'TraderOrderOpened'),
      'the loop went on after the poison',
    );
    const verify = relayer(['verify', ...args]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    engine.kill('SIGTERM');
    assert.equal((await exited(engine)).code, 0, logs.text);
  } finally {
    await producer.disconnect().catch(() => undefined);
    await fetcher.close();
    await k.cleanup();
  }
});

test('Kafka: a second engine takes over the transactional id; the first is fenced and exits non-zero', { timeout: 120_000, skip }, async () => {
  const k = kafkaCase(brokers, 'fence');
  try {
    const N = 6000;
    const lines = workload(N, 23, 'kf');
    const half = N / 2;
    writeFileSync(join(k.dir, 'a.jsonl'), `${lines.slice(0, half).join('\n')}\n`);
    writeFileSync(join(k.dir, 'b.jsonl'), `${lines.slice(half).join('\n')}\n`);
    const a = startEngine([...k.args('data-a'), '--no-scheduler', '--batch-max', '200']);
    const aLogs = collect(a);
    await drained(k.args('data-a'), 60_000, 1);
    // the standby starts while the first engine is busy with a stream of commands
    const submitting = relayerAsync(['submit', ...k.args('data-a'), '--file', join(k.dir, 'a.jsonl')]);
    await sleep(400);
    const b = startEngine([...k.args('data-b'), '--no-scheduler', '--batch-max', '200']);
    const bLogs = collect(b);
    let timer: NodeJS.Timeout | undefined;
    const aEnd = await Promise.race([
      exited(a),
      new Promise<null>((r) => {
        timer = setTimeout(() => r(null), 30_000);
      }),
    ]);
    clearTimeout(timer);
    assert.ok(aEnd !== null, `the first engine was not fenced: ${aLogs.text}`);
    assert.equal(aEnd.code, 1, 'the fenced engine exits non-zero');
    assert.match(aLogs.text, /fenced: another relayer run took over transactional id/);
    assert.equal((await submitting).code, 0);
    const more = relayerAsync(['submit', ...k.args('data-b'), '--file', join(k.dir, 'b.jsonl')]);
    assert.equal((await more).code, 0);
    await drained(k.args('data-b'), 90_000, 2);
    await sleep(300);
    assert.equal(b.exitCode, null, `the new engine keeps running: ${bLogs.text}`);
    b.kill('SIGTERM');
    assert.equal((await exited(b)).code, 0, bLogs.text);
    assertExactlyOnce(k.args('data-b'), N + 1);
    const s = status(k.args('data-b'));
    assert.ok(s !== null && s.lag === 0);
  } finally {
    await k.cleanup();
  }
});

test('Kafka: topics create is idempotent and reports config drift; describe shows the configs', { timeout: 60_000, skip }, async () => {
  const k = kafkaCase(brokers, 'topics');
  const cfg = kafkaConfig({ kafka: brokers, topicPrefix: k.prefix })!;
  const admin = createKafka(cfg, silentLogger()).admin();
  try {
    const again = relayer(['topics', 'create', ...k.kafka, '--json']);
    assert.equal(again.code, 0, again.stderr);
    const reports = again.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { role: string; exists: boolean; created: boolean; drift: unknown[]; configs: Record<string, string> });
    assert.equal(reports.length, 5);
    for (const r of reports) {
      assert.ok(r.exists && !r.created, `${r.role} exists and is not created again`);
      assert.deepEqual(r.drift, []);
      assert.equal(r.configs['message.timestamp.type'], 'LogAppendTime');
      assert.equal(r.configs['cleanup.policy'], r.role === 'snapshots' ? 'compact' : 'delete');
      if (r.role !== 'snapshots') assert.equal(r.configs['retention.ms'], '-1');
    }
    await admin.connect();
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: kafkajs.ConfigResourceTypes.TOPIC,
          name: cfg.topics.events,
          configEntries: [
            { name: 'retention.ms', value: '3600000' },
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'message.timestamp.type', value: 'LogAppendTime' },
          ],
        },
      ],
    });
    const drift = relayer(['topics', 'create', ...k.kafka]);
    assert.equal(drift.code, 0, drift.stderr);
    assert.match(drift.stderr, new RegExp(`${cfg.topics.events} exists with drift: retention.ms=3600000 \\(want -1\\)`));
    const desc = relayer(['topics', 'describe', ...k.kafka, '--json']);
    assert.equal(desc.code, 0, desc.stderr);
    const ev = desc.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { role: string; drift: { config: string }[]; offsets: unknown })
      .find((r) => r.role === 'events')!;
    assert.deepEqual(
      ev.drift.map((d) => d.config),
      ['retention.ms'],
    );
    assert.ok(ev.offsets !== undefined);
    const list = relayer(['topics', 'list', ...k.kafka, '--json']);
    assert.equal(list.stdout.trim().split('\n').length, 5);
  } finally {
    await admin.disconnect().catch(() => undefined);
    await k.cleanup();
  }
});
