// The clock-driven parts inside `relayer run`, end to end: the scheduler's CheckFeed turns a silent
// feed into PriceStale, opens are refused past stale_halt_ms until `relayer feed set` sends a fresh
// tick; funding runs at every boundary, and after the engine was down for several boundaries each
// missed one is applied once, in order, naming its boundary. Then `relayer replay` (from the
// shutdown snapshot and from scratch), `relayer verify` and `relayer exec` over the input log all
// reproduce the run exactly. --funding-every-ms 1000 keeps the hours short.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { drained, exited, relayer, sleep, startEngine, tempDir, until } from './cli-helpers.js';

interface Ev {
  seq: number;
  ts: number;
  cmd: string;
  type: string;
  data: Record<string, unknown>;
}

const ENGINE = ['--funding-every-ms', '1000', '--stale-warn-ms', '500', '--stale-halt-ms', '2500'];

function events(data: string, ...extra: string[]): Ev[] {
  const r = relayer(['events', '--data', data, '--json', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim() === ''
    ? []
    : r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Ev);
}

function open(data: string, id: string): { code: number; events: Ev[] } {
  const r = relayer([
    'submit',
    'open',
    '--data',
    data,
    '--id',
    id,
    '--account',
    id,
    '--long',
    '--market',
    '--leverage',
    '10',
    '--margin',
    '10000',
    '--wait',
    '--timeout',
    '10000',
    '--json',
  ]);
  return {
    code: r.code,
    events: r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Ev),
  };
}

const isFunding = (e: Ev): boolean => e.type === 'FundingRateUpdated' || e.type === 'FundingCycleSkipped';

test('run: staleness → refusal → recovery; funding at every boundary, missed ones after downtime; replay and verify agree', async (t) => {
  const dir = tempDir('relayer-feed-run-');
  const data = join(dir, 'data');
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  let engine = startEngine(['--data', data, ...ENGINE]);
  t.after(() => {
    if (engine.exitCode === null && engine.signalCode === null) engine.kill('SIGKILL');
  });
  await until('the engine to create its data', 15_000, () => (relayer(['status', '--data', data, '--json']).code === 0 ? true : null));

  // a tick, then silence: the scheduler's CheckFeed makes it a PriceStale warning, once
  const set = relayer(['feed', 'set', '65000', '--data', data, '--id', 'tick-1']);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, 'tick-1\n');
  const tickedAt = Date.now();
  const stale = await until('PriceStale', 10_000, () => events(data, '--type', 'PriceStale')[0]);
  assert.equal(stale.data['halted'], false);
  assert.ok((stale.data['age_ms'] as number) > 500);

  // past stale_halt_ms opens are refused …
  await sleep(Math.max(0, tickedAt + 3000 - Date.now()));
  const refused = open(data, 'open-stale');
  assert.equal(refused.code, 1);
  assert.deepEqual(
    refused.events.map((e) => [e.type, e.data['reason_code']]),
    [['Rejected', 'PRICE_FEED_PAUSED']],
  );
  // … until a fresh tick
  assert.equal(relayer(['feed', 'set', '65010', '--data', data, '--id', 'tick-2']).code, 0);
  const accepted = open(data, 'open-fresh');
  assert.equal(accepted.code, 0, JSON.stringify(accepted.events));
  assert.deepEqual(
    accepted.events.map((e) => e.type),
    ['TraderOrderOpened'],
  );

  await until('two funding cycles', 10_000, () => (events(data).filter(isFunding).length >= 2 ? true : null));
  engine.kill('SIGTERM');
  assert.deepEqual(await exited(engine), { code: 0, signal: null });
  const stoppedAt = Date.now();
  const before = events(data)
    .filter(isFunding)
    .map((e) => e.data['boundary'] as number);

  // down for more than three boundaries
  await sleep(3300);
  const restartedAt = Date.now();
  engine = startEngine(['--data', data, ...ENGINE]);
  const caughtUp = Math.floor(restartedAt / 1000) * 1000;
  await until('the missed boundaries', 15_000, () =>
    events(data)
      .filter(isFunding)
      .some((e) => (e.data['boundary'] as number) >= caughtUp)
      ? true
      : null,
  );
  await drained(data);
  engine.kill('SIGTERM');
  assert.deepEqual(await exited(engine), { code: 0, signal: null });

  const all = events(data);
  const funding = all.filter(isFunding);
  const boundaries = funding.map((e) => e.data['boundary'] as number);
  // in seq order, one per boundary, consecutive: nothing doubled, nothing skipped
  for (let i = 1; i < boundaries.length; i++) assert.equal(boundaries[i], boundaries[i - 1]! + 1000, `boundaries ${boundaries.join(', ')}`);
  assert.deepEqual(
    funding.map((e) => e.cmd),
    boundaries.map((b) => `funding:${b}`),
  );
  // missed: every boundary after the last one applied before the stop, up to the restart
  const missed = boundaries.filter((b) => b > before.at(-1)! && b <= restartedAt);
  assert.ok(
    missed.length >= 3 && missed.filter((b) => b > stoppedAt).length >= 3,
    `missed boundaries ${missed.join(', ')} (stopped ${stoppedAt}, restarted ${restartedAt})`,
  );
  assert.deepEqual(boundaries.slice(0, before.length), before);
  // the missed ones were applied after the restart, oldest first, before any later one
  const firstAfter = funding.findIndex((e) => e.ts >= restartedAt);
  assert.deepEqual(boundaries.slice(firstAfter, firstAfter + missed.length), missed);
  // one warning per silent spell (the spell after tick-1, and the one after tick-2)
  const warnings = all.filter((e) => e.type === 'PriceStale').map((e) => e.data['price_ts'] as number);
  assert.equal(warnings.length, 2, JSON.stringify(warnings));
  assert.equal(new Set(warnings).size, 2);
  // a position existed, so funding moved it
  assert.ok(all.some((e) => e.type === 'TraderOrderFundingApplied' || e.type === 'TraderOrderLiquidated'));
  const inbox = relayer(['events', '--inbox', '--data', data]);
  const fundingIds = inbox.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; type: string })
    .filter((c) => c.type === 'FundingCycle')
    .map((c) => c.id);
  assert.equal(new Set(fundingIds).size, fundingIds.length, 'no FundingCycle issued twice');
  assert.ok(!all.some((e) => e.type === 'Rejected' && e.data['reason_code'] === 'DUPLICATE_REQUEST'));

  // replay from the shutdown snapshot and from scratch, verify, and exec over the input log
  const status = JSON.parse(relayer(['status', '--data', data, '--json']).stdout) as { last_seq: number };
  const snap = JSON.parse(relayer(['replay', '--data', data, '--json']).stdout) as { seq: number; state_hash: string; price_ts: number; snapshot_seq: number };
  const scratch = JSON.parse(relayer(['replay', '--data', data, '--json', '--from-scratch']).stdout) as typeof snap;
  assert.equal(snap.seq, status.last_seq);
  assert.equal(snap.snapshot_seq, status.last_seq, 'shutdown snapshot');
  assert.equal(scratch.seq, snap.seq);
  assert.equal(scratch.state_hash, snap.state_hash);
  const verify = relayer(['verify', '--data', data, '--json']);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.equal((JSON.parse(verify.stdout) as { ok: boolean }).ok, true);
  const exec = relayer(['exec'], inbox.stdout);
  assert.equal(exec.code, 0, exec.stderr);
  assert.equal(exec.stdout, relayer(['events', '--data', data, '--json']).stdout);
});
