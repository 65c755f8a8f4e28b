// Crash safety of the embedded runtime: the engine is SIGKILLed at random moments while a second
// process submits ≥ 20,000 commands; after each restart it recovers. In the end every command has
// exactly the outcome `relayer exec` gives it, the event log is gapless and proves itself, and the
// final state hash equals exec's over the same input.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { drained, exited, relayer, relayerAsync, sleep, startEngine, tempDir } from './cli-helpers.js';
import { workload } from '../../src/workload/commands.js';

const TRIALS = Number(process.env['RELAYER_CHAOS_TRIALS'] ?? 10);
const COMMANDS = Number(process.env['RELAYER_CHAOS_COMMANDS'] ?? 20_000);

test(`the engine survives ${TRIALS} SIGKILLs during ${COMMANDS} commands with exactly-once outcomes`, { timeout: 600_000 }, async () => {
  const dir = tempDir();
  const data = join(dir, 'data');
  const lines = workload(COMMANDS, 7);
  const chunk = Math.ceil(lines.length / TRIALS);
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  // snapshots every few thousand events, built by the snapshot worker (D65): kills land while
  // images are being built and stored, and recoveries start from them
  const engineArgs = ['--data', data, '--batch-max', '200', '--snapshot-events', '3000'];
  let engine = startEngine(engineArgs);
  await drained(data); // the engine created the data directory and committed its genesis
  let kills = 0;
  for (let t = 0; t < TRIALS; t++) {
    const file = join(dir, `chunk-${t}.jsonl`);
    writeFileSync(file, `${lines.slice(t * chunk, (t + 1) * chunk).join('\n')}\n`);
    const submitting = relayerAsync(['submit', '--data', data, '--file', file]);
    await sleep(Math.floor(rand() * 250));
    engine.kill('SIGKILL');
    const gone = await exited(engine);
    if (gone.signal === 'SIGKILL') kills++;
    const s = await submitting;
    assert.equal(s.code, 0, s.stderr);
    engine = startEngine(engineArgs);
  }
  await drained(data, 120_000);
  engine.kill('SIGTERM');
  const end = await exited(engine);
  assert.equal(end.code, 0, 'a SIGTERM stops the engine cleanly');
  assert.ok(kills >= Math.ceil(TRIALS / 2), `the engine was really killed (${kills} of ${TRIALS})`);

  const inbox = relayer(['events', '--data', data, '--inbox']);
  assert.equal(inbox.code, 0, inbox.stderr);
  // the scheduler may add its own commands (CheckFeed while the feed is quiet, funding at an hour
  // boundary); every submitted command must be there exactly once
  const ids = inbox.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { id: string }).id);
  const submitted = new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id));
  const seen = ids.filter((id) => submitted.has(id));
  assert.equal(seen.length, COMMANDS, 'every submitted command is on the input log');
  assert.equal(new Set(seen).size, COMMANDS, 'and only once');
  assert.equal(ids[0], 'genesis', 'genesis is the first input');
  const exec = relayer(['exec', '--json'], inbox.stdout);
  assert.equal(exec.code, 0, exec.stderr);
  const expected = exec.stdout.trim().split('\n');
  const summary = JSON.parse(expected.pop()!) as { summary: { state_hash: string; last_seq: number } };

  const stored = relayer(['events', '--data', data, '--json']);
  const got = stored.stdout.trim().split('\n');
  assert.equal(got.length, expected.length, 'no event lost, none duplicated');
  for (let i = 0; i < got.length; i++) {
    const seq = (JSON.parse(got[i]!) as { seq: number }).seq;
    assert.equal(seq, i + 1, 'seq is gapless');
    if (got[i] !== expected[i]) assert.fail(`event ${i + 1} differs from exec:\n${got[i]}\n${expected[i]}`);
  }
  const runs = new Map<string, number>();
  let prev = '';
  for (const l of got) {
    const cmd = (JSON.parse(l) as { cmd: string }).cmd;
    if (cmd !== prev) runs.set(cmd, (runs.get(cmd) ?? 0) + 1);
    prev = cmd;
  }
  for (const [cmd, n] of runs) assert.equal(n, 1, `command ${cmd} has one outcome, in one place`);

  const images = relayer(['snapshot', 'list', '--data', data, '--json']);
  assert.equal(images.code, 0, images.stderr);
  assert.ok(images.stdout.trim().split('\n').length >= 2, 'the snapshot worker stored images along the way');
  const replay = relayer(['replay', '--data', data, '--json']);
  assert.equal(replay.code, 0, replay.stderr);
  assert.equal((JSON.parse(replay.stdout) as { state_hash: string }).state_hash, summary.summary.state_hash);
  const verify = relayer(['verify', '--data', data]);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
});
