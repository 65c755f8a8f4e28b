// The broker goes away mid-run and comes back: the engine waits and retries with backoff (it does
// not exit), resumes, and the end result is exactly-once: nothing lost, nothing twice.
//
// It stops and restarts the shared broker with scripts/kafka/stop.sh and start.sh, which would
// break Kafka tests running next to it, so it runs only in its own phase: scripts/test.mjs runs
// this file alone after the main suite, with RELAYER_TEST_KAFKA_OUTAGE=1. It also needs a broker
// that start.sh manages (stop.sh never touches one it did not start).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { exited, relayerAsync, sleep, startEngine } from './cli-helpers.js';
import { assertExactlyOnce, drained, kafkaCase, kafkaTarget, status } from './kafka-helpers.js';
import { workload } from '../../src/workload/commands.js';
import { until } from '../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PID_FILE = join(ROOT, '.cache/kafka/kafka.pid');

function managedBroker(): boolean {
  if (!existsSync(PID_FILE)) return false;
  const pid = Number(readFileSync(PID_FILE, 'utf8').trim());
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function why(): Promise<string | false> {
  if (process.env['RELAYER_TEST_KAFKA_OUTAGE'] !== '1') return 'stops the shared broker: runs in its own phase of npm test (RELAYER_TEST_KAFKA_OUTAGE=1)';
  const t = await kafkaTarget();
  if ('skip' in t) return t.skip;
  if (!managedBroker()) {
    // a broker from elsewhere (another checkout, a service): stop.sh never touches it
    const reason = "the broker on 127.0.0.1:9092 was not started by this checkout's scripts/kafka/start.sh, so this test cannot stop it";
    process.stderr.write(`\n!!!!!!!!!! SKIPPING THE KAFKA BROKER-OUTAGE TEST: ${reason} !!!!!!!!!!\n\n`);
    return reason;
  }
  return false;
}

const skip = await why();

function script(name: 'start.sh' | 'stop.sh'): void {
  const r = spawnSync('bash', [join(ROOT, 'scripts/kafka', name)], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${name}: ${r.stdout}${r.stderr}`);
}

test('Kafka: the broker stops and restarts mid-run; the engine waits, resumes, exactly once', { timeout: 180_000, skip }, async () => {
  const brokers = process.env['RELAYER_TEST_KAFKA_BROKERS'] ?? '127.0.0.1:9092';
  const k = kafkaCase(brokers, 'outage');
  let brokerDown = false;
  try {
    const args = k.args();
    const N = 16_000;
    const lines = workload(N, 31, 'ko');
    writeFileSync(join(k.dir, 'before.jsonl'), `${lines.slice(0, 12_000).join('\n')}\n`);
    writeFileSync(join(k.dir, 'after.jsonl'), `${lines.slice(12_000).join('\n')}\n`);
    // RELAYER_TEST_OUTAGE_EXTRA: more engine flags (e.g. --no-snapshot-worker) for runs by hand
    const engine = startEngine([
      ...args,
      '--no-scheduler',
      // small batches: 12 000 commands take many transactions, so the broker stops mid-run even
      // now that the engine thread no longer seals (D271; at 200 it could finish first)
      '--batch-max',
      '50',
      '--snapshot-events',
      '1500',
      // info: the "snapshot saved" lines say which thread built each image (the log is printed when it fails)
      '--log-level',
      'info',
      ...(process.env['RELAYER_TEST_OUTAGE_EXTRA'] ?? '').split(' ').filter(Boolean),
    ]);
    let logs = '';
    engine.stderr?.setEncoding('utf8').on('data', (d: string) => {
      logs += d;
    });
    await drained(args, 60_000, 1);
    const sub = await relayerAsync(['submit', ...args, '--file', join(k.dir, 'before.jsonl')]);
    assert.equal(sub.code, 0, sub.stderr);
    // stop the broker while the engine is still working through the backlog
    for (let i = 0; i < 100; i++) {
      const s = status(args);
      if (s !== null && s.last_seq > 200) break;
      await sleep(50);
    }
    const mid = status(args);
    script('stop.sh');
    brokerDown = true;
    await sleep(4000);
    assert.equal(engine.exitCode, null, `the engine waits for the broker instead of exiting:\n${logs}`);
    script('start.sh');
    brokerDown = false;
    // (an engine that never resumes fails here with its own log: what it was waiting for)
    const resumed = await drained(args, 120_000, 2).catch((e: Error) => {
      throw new Error(`${e.message}\nengine log (last 60 lines):\n${logs.split('\n').slice(-60).join('\n')}`);
    });
    assert.ok(mid === null || mid.input_committed < resumed.input_committed, 'the engine was mid-run when the broker stopped');
    assert.match(logs, /kafka: operation failed, retrying/, 'it retried');
    // the commit status sees can reach the broker before the engine has logged that it resumed
    await until('the engine to log that it resumed', 30_000, () => (/kafka: broker reachable again, resumed/.test(logs) ? true : null)).catch(() => {
      assert.fail(`it resumed, but never said so:\n${logs.split('\n').slice(-30).join('\n')}`);
    });
    const after = await relayerAsync(['submit', ...args, '--file', join(k.dir, 'after.jsonl')]);
    assert.equal(after.code, 0, after.stderr);
    await drained(args, 90_000, 2);
    await sleep(300);
    engine.kill('SIGTERM');
    assert.equal((await exited(engine)).code, 0, logs);
    assertExactlyOnce(args, N + 1);
    // which snapshot path ran (the worker's images are stored in turn with the commits, D270)
    const saved = logs.match(/"built_by":"(worker|engine)"[^\n]*snapshot saved/g) ?? [];
    const byWorker = saved.filter((l) => l.includes('"built_by":"worker"')).length;
    const givenUp = (logs.match(/a snapshot transaction did not end/g) ?? []).length;
    process.stderr.write(`outage: ${saved.length} snapshots saved (${byWorker} built by the worker), ${givenUp} image transactions given up\n`);
  } finally {
    if (brokerDown) script('start.sh');
    await k.cleanup();
  }
});
