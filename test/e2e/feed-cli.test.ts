// `relayer feed` through its CLI: usage errors, `set` (and its --id idempotency), the manual source
// from stdin, file replay at two speeds giving the same commands, the seeded walk, and a clean
// exit 0 on SIGINT.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RandomWalk } from '../../src/feed/walk-source.js';
import { BIN, drained, engineFor, exited, inbox, jsonLines, relayer, sleep, tempDir } from './cli-helpers.js';

test('relayer feed: usage, set, manual, file at two speeds, walk, SIGINT', async (t) => {
  const dir = tempDir('relayer-feed-cli-');
  const data = join(dir, 'data');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const engine = await engineFor(t, data);

  // usage errors exit 2; help exits 0 with examples
  for (const args of [
    ['feed', '--data', data],
    ['feed', 'bogus', '--data', data],
    ['feed', 'set', '-5', '--data', data],
    ['feed', 'walk', '--data', data, '--tick-ms', 'x'],
    ['feed', 'file', '--data', data],
  ]) {
    assert.equal(relayer(args).code, 2, args.join(' '));
  }
  assert.equal(relayer(['feed', 'set', '1', '--data', join(dir, 'nothing-here')]).code, 1);
  const help = relayer(['feed', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Examples:[\s\S]*relayer feed set 65000\.5/);

  // set: one PriceTick; the same --id again is answered as a duplicate
  const s1 = relayer(['feed', 'set', '65000.5', '--data', data, '--id', 'op-1', '--json']);
  assert.equal(s1.code, 0, s1.stderr);
  assert.deepEqual({ ...(JSON.parse(s1.stdout) as object), position: 0 }, { id: 'op-1', position: 0, price: 65_000.5 });
  assert.equal(relayer(['feed', 'set', '65000.5', '--data', data, '--id', 'op-1']).code, 0);
  await drained(data);
  const ev = relayer(['events', '--data', data, '--json'])
    .stdout.trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { cmd: string; type: string; data: Record<string, unknown> })
    .filter((e) => e.cmd === 'op-1');
  assert.deepEqual(
    ev.map((e) => [e.type, e.data['reason_code'] ?? e.data['price']]),
    [
      ['PriceUpdated', 65_001],
      ['Rejected', 'DUPLICATE_REQUEST'],
    ],
  );

  // manual: prices from stdin through the gate; a bad line is counted and skipped
  const m = relayer(
    ['feed', 'manual', '--data', data, '--json', '--status-ms', '0', '--tick-ms', '0', '--log-level', 'silent'],
    '65100\nabc\n65100.2\n\n65120\n',
  );
  assert.equal(m.code, 0, m.stderr);
  const stopped = jsonLines(m.stdout).at(-1)!;
  assert.deepEqual([stopped['event'], stopped['reason'], stopped['ticks'], stopped['rejected'], stopped['prices']], ['stopped', 'end of input', 2, 1, 3]);

  // file replay: the same commands at speed 20 and with no waiting at all
  const file = join(dir, 'prices.jsonl');
  const rows: string[] = [];
  for (let i = 0; i < 60; i++) rows.push(JSON.stringify({ ts: 1_700_000_000_000 + i * 50, price: i < 20 || i >= 50 ? 64_000 + i * 0.7 : 64_014.2 }));
  writeFileSync(file, `${rows.join('\n')}\n`);
  const prefixes: string[] = [];
  for (const speed of ['20', '0']) {
    const r = relayer(['feed', 'file', file, '--data', data, '--speed', speed, '--json', '--status-ms', '0']);
    assert.equal(r.code, 0, r.stderr);
    const lines = jsonLines(r.stdout);
    assert.equal(lines.at(-1)!['reason'], 'end of file');
    prefixes.push(String(lines[0]!['id_prefix']));
  }
  const cmds = inbox(data);
  const runOf = (prefix: string): unknown[] => cmds.filter((c) => c.id.startsWith(`${prefix}:`)).map((c) => [c.type, c.params]);
  const fast = runOf(prefixes[1]!);
  assert.ok(fast.length >= 5, JSON.stringify(fast));
  assert.deepEqual(runOf(prefixes[0]!), fast);
  assert.ok(fast.some((c) => (c as [string])[0] === 'Heartbeat'));

  // walk: the seeded path, every change of round(price) a tick (tick-ms 0); SIGINT exits 0
  const walk = spawn(
    process.execPath,
    [BIN, 'feed', 'walk', '--data', data, '--seed', '3', '--step-ms', '20', '--tick-ms', '0', '--json', '--status-ms', '0', '--log-level', 'silent'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  walk.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  while (!out.includes('"started"')) await sleep(20);
  await sleep(600);
  walk.kill('SIGINT');
  assert.deepEqual(await exited(walk), { code: 0, signal: null });
  const prefix = String(jsonLines(out)[0]!['id_prefix']);
  await drained(data);
  const ticks = inbox(data)
    .filter((c) => c.id.startsWith(`${prefix}:`) && c.type === 'PriceTick')
    .map((c) => c.params['price']);
  const w = new RandomWalk(3, 60_000);
  const expected: number[] = [];
  let sent: number | null = null;
  for (let p = 60_000; expected.length < ticks.length; p = w.next()) {
    if (Math.round(p) !== sent) {
      expected.push(p);
      sent = Math.round(p);
    }
  }
  assert.ok(ticks.length >= 5, `walk ticks ${ticks.length}`);
  assert.deepEqual(ticks, expected);

  engine.kill('SIGTERM');
  assert.equal((await exited(engine)).code, 0);
});
