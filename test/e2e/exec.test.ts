// `relayer exec` end to end on a scenario file (SPEC §4 examples A and D): the real binary, stdin
// to stdout. Checks the numbers of the examples, the hash chain byte for byte (SPEC §12), the
// rejection of a malformed line with its line number, duplicates, --ack, --json and a state
// snapshot that continues exactly where the run stopped.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { BIN, relayer, tempDir } from './cli-helpers.js';

const FIXTURE = fileURLToPath(new URL('../../../test/e2e/fixtures/example-a-d.jsonl', import.meta.url));

function uuidOf(commandId: string): string {
  const ns = Buffer.from('6f2b8f0e6c1a4c4e9a573b1d2f6a9e10', 'hex');
  const h = createHash('sha1')
    .update(Buffer.concat([ns, Buffer.from(`${commandId}:0`)]))
    .digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const scenario = readFileSync(FIXTURE, 'utf8').replaceAll('UUID_A', uuidOf('open-a'));
interface Line {
  seq: number;
  cmd: string;
  type: string;
  data: Record<string, any>;
  prev: string;
  hash: string;
}

test('exec runs the SPEC examples A and D from a file and chains every event', () => {
  const r = relayer(['exec'], scenario);
  assert.equal(r.code, 0, r.stderr);
  const raw = r.stdout.trim().split('\n');
  const ev = raw.map((l) => JSON.parse(l) as Line);
  // hash chain: prev of seq 1 is 64 zeros; hash = sha256 of the line without its hash member
  let prev = '0'.repeat(64);
  raw.forEach((line, i) => {
    assert.equal(ev[i]!.seq, i + 1);
    assert.equal(ev[i]!.prev, prev);
    const body = line.replace(/,"hash":"[0-9a-f]{64}"\}$/, '}');
    assert.equal(createHash('sha256').update(body).digest('hex'), ev[i]!.hash);
    prev = ev[i]!.hash;
  });
  const opened = ev.find((e) => e.cmd === 'open-a')!;
  assert.equal(opened.type, 'TraderOrderOpened');
  assert.equal(opened.data.order.uuid, uuidOf('open-a'));
  assert.equal(opened.data.order.available_margin, 9960);
  assert.equal(opened.data.order.maintenance_margin, 444);
  assert.equal(Math.trunc(opened.data.order.liquidation_price * 1e4), 547665121);
  const funding = ev.filter((e) => e.cmd === 'funding');
  assert.deepEqual(
    funding.map((e) => e.type),
    ['FundingRateUpdated', 'TraderOrderFundingApplied', 'TraderOrderFundingApplied'],
  );
  assert.equal(funding[0]!.data.funding_rate, 0.045);
  assert.equal(funding[1]!.data.order.available_margin, 9915);
  assert.equal(funding[2]!.data.order.available_margin, 5001.25);
  const bad = ev.find((e) => e.cmd === 'line:6')!;
  assert.equal(bad.type, 'Rejected');
  assert.equal(bad.data.reason_code, 'INVALID_PARAMS');
  assert.match(bad.data.reason, /line 6/);
  const closes = ev.filter((e) => e.cmd === 'close-a');
  assert.equal(closes[0]!.type, 'TraderOrderSettled');
  assert.equal(closes[0]!.data.order.available_margin, 11515);
  assert.equal(closes[0]!.data.pool.total_locked_value, 10_000_000_000 - 1515);
  assert.equal(closes[1]!.type, 'Rejected');
  assert.equal(closes[1]!.data.reason_code, 'DUPLICATE_REQUEST');
  assert.equal(closes[1]!.data.original_seq, closes[0]!.seq);
  assert.match(r.stderr, /state_hash [0-9a-f]{64}/);
});

test('exec --ack acknowledges each command and --json ends with a summary whose hash matches stderr', () => {
  const r = relayer(['exec', '--ack', '--json'], scenario);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, any>);
  const acks = lines.filter((l) => l['ack'] !== undefined);
  assert.equal(acks.length, 9, 'one ack per input line');
  assert.deepEqual(acks[5], { ack: 'line:6', events: 1, last_seq: acks[4]!['last_seq'] + 1 });
  const summary = lines[lines.length - 1]!['summary'];
  assert.equal(summary.commands, 9);
  assert.equal(summary.price, 61000);
  assert.equal(summary.pool.total_locked_value, 10_000_000_000 - 1515);
  assert.equal(summary.risk.status, 'HEALTHY');
  assert.equal(r.stderr.trim(), `state_hash ${summary.state_hash}`);
});

test('a run split by --state-out / --state gives the same events and hash as one run', () => {
  const dir = tempDir();
  const snap = join(dir, 'state.snap');
  const lines = scenario.trim().split('\n');
  const whole = relayer(['exec', '--json'], scenario);
  const first = relayer(['exec', '--state-out', snap], `${lines.slice(0, 5).join('\n')}\n`);
  assert.equal(first.code, 0, first.stderr);
  const second = relayer(['exec', '--json', '--state', snap], `${lines.slice(5).join('\n')}\n`);
  assert.equal(second.code, 0, second.stderr);
  const wholeLines = whole.stdout.trim().split('\n');
  const splitLines = [...first.stdout.trim().split('\n'), ...second.stdout.trim().split('\n')];
  // the malformed line is line 6 of the whole file but line 1 of the second half
  const norm = (l: string) => l.replace(/"cmd":"line:\d+"/, '"cmd":"line:N"').replace(/line \d+: /, 'line N: ');
  const wholeSummary = JSON.parse(wholeLines.pop()!).summary;
  const splitSummary = JSON.parse(splitLines.pop()!).summary;
  assert.equal(splitSummary.state_hash !== undefined, true);
  assert.equal(splitLines.length, wholeLines.length);
  // events after the malformed line differ only by that line's id, hash-chained onwards: compare data
  for (let i = 0; i < wholeLines.length; i++) {
    const a = JSON.parse(norm(wholeLines[i]!)) as Line;
    const b = JSON.parse(norm(splitLines[i]!)) as Line;
    assert.deepEqual(b.data, a.data, `event ${i + 1}`);
    assert.equal(b.seq, a.seq);
  }
  assert.equal(splitSummary.pool.total_locked_value, wholeSummary.pool.total_locked_value);
});

// The recorded scenario (test/helpers/scenario.ts, 5 000 lines: every command type, triggers,
// liquidations, funding, admin, every refusal, duplicates, malformed lines) and the exact output
// the reference engine gave for it. Any change of a byte on stdout or of the state hash fails.
const RECORDED = (name: string): Buffer => gunzipSync(readFileSync(fileURLToPath(new URL(`../../../test/engine/fixtures/${name}`, import.meta.url))));

test('exec prints the recorded scenario byte for byte (events, acks, summary and state hash)', () => {
  const input = RECORDED('scenario.in.jsonl.gz').toString('utf8');
  const expected = RECORDED('scenario.out.jsonl.gz').toString('utf8');
  const r = relayer(['exec', '--ack', '--json'], input);
  assert.equal(r.code, 0, r.stderr);
  const err = readFileSync(fileURLToPath(new URL('../../../test/engine/fixtures/scenario.err.txt', import.meta.url)), 'utf8');
  assert.equal(r.stderr, err);
  if (r.stdout !== expected) {
    const a = r.stdout.split('\n');
    const b = expected.split('\n');
    const i = a.findIndex((l, k) => l !== b[k]);
    assert.fail(`output differs first at line ${i + 1}:\n got      ${a[i]?.slice(0, 400)}\n expected ${b[i]?.slice(0, 400)}`);
  }
});

test('the chain on the engine thread (RELAYER_EXEC_THREADS=0) prints the same bytes as the chain worker', () => {
  const input = RECORDED('scenario.in.jsonl.gz').toString('utf8');
  const c = spawnSync(process.execPath, [BIN, 'exec', '--ack', '--json'], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, RELAYER_EXEC_THREADS: '0' },
  });
  assert.equal(c.status, 0, c.stderr);
  assert.ok(c.stdout === RECORDED('scenario.out.jsonl.gz').toString('utf8'), 'in-thread output differs from the recording');
});

test('two separate processes with different time zones, locales and heap limits print the same bytes', () => {
  // The in-process determinism check cannot see module state, the host's zone or locale, or a GC
  // at a different moment; two processes that differ in each of these can.
  const input = RECORDED('scenario.in.jsonl.gz').toString('utf8');
  const run = (env: Record<string, string>, node: string[]) => {
    const c = spawnSync(process.execPath, [...node, BIN, 'exec', '--json'], {
      input,
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      env: { ...process.env, ...env },
    });
    assert.equal(c.status, 0, c.stderr);
    return c;
  };
  const a = run({ TZ: 'UTC', LANG: 'C', LC_ALL: 'C' }, []);
  const b = run({ TZ: 'Pacific/Chatham', LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' }, ['--max-semi-space-size=1', '--stack-size=2000']);
  assert.ok(a.stdout.length > 1_000_000);
  assert.equal(createHash('sha256').update(b.stdout).digest('hex'), createHash('sha256').update(a.stdout).digest('hex'));
  assert.equal(b.stderr, a.stderr);
});
