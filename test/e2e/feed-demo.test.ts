// `relayer run --demo` runs its prices through the walk feed source and the tick gate (ids
// feed:walk:…, the seeded path of `relayer feed walk --seed <demo seed>`), and the scheduler funds
// at the accelerated hour; the run verifies.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RandomWalk } from '../../src/feed/walk-source.js';
import { exited, inbox, relayer, sleep, startEngine, tempDir } from './cli-helpers.js';

test('run --demo: walk feed ticks through the gate, funding at accelerated boundaries', async (t) => {
  const dir = tempDir('relayer-feed-demo-');
  const data = join(dir, 'data');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const engine = startEngine(['--demo', '--demo-seed', '9', '--data', data, '--funding-every-ms', '1000']);
  t.after(() => {
    if (engine.exitCode === null && engine.signalCode === null) engine.kill('SIGKILL');
  });
  const fundings = (): number => {
    const r = relayer(['events', '--data', data, '--type', 'FundingRateUpdated', '--json']);
    return r.code === 0 && r.stdout.trim() !== '' ? r.stdout.trim().split('\n').length : 0;
  };
  for (let i = 0; fundings() < 2; i++) {
    assert.ok(i < 150, 'two funding cycles within 15 s');
    await sleep(100);
  }
  engine.kill('SIGTERM');
  assert.deepEqual(await exited(engine), { code: 0, signal: null });

  const cmds = inbox(data);
  const feed = cmds.filter((c) => c.type === 'PriceTick' || c.type === 'Heartbeat');
  assert.ok(feed.length >= 4, `feed commands: ${feed.length}`);
  const prefix = /^feed:walk:\d+:/.exec(feed[0]!.id)![0];
  assert.deepEqual(
    feed.map((c) => c.id),
    feed.map((_, n) => `${prefix}${n}`),
    "every feed command is the walk runner's, numbered",
  );
  assert.ok(!cmds.some((c) => c.type === 'PriceTick' && !c.id.startsWith(prefix)), 'no other price source');
  // the ticks follow the seeded path, in order (the gate may merge steps under load, never reorder)
  const ticks = feed.filter((c) => c.type === 'PriceTick').map((c) => c.params['price'] as number);
  assert.equal(ticks[0], 60_000);
  const walk = new RandomWalk(9, 60_000);
  let matched = 1;
  for (let steps = 0; matched < ticks.length && steps < 100_000; steps++) if (walk.next() === ticks[matched]) matched++;
  assert.equal(matched, ticks.length, `ticks ${ticks.join(', ')} follow the walk of seed 9`);
  assert.ok(feed.every((c) => c.type === 'Heartbeat' || c.params['source'] === 'walk'));

  const funding = cmds.filter((c) => c.type === 'FundingCycle').map((c) => c.params['boundary'] as number);
  assert.ok(funding.length >= 2);
  for (let i = 1; i < funding.length; i++) assert.equal(funding[i], funding[i - 1]! + 1000);
  const verify = relayer(['verify', '--data', data]);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
});
