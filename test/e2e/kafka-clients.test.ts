// The crash and fencing tests on the other Kafka client too (D80): the main suite runs them with
// the default client; this runs the same files again with RELAYER_KAFKA_CLIENT set to each other
// client, which every relayer process they start inherits. Skips loudly when the confluent client
// is not installed (an optional native dependency) and fails then under CI=true.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { KAFKA_CLIENTS } from '../../src/store/kafka/config.js';
import { defaultClient } from '../../src/store/kafka/clients.js';
import { confluentModule } from '../../src/store/kafka/confluent.js';
import { kafkaTarget } from './kafka-helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FILES = ['dist/test/e2e/kafka-crash.test.js', 'dist/test/e2e/kafka-faults.test.js'];

const target = await kafkaTarget();
let missing: string | null = null;
try {
  confluentModule();
} catch (e) {
  missing = (e as Error).message;
}
if (missing !== null) {
  if (process.env['CI'] === 'true') throw new Error(`CI=true needs the confluent client built (CKJS_LINKING=dynamic npm ci): ${missing}`);
  process.stderr.write(`\n!!!!!!!!!! SKIPPING THE KAFKA TESTS ON THE CONFLUENT CLIENT: ${missing} !!!!!!!!!!\n\n`);
}
const skip = 'skip' in target ? target.skip : (missing ?? false);

for (const client of KAFKA_CLIENTS.filter((c) => c !== defaultClient().kind)) {
  test(`Kafka on the ${client} client: the crash (SIGKILL) and fencing tests pass`, { timeout: 480_000, skip }, async () => {
    // a run of its own: without NODE_TEST_CONTEXT, node --test inside a test would skip the files
    const { NODE_TEST_CONTEXT: _inTest, ...env } = process.env;
    const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', ...FILES], {
      cwd: ROOT,
      env: { ...env, RELAYER_KAFKA_CLIENT: client },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString('utf8');
    });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 0, `the Kafka tests failed on ${client}:\n${out}`);
    // they ran, not skipped: every file's tests report a pass
    assert.match(out, /ℹ pass [1-9]/);
    assert.match(out, /ℹ skipped 0/);
  });
}
