// `relayer feed --kafka`: the file source and `feed set` put their commands on the Kafka request
// topic, the same commands the gate decides in-process, and the engine applies them exactly once.
// Skips (loudly) without a broker, like the other Kafka tests.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { replayFile } from '../../src/feed/file-source.js';
import { FeedRunner } from '../../src/feed/runner.js';
import { silentLogger } from '../../src/infra/logger.js';
import { exited, relayer, startEngine } from './cli-helpers.js';
import { assertExactlyOnce, drained, kafkaCase, kafkaTarget } from './kafka-helpers.js';

const target = await kafkaTarget();

test('feed on Kafka: file replay and set reach the request topic and the engine', {
  timeout: 120_000,
  skip: 'skip' in target ? target.skip : false,
}, async () => {
  const k = kafkaCase((target as { brokers: string }).brokers, 'feed');
  try {
    const args = k.args();
    const engine = startEngine([...args, '--no-scheduler']);
    try {
      await drained(args, 60_000, 1);
      const file = join(k.dir, 'prices.csv');
      const rows = ['ts,price'];
      for (let i = 0; i < 40; i++) rows.push(`${1_700_000_000_000 + i * 100},${(65_000 + (i % 10 < 5 ? i : 3) * 0.8).toFixed(2)}`);
      writeFileSync(file, `${rows.join('\n')}\n`);

      // what the gate decides for this file, in-process
      const expected: unknown[] = [];
      const r = new FeedRunner({
        source: 'file',
        startedAt: 0,
        gate: { tickMs: 250, heartbeatMs: 1000, tickSize: 1 },
        log: silentLogger(),
        recorded: true,
        append: (raws) => {
          for (const x of raws) {
            const c = JSON.parse(x) as { type: string; params: unknown };
            expected.push([c.type, c.params]);
          }
        },
      });
      await replayFile(r, file, 0, new AbortController().signal);
      await r.stop();

      const fed = relayer(['feed', 'file', file, ...args, '--speed', '0', '--json', '--status-ms', '0', '--log-level', 'warn']);
      assert.equal(fed.code, 0, fed.stderr);
      const set = relayer(['feed', 'set', '70000', ...args, '--id', 'op-set', '--json']);
      assert.equal(set.code, 0, set.stderr);
      await drained(args, 60_000, 2);

      const inbox = relayer(['events', ...args, '--inbox']);
      const cmds = inbox.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: string; type: string; params: unknown });
      assert.deepEqual(
        cmds.filter((c) => c.id.startsWith('feed:file:')).map((c) => [c.type, c.params]),
        expected,
      );
      assert.deepEqual(cmds.at(-1), { ...cmds.at(-1), id: 'op-set', type: 'PriceTick', params: { price: 70_000, source: 'set' } });
      const ticks = expected.filter((c) => (c as [string])[0] === 'PriceTick').length;
      const updated = relayer(['events', ...args, '--type', 'PriceUpdated', '--json'])
        .stdout.trim()
        .split('\n');
      assert.equal(updated.length, ticks + 1);
      engine.kill('SIGTERM');
      assert.equal((await exited(engine)).code, 0);
      assertExactlyOnce(args, cmds.length);
    } finally {
      if (engine.exitCode === null && engine.signalCode === null) engine.kill('SIGKILL');
    }
  } finally {
    await k.cleanup();
  }
});
