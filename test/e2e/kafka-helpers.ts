// Helpers for the Kafka end-to-end tests: which broker (scripts/test.mjs starts one and passes it
// in RELAYER_TEST_KAFKA_BROKERS), unique topics per test, the engine and tools through the CLI.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { relayer, sleep, tempDir } from './cli-helpers.js';
import { createKafka } from '../../src/store/kafka/client.js';
import { kafkaConfig } from '../../src/store/kafka/config.js';
import { deleteTopics } from '../../src/store/kafka/topics.js';
import { silentLogger } from '../../src/infra/logger.js';

function answers(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const s = connect({ host: host!, port: Number(port) });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/**
 * The brokers to test against, or why the Kafka tests skip. Locally a missing broker skips
 * loudly; under CI=true it fails the run.
 */
export async function kafkaTarget(): Promise<{ brokers: string } | { skip: string }> {
  const given = process.env['RELAYER_TEST_KAFKA_BROKERS'];
  const brokers = given ?? '127.0.0.1:9092';
  if (given !== undefined || (await answers(brokers))) return { brokers };
  const reason = process.env['RELAYER_TEST_KAFKA_SKIP'] ?? `no Kafka broker answers on ${brokers} (npm test starts one with scripts/kafka/start.sh)`;
  if (process.env['CI'] === 'true') throw new Error(`the Kafka tests cannot run under CI: ${reason}`);
  process.stderr.write(`\n!!!!!!!!!! SKIPPING THE KAFKA TESTS: ${reason} !!!!!!!!!!\n\n`);
  return { skip: reason };
}

export interface KafkaCase {
  brokers: string;
  prefix: string;
  dir: string;
  /** --kafka + --topic-prefix: every command with a backend. */
  kafka: string[];
  /** kafka + a data dir (the snapshot cache) for tools and the engine. */
  args: (data?: string) => string[];
  cleanup(): Promise<void>;
}

/** Unique topics for one test, created through `relayer topics create`. */
export function kafkaCase(brokers: string, name: string): KafkaCase {
  const prefix = `t-${name}-${process.pid}-${Date.now().toString(36)}-`;
  const dir = tempDir(`relayer-kafka-${name}-`);
  const kafka = ['--kafka', brokers, '--topic-prefix', prefix];
  const created = relayer(['topics', 'create', ...kafka, '--json']);
  assert.equal(created.code, 0, created.stderr);
  return {
    brokers,
    prefix,
    dir,
    kafka,
    args: (data = 'data') => [...kafka, '--data', join(dir, data)],
    async cleanup() {
      const cfg = kafkaConfig({ kafka: brokers, topicPrefix: prefix })!;
      const k = createKafka(cfg, silentLogger());
      const admin = k.admin();
      try {
        await admin.connect();
        await deleteTopics(admin, cfg.topics);
        await admin.deleteGroups([cfg.groupId]).catch(() => undefined);
      } catch {
        /* best effort: the names are unique anyway */
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}

export interface KafkaStatus {
  lag: number;
  last_seq: number;
  input_head: number;
  input_committed: number;
  failed_requests: number;
}

export function status(args: string[]): KafkaStatus | null {
  const r = relayer(['status', ...args, '--json']);
  return r.code === 0 ? (JSON.parse(r.stdout) as KafkaStatus) : null;
}

/** Waits until every input record is committed and at least `minSeq` events exist. */
export async function drained(args: string[], timeoutMs = 90_000, minSeq = 1): Promise<KafkaStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: KafkaStatus | null = null;
  for (;;) {
    last = status(args);
    if (last !== null && last.lag === 0 && last.last_seq >= minSeq && last.input_committed === last.input_head) return last;
    if (Date.now() > deadline) throw new Error(`engine did not drain: ${JSON.stringify(last)}`);
    await sleep(200);
  }
}

/**
 * The exactly-once check shared by the Kafka fault tests: the input log exported with its stamped
 * ts, run through `relayer exec`, gives the stored event log byte for byte; seq is gapless; each
 * command's events are in one place; replay and verify agree.
 */
export function assertExactlyOnce(args: string[], expectedInputs: number): { events: number; state_hash: string } {
  const inbox = relayer(['events', ...args, '--inbox']);
  assert.equal(inbox.code, 0, inbox.stderr);
  const inputs = inbox.stdout.trim().split('\n');
  assert.equal(inputs.length, expectedInputs, 'every submitted command (and genesis) is on the input log once');
  const exec = relayer(['exec', '--json'], inbox.stdout);
  assert.equal(exec.code, 0, exec.stderr);
  const expected = exec.stdout.trim().split('\n');
  const summary = JSON.parse(expected.pop()!) as { summary: { state_hash: string } };
  const stored = relayer(['events', ...args, '--json']);
  assert.equal(stored.code, 0, stored.stderr);
  const got = stored.stdout.trim().split('\n');
  assert.equal(got.length, expected.length, 'no event lost, none duplicated');
  const runs = new Map<string, number>();
  let prev = '';
  for (let i = 0; i < got.length; i++) {
    const e = JSON.parse(got[i]!) as { seq: number; cmd: string };
    assert.equal(e.seq, i + 1, 'seq is gapless');
    if (got[i] !== expected[i]) assert.fail(`event ${i + 1} differs from exec:\n${got[i]}\n${expected[i]}`);
    if (e.cmd !== prev) runs.set(e.cmd, (runs.get(e.cmd) ?? 0) + 1);
    prev = e.cmd;
  }
  for (const [cmd, n] of runs) assert.equal(n, 1, `command ${cmd} has one outcome, in one place`);
  const replay = relayer(['replay', ...args, '--json']);
  assert.equal(replay.code, 0, replay.stderr);
  assert.equal((JSON.parse(replay.stdout) as { state_hash: string }).state_hash, summary.summary.state_hash, "replay gives exec's state hash");
  const verify = relayer(['verify', ...args]);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  return { events: got.length, state_hash: summary.summary.state_hash };
}
