// Crash safety of the Kafka backend: the engine is SIGKILLed at random moments while a second
// process submits ≥ 20,000 commands; each restart takes over the transactional id (aborting
// whatever the dead engine left open) and recovers from snapshot + events. In the end every command
// has exactly the outcome `relayer exec` gives it over the exported input log, seq is gapless,
// and replay's state hash equals exec's.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { exited, relayerAsync, sleep, startEngine } from './cli-helpers.js';
import { assertExactlyOnce, drained, kafkaCase, kafkaTarget } from './kafka-helpers.js';
import { workload } from '../../src/workload/commands.js';

const TRIALS = Number(process.env['RELAYER_KAFKA_CHAOS_TRIALS'] ?? 6);
const COMMANDS = Number(process.env['RELAYER_KAFKA_CHAOS_COMMANDS'] ?? 20_000);

const target = await kafkaTarget();

test(`Kafka: the engine survives ${TRIALS} SIGKILLs during ${COMMANDS} commands with exactly-once outcomes`, {
  timeout: 240_000,
  skip: 'skip' in target ? target.skip : false,
}, async () => {
  const k = kafkaCase((target as { brokers: string }).brokers, 'crash');
  try {
    const args = k.args();
    const engineArgs = [...args, '--batch-max', '300', '--snapshot-events', '6000', '--no-scheduler'];
    const lines = workload(COMMANDS, 11, 'kc');
    const chunk = Math.ceil(lines.length / TRIALS);
    let seed = 4242;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let engine = startEngine(engineArgs);
    await drained(args, 60_000, 1); // the engine wrote genesis and committed it
    let kills = 0;
    for (let t = 0; t < TRIALS; t++) {
      const file = join(k.dir, `chunk-${t}.jsonl`);
      writeFileSync(file, `${lines.slice(t * chunk, (t + 1) * chunk).join('\n')}\n`);
      const submitting = relayerAsync(['submit', ...args, '--file', file]);
      await sleep(300 + Math.floor(rand() * 1500));
      engine.kill('SIGKILL');
      const gone = await exited(engine);
      if (gone.signal === 'SIGKILL') kills++;
      const s = await submitting;
      assert.equal(s.code, 0, s.stderr);
      engine = startEngine(engineArgs);
    }
    await drained(args, 120_000, 2);
    await sleep(500); // nothing more arrives: the submitters are done
    engine.kill('SIGTERM');
    const end = await exited(engine);
    assert.equal(end.code, 0, 'a SIGTERM stops the engine cleanly');
    assert.ok(kills >= Math.ceil(TRIALS / 2), `the engine was really killed (${kills} of ${TRIALS})`);
    assertExactlyOnce(args, COMMANDS + 1);
  } finally {
    await k.cleanup();
  }
});
