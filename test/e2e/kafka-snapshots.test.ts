// Kafka snapshots built off the engine thread (D221), through the CLI on the real broker: the
// engine's snapshot worker reads the log through its own clients and hands each image back, and
// the engine stores it with its transactional producer. The images are listed and decoded by the
// tools, a restart recovers from the newest, and every command still has exactly one outcome.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { exited, relayer, sleep, startLogged, until } from './cli-helpers.js';
import { assertExactlyOnce, drained, kafkaCase, kafkaTarget } from './kafka-helpers.js';
import { workload } from '../../src/workload/commands.js';

const target = await kafkaTarget();

test('Kafka: periodic snapshots come from the worker, decode, and a restart recovers from them', {
  timeout: 180_000,
  skip: 'skip' in target ? target.skip : false,
}, async () => {
  const k = kafkaCase((target as { brokers: string }).brokers, 'snapw');
  try {
    const args = k.args();
    const engineArgs = [
      ...args,
      '--batch-max',
      '200',
      '--snapshot-events',
      '800',
      '--keep-snapshots',
      '50',
      '--no-scheduler',
      '--log-level',
      'info',
      '--snapshot-worker',
    ];
    const lines = workload(4_000, 23, 'ks');
    const file = join(k.dir, 'cmds.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);

    // given an engine that snapshots every 800 events (it writes genesis first)
    const engine = startLogged(['run', ...engineArgs], { RELAYER_LOG_FORMAT: 'json' });
    await drained(args, 60_000, 1);
    const sub = relayer(['submit', ...args, '--file', file]);
    assert.equal(sub.code, 0, sub.stderr);
    await drained(args, 90_000, 2);
    engine.kill('SIGTERM');
    const end = await exited(engine);
    assert.equal(end.code, 0, engine.err());

    // then the periodic images were built by the worker (the engine thread encodes only at shutdown)
    const saved = engine
      .err()
      .split('\n')
      .filter((l) => l.includes('"snapshot saved"'))
      .map((l) => JSON.parse(l) as { reason: string; seq: number; built_by: string });
    const periodic = saved.filter((s) => s.reason === 'periodic');
    assert.ok(periodic.length >= 2, `periodic snapshots: ${JSON.stringify(saved)}`);
    const failures = engine
      .err()
      .split('\n')
      .filter((l) => l.includes('snapshot writer failed'));
    for (const p of periodic) assert.equal(p.built_by, 'worker', `the image at seq ${p.seq} was built by the worker: ${failures.join('\n')}`);
    assert.ok(!engine.err().includes('snapshot writer failed'), engine.err());

    // and the tools list and decode them
    const list = relayer(['snapshot', 'list', ...args, '--json']);
    assert.equal(list.code, 0, list.stderr);
    const listed = list.stdout
      .trim()
      .split('\n')
      .flatMap((l) => JSON.parse(l) as { id: string; seq: number } | { id: string; seq: number }[]);
    for (const p of periodic)
      assert.ok(
        listed.some((s) => s.seq === p.seq),
        `image at seq ${p.seq} listed: ${list.stdout}`,
      );
    const inspected = relayer(['snapshot', 'inspect', listed.find((s) => s.seq === periodic[periodic.length - 1]!.seq)!.id, ...args, '--json']);
    assert.equal(inspected.code, 0, inspected.stderr);
    assert.equal((JSON.parse(inspected.stdout) as { seq: number }).seq, periodic[periodic.length - 1]!.seq, inspected.stdout);

    // and a restart recovers from the newest image, and every command has exactly one outcome
    const again = startLogged(['run', ...engineArgs], { RELAYER_LOG_FORMAT: 'json' });
    const recovered = await until('the restarted engine to recover', 60_000, () =>
      again
        .err()
        .split('\n')
        .find((l) => l.includes('"recovered"')),
    );
    assert.ok((JSON.parse(recovered) as { snapshot_seq: number }).snapshot_seq > 0, again.err());
    await sleep(1000); // its signal handlers go in right after recovery
    again.kill('SIGTERM');
    assert.equal((await exited(again)).code, 0, again.err());
    assertExactlyOnce(args, lines.length + 1);
  } finally {
    await k.cleanup();
  }
});
