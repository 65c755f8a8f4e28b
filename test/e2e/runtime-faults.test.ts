// Fault tests of the embedded runtime, driven through the real CLI: bad input of every kind, a
// corrupted snapshot, a cut or edited event log, two engines on one data directory, SIGTERM, and a
// data file from a newer binary. SQLite is opened directly only to do the damage (and to read the
// failed table, which no command prints).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { BIN, drained, relayer, sleep, tempDir, type Ran } from './cli-helpers.js';
import { workload } from '../../src/workload/commands.js';
import { packFrame, unpackFrame } from '../../src/store/sqlite/frames.js';

// ---- helpers -------------------------------------------------------------------------------

interface Engine {
  child: ChildProcess;
  /** Everything the engine wrote on stderr so far (pino JSON lines). */
  log(): string;
  /** Resolves once the process is gone and its stderr is drained. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A fresh data directory under a temp dir that is removed after the test. */
function workspace(t: TestContext): { dir: string; data: string } {
  const dir = tempDir('relayer-faults-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, data: join(dir, 'data') };
}

/** `relayer run` with info logs captured; killed after the test if it is still alive. */
function launch(t: TestContext, data: string, ...extra: string[]): Engine {
  const child = spawn(process.execPath, [BIN, 'run', '--data', data, '--log-level', 'info', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    log += d;
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, log: () => log, closed };
}

function alive(e: Engine): boolean {
  return e.child.exitCode === null && e.child.signalCode === null;
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** SIGTERM and the exit status, which must come within 15 s. */
async function terminate(e: Engine): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  e.child.kill('SIGTERM');
  return within(e.closed, 15_000, 'engine exit after SIGTERM');
}

/** The engine's pino lines (non-JSON noise skipped). */
function logRecords(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const l of text.split('\n')) {
    if (!l.startsWith('{')) continue;
    try {
      out.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      /* partial line */
    }
  }
  return out;
}

/** Waits for a log record with this msg (the engine logs `recovered` before it consumes input). */
async function logged(e: Engine, msg: string, ms = 15_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const hit = logRecords(e.log()).find((r) => r['msg'] === msg);
    if (hit !== undefined) return hit;
    if (!alive(e) || Date.now() > deadline) throw new Error(`engine never logged "${msg}"; its stderr:\n${e.log()}`);
    await sleep(25);
  }
}

/** A CLI call that cannot hang the test (relayer run on a healthy directory would run forever). */
function bounded(args: string[], timeoutMs = 20_000): Ran & { signal: NodeJS.Signals | null } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

function ok(r: Ran, what: string): Ran {
  assert.equal(r.code, 0, `${what} exited ${r.code}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`);
  return r;
}

interface Status {
  engine: string;
  input_head: number;
  input_committed: number;
  lag: number;
  last_seq: number;
  last_hash: string;
  last_snapshot: { id: string; seq: number } | null;
  snapshots: number;
  failed_requests: number;
  market: { seq: number; pool: { total_locked_value: number | null; total_pool_share: number | null } | null } | null;
}

function status(data: string): Status {
  return JSON.parse(ok(relayer(['status', '--data', data, '--json']), 'relayer status').stdout) as Status;
}

interface Ev {
  seq: number;
  cmd: string;
  type: string;
  data: Record<string, unknown>;
  line: string;
}

function allEvents(data: string): Ev[] {
  const out = ok(relayer(['events', '--data', data, '--json']), 'relayer events').stdout.trim();
  return out === '' ? [] : out.split('\n').map((line) => ({ ...(JSON.parse(line) as Omit<Ev, 'line'>), line }));
}

function byCmd(events: readonly Ev[]): Map<string, Ev[]> {
  const m = new Map<string, Ev[]>();
  for (const e of events) {
    const l = m.get(e.cmd);
    if (l === undefined) m.set(e.cmd, [e]);
    else l.push(e);
  }
  return m;
}

/** Appends lines with `relayer submit --file`; returns the {id, position} the CLI printed for each. */
function submitFile(dir: string, data: string, name: string, lines: readonly string[]): { id: string | null; position: string }[] {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const r = ok(relayer(['submit', '--data', data, '--file', file, '--json']), `relayer submit --file ${name}`);
  const acks = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string | null; position: string });
  assert.equal(acks.length, lines.length, 'submit acknowledges every line');
  return acks;
}

interface FailedRow {
  pos: number;
  ts: number;
  id: string | null;
  reason_code: string;
  reason: string;
  raw: string;
}

function failedRows(data: string): Map<number, FailedRow> {
  const db = new Database(join(data, 'relayer.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT pos, ts, id, reason_code, reason, raw FROM failed ORDER BY pos').all() as FailedRow[];
    return new Map(rows.map((r) => [r.pos, r]));
  } finally {
    db.close();
  }
}

/** Opens the data file read-write to damage it (the engine must be stopped). */
function damage<T>(data: string, fn: (db: Database.Database) => T): T {
  const db = new Database(join(data, 'relayer.db'), { fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

interface FrameRow {
  first_seq: number;
  last_seq: number;
  data: Buffer;
}

/** Cuts the stored event log after `keep` events, frames and all (what a lost disk tail looks like). */
function cutLog(db: Database.Database, keep: number): void {
  const f = db.prepare('SELECT first_seq, last_seq, data FROM event_frames WHERE first_seq <= ? ORDER BY first_seq DESC LIMIT 1').get(keep) as FrameRow;
  const lines = unpackFrame(f.data, f.last_seq - f.first_seq + 1, f.first_seq).slice(0, keep - f.first_seq + 1);
  db.prepare('UPDATE event_frames SET last_seq = ?, data = ? WHERE first_seq = ?').run(keep, packFrame(lines.join('\n')), f.first_seq);
  db.prepare('DELETE FROM event_frames WHERE first_seq > ?').run(keep);
}

/** Rewrites the stored line of event `seq` inside its frame. */
function editLine(db: Database.Database, seq: number, edit: (line: string) => string): void {
  const f = db.prepare('SELECT first_seq, last_seq, data FROM event_frames WHERE first_seq <= ? ORDER BY first_seq DESC LIMIT 1').get(seq) as FrameRow;
  const lines = unpackFrame(f.data, f.last_seq - f.first_seq + 1, f.first_seq);
  lines[seq - f.first_seq] = edit(lines[seq - f.first_seq]!);
  db.prepare('UPDATE event_frames SET data = ? WHERE first_seq = ?').run(packFrame(lines.join('\n')), f.first_seq);
}

/** Starts an engine on a new directory, submits `n` workload commands, waits, stops it cleanly. */
async function populate(t: TestContext, dir: string, data: string, n: number, seed: number): Promise<Status> {
  const e = launch(t, data);
  await drained(data, 20_000);
  submitFile(dir, data, `workload-${seed}.jsonl`, workload(n, seed));
  await drained(data, 20_000);
  const end = await terminate(e);
  assert.equal(end.code, 0, `a SIGTERM stops the engine cleanly:\n${e.log()}`);
  return status(data);
}

const open = (id: string, account: string, params: Record<string, unknown> = {}): string =>
  JSON.stringify({
    v: 1,
    id,
    type: 'CreateTraderOrder',
    params: { account_id: account, position_type: 'LONG', order_type: 'MARKET', leverage: 5, initial_margin: 10_000, ...params },
  });
const lend = (id: string, account: string, deposit: unknown): string =>
  JSON.stringify({ v: 1, id, type: 'CreateLendOrder', params: { account_id: account, deposit, balance: 0 } });
const tick = (id: string, price: unknown): string => JSON.stringify({ v: 1, id, type: 'PriceTick', params: { price } });

// ---- 1. bad input --------------------------------------------------------------------------

interface BadCase {
  name: string;
  line: string;
  /** The engine cannot read the id (not JSON, too large, bad id): the outcome is `inbox:<pos>`. */
  byPosition?: boolean;
  status: string;
  code: string;
  /** Another outcome that is as right (e.g. a range check at parse time instead of the risk gate). */
  or?: { status: string; code: string };
  reason?: RegExp;
  /** What the quarantined raw record must still show of the client's input. */
  raw: RegExp | 'exact';
}

test('bad input of every kind is rejected with its reason code and quarantined; the engine goes on and loses nothing', { timeout: 60_000 }, async (t) => {
  const { dir, data } = workspace(t);
  const engine = launch(t, data, '--batch-max', '4');
  await drained(data, 20_000);

  // Client-side refusals: usage errors (exit 2) that put nothing on the input log.
  const before = status(data).input_head;
  const unknownKind = relayer(['submit', 'FlyToMoon', '--data', data]);
  assert.equal(unknownKind.code, 2, unknownKind.stderr);
  assert.match(unknownKind.stderr, /unknown command kind FlyToMoon/);
  const badFlag = relayer(['submit', 'open', '--data', data, '--account', 'u', '--long', '--leverage', '10x', '--margin', '1000']);
  assert.equal(badFlag.code, 2, badFlag.stderr);
  assert.match(badFlag.stderr, /--leverage must be a number/);
  assert.equal(status(data).input_head, before, 'a refused submit appends nothing');

  const big = JSON.stringify({
    v: 1,
    id: 'bad-oversized',
    type: 'CreateTraderOrder',
    params: { account_id: 'big', position_type: 'LONG', order_type: 'MARKET', leverage: 5, initial_margin: 10_000, pad: 'x'.repeat(70_000) },
  });
  assert.ok(Buffer.byteLength(big) > 64 * 1024);
  const cases: BadCase[] = [
    {
      name: 'malformed JSON (cut short)',
      line: '{"v":1,"id":"bad-cut","type":"PriceTick","params":{"price":61000}',
      byPosition: true,
      status: 'CANCELLED',
      code: 'INVALID_PARAMS',
      reason: /not JSON/,
      raw: 'exact',
    },
    {
      name: 'not JSON at all',
      line: 'this is not json, just words',
      byPosition: true,
      status: 'CANCELLED',
      code: 'INVALID_PARAMS',
      reason: /not JSON/,
      raw: 'exact',
    },
    {
      name: 'NaN literal',
      line: '{"v":1,"id":"bad-nan","type":"CreateTraderOrder","params":{"account_id":"nan","position_type":"LONG","order_type":"MARKET","leverage":NaN,"initial_margin":10000}}',
      byPosition: true,
      status: 'CANCELLED',
      code: 'INVALID_PARAMS',
      reason: /not JSON/,
      raw: 'exact',
    },
    { name: 'a JSON array', line: '[1,2,3]', byPosition: true, status: 'CANCELLED', code: 'INVALID_PARAMS', reason: /JSON object/, raw: 'exact' },
    {
      name: 'unknown command type',
      line: JSON.stringify({ v: 1, id: 'bad-unknown', type: 'FlyToMoon', params: {} }),
      status: 'CANCELLED',
      code: 'INVALID_PARAMS',
      reason: /unknown command type "FlyToMoon"/,
      raw: /FlyToMoon/,
    },
    {
      name: 'leverage as a string',
      line: open('bad-lev-string', 'lev-string', { leverage: '10' }),
      status: 'CANCELLED',
      code: 'INVALID_PARAMS',
      reason: /leverage must be a finite number/,
      raw: /"leverage":"10"/,
    },
    {
      name: 'price as a string',
      line: tick('bad-price-string', '61000'),
      status: 'CANCELLED',
      code: 'INVALID_PARAMS',
      reason: /price/,
      raw: /"price":"61000"/,
    },
    {
      name: 'params an array',
      line: JSON.stringify({ v: 1, id: 'bad-params-array', type: 'Heartbeat', params: [1, 2] }),
      status: 'CANCELLED',
      code: 'INVALID_PARAMS',
      reason: /params must be a JSON object/,
      raw: /\[1,2\]/,
    },
    {
      name: 'missing account_id',
      line: JSON.stringify({
        v: 1,
        id: 'bad-no-account',
        type: 'CreateTraderOrder',
        params: { position_type: 'LONG', order_type: 'MARKET', leverage: 5, initial_margin: 10_000 },
      }),
      status: 'CANCELLED',
      code: 'INVALID_PARAMS',
      reason: /account_id is required/,
      raw: /bad-no-account/,
    },
    {
      name: 'missing deposit',
      line: JSON.stringify({ v: 1, id: 'bad-no-deposit', type: 'CreateLendOrder', params: { account_id: 'no-deposit' } }),
      status: 'CANCELLED',
      code: 'INVALID_PARAMS',
      reason: /deposit is required/,
      raw: /bad-no-deposit/,
    },
    {
      name: 'id longer than 128 characters',
      line: JSON.stringify({ v: 1, id: 'i'.repeat(200), type: 'Heartbeat', params: {} }),
      byPosition: true,
      status: 'CANCELLED',
      code: 'INVALID_PARAMS',
      reason: /id must be/,
      raw: /i{200}/,
    },
    {
      name: 'leverage 1e400 (Infinity)',
      line: '{"v":1,"id":"bad-lev-inf","type":"CreateTraderOrder","params":{"account_id":"lev-inf","position_type":"LONG","order_type":"MARKET","leverage":1e400,"initial_margin":10000}}',
      status: 'CANCELLED',
      code: 'INVALID_PARAMS',
      reason: /leverage/,
      raw: /1e400/,
    },
    {
      name: 'margin -5',
      line: open('bad-margin-neg', 'margin-neg', { initial_margin: -5 }),
      status: 'RejectedByRiskEngine',
      code: 'INVALID_PARAMS',
      raw: /"initial_margin":-5/,
    },
    {
      name: 'margin 1e308',
      line: open('bad-margin-huge', 'margin-huge', { initial_margin: 1e308 }),
      status: 'RejectedByRiskEngine',
      code: 'SIZE_TOO_LARGE',
      or: { status: 'CANCELLED', code: 'INVALID_PARAMS' },
      raw: /"initial_margin":1e\+?308/,
    },
    { name: 'leverage 0.5', line: open('bad-lev-low', 'lev-low', { leverage: 0.5 }), status: 'CANCELLED', code: 'INVALID_PARAMS', raw: /"leverage":0\.5/ },
    {
      name: 'deposit -5',
      line: lend('bad-deposit-neg', 'deposit-neg', -5),
      status: 'CANCELLED',
      code: 'INVALID_PARAMS',
      reason: /deposit/,
      raw: /"deposit":-5/,
    },
    { name: 'price -5', line: tick('bad-price-neg', -5), status: 'CANCELLED', code: 'INVALID_PARAMS', reason: /price/, raw: /"price":-5/ },
    {
      name: 'a record over 64 KiB',
      line: big,
      byPosition: true,
      status: 'CANCELLED',
      code: 'INVALID_PARAMS',
      reason: /exceeds 65536 bytes/,
      raw: /bad-oversized/,
    },
    {
      name: '70 KB of text',
      line: 'z'.repeat(70_000),
      byPosition: true,
      status: 'CANCELLED',
      code: 'INVALID_PARAMS',
      reason: /exceeds 65536 bytes/,
      raw: 'exact',
    },
  ];

  // Every bad line is followed by a good command, so each is judged between working ones.
  const goods: string[] = [];
  const lines: string[] = [tick('good-tick-0', 60_000)];
  goods.push('good-tick-0');
  const caseAt = new Map<number, BadCase>(); // line index → case
  cases.forEach((c, i) => {
    caseAt.set(lines.length, c);
    lines.push(c.line);
    const id = `good-${i}`;
    lines.push(i % 3 === 0 ? lend(id, `lender-${i}`, 1_000_000) : i % 3 === 1 ? open(id, `trader-${i}`) : tick(id, 60_000 + (i + 1) * 10));
    goods.push(id);
  });
  // A duplicate inside the same file: the second copy must not execute again.
  lines.push(open('dup-1', 'dup-acct'));
  lines.push(open('dup-1', 'dup-acct'));
  goods.push('dup-1');
  const acks = submitFile(dir, data, 'bad.jsonl', lines);
  await drained(data, 20_000);
  assert.ok(alive(engine), `the engine is still running after the bad input:\n${engine.log()}`);

  // A later batch: one more repeat of dup-1 (a different body, same id) and good commands.
  const later = submitFile(dir, data, 'later.jsonl', [
    tick('dup-1', 99_999),
    open('good-later', 'trader-later'),
    lend('good-later-lend', 'lender-later', 2_000_000),
  ]);
  goods.push('good-later', 'good-later-lend');
  const waited = relayer(['submit', 'tick', '--data', data, '--id', 'good-wait', '--price', '60500', '--wait', '--json']);
  assert.equal(waited.code, 0, `a command after the bad input executes: ${waited.stdout}${waited.stderr}`);
  goods.push('good-wait');
  await drained(data, 20_000);
  assert.ok(alive(engine), 'the engine is still running');

  const events = allEvents(data);
  const outcome = byCmd(events);
  const failed = failedRows(data);
  const st = status(data);
  const problems: string[] = [];

  for (const [i, c] of caseAt) {
    const pos = Number(acks[i]!.position);
    const cmd = c.byPosition ? `inbox:${pos}` : (JSON.parse(c.line) as { id: string }).id;
    const rej = (outcome.get(cmd) ?? []).filter((e) => e.type === 'Rejected');
    if (rej.length !== 1) {
      problems.push(`${c.name}: expected one Rejected for ${cmd}, got ${JSON.stringify(outcome.get(cmd)?.map((e) => e.type) ?? [])}`);
      continue;
    }
    const d = rej[0]!.data;
    const right =
      (d['status'] === c.status && d['reason_code'] === c.code) || (c.or !== undefined && d['status'] === c.or.status && d['reason_code'] === c.or.code);
    if (!right) problems.push(`${c.name}: Rejected ${String(d['status'])}/${String(d['reason_code'])}, expected ${c.status}/${c.code}`);
    if (c.reason !== undefined && !c.reason.test(String(d['reason']))) problems.push(`${c.name}: reason "${String(d['reason'])}" does not match ${c.reason}`);
    if ((outcome.get(cmd) ?? []).length !== 1) problems.push(`${c.name}: a rejected command has other events too`);
    const f = failed.get(pos);
    if (f === undefined) {
      problems.push(`${c.name}: no failed record at position ${pos}`);
      continue;
    }
    if (f.reason_code !== d['reason_code']) problems.push(`${c.name}: failed record says ${f.reason_code}, the event says ${String(d['reason_code'])}`);
    if (f.reason !== d['reason']) problems.push(`${c.name}: failed record reason differs from the event's`);
    if (f.id !== (c.byPosition ? null : cmd)) problems.push(`${c.name}: failed record id ${f.id}, expected ${c.byPosition ? null : cmd}`);
    if (c.raw === 'exact' ? f.raw !== c.line : !c.raw.test(f.raw)) {
      problems.push(
        `${c.name}: the failed record does not keep the client's input (${c.raw === 'exact' ? 'byte for byte' : String(c.raw)}): ${f.raw.slice(0, 200)}`,
      );
    }
  }

  // Duplicates: the original executes once, each repeat is only a DUPLICATE_REQUEST naming it.
  const dup = outcome.get('dup-1') ?? [];
  const firstRun = dup.filter((e) => e.type !== 'Rejected');
  assert.deepEqual(
    firstRun.map((e) => e.type),
    ['TraderOrderOpened'],
    'dup-1 executed exactly once',
  );
  const repeats = dup.filter((e) => e.type === 'Rejected');
  assert.equal(repeats.length, 2, 'both repeats of dup-1 are answered');
  for (const r of repeats) {
    assert.equal(r.data['status'], 'DuplicateOrder');
    assert.equal(r.data['reason_code'], 'DUPLICATE_REQUEST');
    assert.equal(r.data['original_seq'], firstRun[0]!.seq, 'original_seq names the first event of the first execution');
    assert.ok(r.seq > firstRun[0]!.seq);
  }
  const dupPositions = [Number(acks[lines.length - 1]!.position), Number(later[0]!.position)];
  for (const pos of dupPositions) {
    const f = failed.get(pos);
    assert.ok(f !== undefined, `the repeat at position ${pos} has a failed record`);
    assert.equal(f.reason_code, 'DUPLICATE_REQUEST');
    assert.equal(f.id, 'dup-1');
    assert.match(f.raw, /dup-1/);
  }
  assert.equal(failed.has(Number(acks[lines.length - 2]!.position)), false, 'the original of a duplicate is not a failure');

  // Nothing else is lost: every good command has its own non-rejected outcome, every input is consumed.
  for (const id of goods) {
    const evs = outcome.get(id) ?? [];
    const own = id === 'dup-1' ? firstRun : evs;
    if (own.length === 0) problems.push(`good command ${id} has no outcome`);
    else if (own.some((e) => e.type === 'Rejected'))
      problems.push(`good command ${id} was rejected: ${JSON.stringify(own.find((e) => e.type === 'Rejected')!.data)}`);
  }
  const expectedFailed = cases.length + 2;
  if (failed.size !== expectedFailed) problems.push(`failed table holds ${failed.size} records, expected ${expectedFailed} (the bad cases and two repeats)`);
  if (st.failed_requests !== failed.size) problems.push(`status failed_requests ${st.failed_requests} ≠ ${failed.size}`);
  assert.equal(st.lag, 0);
  assert.equal(st.input_committed, st.input_head);
  assert.equal(st.last_seq, events.length, 'the event log is gapless');
  assert.equal(st.engine, `running (pid ${engine.child.pid})`);

  const end = await terminate(engine);
  assert.equal(end.code, 0, engine.log());
  ok(relayer(['verify', '--data', data]), 'verify after bad input');
  assert.deepEqual(problems, [], `bad input was not handled as specified:\n  ${problems.join('\n  ')}`);
});

// ---- 1b. huge but finite numbers -----------------------------------------------------------

test('huge finite numbers (1e308) are refused and never make the state non-finite or break determinism across a restart', { timeout: 60_000 }, async (t) => {
  const { dir, data } = workspace(t);
  let engine = launch(t, data);
  await drained(data, 20_000);
  const acks = submitFile(dir, data, 'huge.jsonl', [
    tick('tick-0', 60_000),
    lend('lend-ok', 'lender-ok', 1_000_000),
    lend('huge-deposit', 'lender-huge', 1e308),
    open('huge-limit', 'short-huge', { position_type: 'SHORT', order_type: 'LIMIT', entryprice: 1e308 }),
    tick('tick-1', 60_100),
  ]);
  assert.equal(acks.length, 5);
  await drained(data, 20_000);
  const end1 = await terminate(engine);
  assert.equal(end1.code, 0, engine.log());

  // A restart recovers from the shutdown snapshot; the next command must behave as without it.
  engine = launch(t, data);
  await logged(engine, 'recovered');
  const after = relayer(['submit', 'lend', '--data', data, '--id', 'lend-after-restart', '--account', 'lender-2', '--deposit', '1000000', '--wait', '--json']);
  const end2 = await terminate(engine);
  assert.equal(end2.code, 0, engine.log());

  const outcome = byCmd(allEvents(data));
  const problems: string[] = [];
  for (const id of ['huge-deposit', 'huge-limit']) {
    const evs = outcome.get(id) ?? [];
    const rej = evs.find((e) => e.type === 'Rejected');
    if (rej === undefined) problems.push(`${id} was accepted (${evs.map((e) => e.type).join(', ')}): ${evs[0]?.line.slice(0, 400)}`);
    else if (rej.data['reason_code'] !== 'INVALID_PARAMS' && rej.data['reason_code'] !== 'SIZE_TOO_LARGE')
      problems.push(`${id} rejected with ${String(rej.data['reason_code'])}`);
  }
  const pool = status(data).market?.pool;
  if (pool === null || pool === undefined || !Number.isFinite(pool.total_locked_value) || !Number.isFinite(pool.total_pool_share)) {
    problems.push(`the pool is not finite after the huge inputs: ${JSON.stringify(pool)}`);
  }
  if (after.code !== 0) problems.push(`a normal lend after the restart was refused: ${after.stdout.slice(0, 400)}${after.stderr}`);
  const verify = relayer(['verify', '--data', data, '--json']);
  if (verify.code !== 0) problems.push(`verify (re-execution without the restart) disagrees with the log the restarted engine wrote: ${verify.stdout.trim()}`);
  assert.deepEqual(problems, [], `huge numbers broke the engine:\n  ${problems.join('\n  ')}`);
});

// ---- 2. corrupted newest snapshot ----------------------------------------------------------

test('a corrupted newest snapshot is reported invalid and recovery falls back to an older one with a warning', { timeout: 60_000 }, async (t) => {
  const { dir, data } = workspace(t);
  const lines = workload(400, 21);
  let engine = launch(t, data);
  await drained(data, 20_000);
  submitFile(dir, data, 'a.jsonl', lines.slice(0, 200));
  await drained(data, 20_000);
  const s1 = JSON.parse(ok(relayer(['snapshot', 'create', '--data', data, '--json']), 'snapshot create').stdout) as { id: string; seq: number };
  submitFile(dir, data, 'b.jsonl', lines.slice(200));
  await drained(data, 20_000);
  const end = await terminate(engine);
  assert.equal(end.code, 0, engine.log());

  const st = status(data);
  const snaps = ok(relayer(['snapshot', 'list', '--data', data, '--json']), 'snapshot list')
    .stdout.trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; seq: number });
  assert.ok(snaps.length >= 2, 'an older snapshot exists to fall back to');
  const newest = snaps[0]!;
  assert.equal(newest.seq, st.last_seq, 'the shutdown snapshot is the newest');
  assert.ok(newest.seq > s1.seq);
  assert.equal(snaps[1]!.id, s1.id);
  const before = JSON.parse(ok(relayer(['replay', '--data', data, '--json']), 'replay').stdout) as { state_hash: string; snapshot: string | null };
  assert.equal(before.snapshot, newest.id, 'replay starts from the newest snapshot while it is intact');
  ok(relayer(['snapshot', 'inspect', newest.id, '--data', data, '--json']), 'inspect of the intact snapshot');

  // Flip one byte in the middle of the newest snapshot's state lines.
  damage(data, (db) => {
    const v = db.prepare('SELECT data FROM snapshots WHERE id = ?').pluck().get(Number(newest.id)) as string | Buffer;
    const buf = Buffer.from(v);
    const header = buf.indexOf(0x0a);
    let i = header + Math.floor((buf.length - header) / 2);
    while (buf[i]! >= 0x80 || buf[i] === 0x0a) i++;
    buf[i] = buf[i]! ^ 0x01;
    db.prepare('UPDATE snapshots SET data = ? WHERE id = ?').run(typeof v === 'string' ? buf.toString('utf8') : buf, Number(newest.id));
  });

  const inspect = relayer(['snapshot', 'inspect', '--data', data, '--json']);
  assert.equal(inspect.code, 1, `inspect of the corrupted snapshot exits 1: ${inspect.stdout}${inspect.stderr}`);
  const rep = JSON.parse(inspect.stdout) as { id: string; valid: boolean; error: string };
  assert.equal(rep.id, newest.id);
  assert.equal(rep.valid, false);
  assert.match(rep.error, /checksum/);
  assert.match(inspect.stderr, new RegExp(`snapshot ${newest.id} is invalid`));
  ok(relayer(['snapshot', 'inspect', s1.id, '--data', data]), 'the older snapshot is still valid');

  engine = launch(t, data);
  const recovered = await logged(engine, 'recovered');
  const warn = logRecords(engine.log()).find((r) => Number(r['level']) >= 40 && String(r['snapshot']) === newest.id);
  assert.ok(warn !== undefined, `the engine warns about snapshot ${newest.id}:\n${engine.log()}`);
  assert.match(String(warn['msg']), /invalid/);
  assert.equal(recovered['snapshot'], s1.id, 'recovery used the older snapshot');
  assert.equal(recovered['seq'], st.last_seq, 'and replayed the log to the end');
  assert.equal(recovered['replayed'], st.last_seq - s1.seq);

  const replayed = JSON.parse(ok(relayer(['replay', '--data', data, '--json']), 'replay after corruption').stdout) as {
    state_hash: string;
    snapshot: string | null;
  };
  assert.equal(replayed.state_hash, before.state_hash, 'the state is the same as before the corruption');
  assert.equal(replayed.snapshot, s1.id);
  const scratch = JSON.parse(ok(relayer(['replay', '--data', data, '--from-scratch', '--json']), 'replay --from-scratch').stdout) as { state_hash: string };
  assert.equal(scratch.state_hash, before.state_hash);

  ok(relayer(['submit', 'tick', '--data', data, '--price', '61234', '--wait']), 'the recovered engine executes new commands');
  assert.ok(alive(engine));
  const end2 = await terminate(engine);
  assert.equal(end2.code, 0, engine.log());
  ok(relayer(['verify', '--data', data]), 'verify after recovery');
});

// ---- 3. cut or edited event log ------------------------------------------------------------

test('a truncated event log fails verify naming the first missing seq', { timeout: 60_000 }, async (t) => {
  const { dir, data } = workspace(t);
  const st = await populate(t, dir, data, 300, 31);
  ok(relayer(['verify', '--data', data]), 'verify before the damage');
  const n = st.last_seq;
  assert.ok(n > 10);
  const cut = 3;
  damage(data, (db) => cutLog(db, n - cut));
  const first = n - cut + 1;

  const v = relayer(['verify', '--data', data, '--json']);
  assert.equal(v.code, 1, `verify fails on a cut log: ${v.stdout}${v.stderr}`);
  const res = JSON.parse(v.stdout) as { ok: boolean; first_bad_seq: number | null; reason: string };
  assert.equal(res.ok, false);
  assert.equal(res.first_bad_seq, first, `verify names seq ${first}: ${v.stdout}`);
  assert.match(v.stderr, new RegExp(`seq ${first}\\b`));
  const plain = relayer(['verify', '--data', data]);
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, new RegExp(`verify failed at seq ${first}\\b`));

  // The chain alone must prove the log was not cut (DESIGN §3): the commit recorded seq n.
  const chain = relayer(['verify', '--data', data, '--chain-only', '--json']);
  assert.equal(chain.code, 1, `verify --chain-only accepts a log cut from ${n} to ${n - cut} events: ${chain.stdout}${chain.stderr}`);
  assert.equal((JSON.parse(chain.stdout) as { first_bad_seq: number }).first_bad_seq, first);
});

test('an event edited by one character fails verify naming its seq', { timeout: 60_000 }, async (t) => {
  const { dir, data } = workspace(t);
  const st = await populate(t, dir, data, 300, 32);
  const m = Math.floor(st.last_seq / 2);
  damage(data, (db) =>
    editLine(db, m, (line) => {
      const from = line.indexOf('"data":');
      let i = from;
      while (!/[0-9]/.test(line[i]!)) i++;
      assert.ok(i < line.indexOf(',"prev":'), 'a digit inside data');
      const edited = `${line.slice(0, i)}${(Number(line[i]) + 1) % 10}${line.slice(i + 1)}`;
      assert.equal(edited.length, line.length);
      return edited;
    }),
  );

  for (const extra of [[], ['--chain-only']]) {
    const v = relayer(['verify', '--data', data, '--json', ...extra]);
    assert.equal(v.code, 1, `verify ${extra.join(' ')} fails on an edited event: ${v.stdout}${v.stderr}`);
    const res = JSON.parse(v.stdout) as { ok: boolean; first_bad_seq: number | null; reason: string };
    assert.equal(res.first_bad_seq, m, `verify ${extra.join(' ')} names seq ${m}: ${v.stdout}`);
    assert.match(res.reason, /hash/);
    assert.match(v.stderr, new RegExp(`verify failed at seq ${m}\\b`));
  }
});

// ---- 4. two engines on one data directory --------------------------------------------------

test('a second relayer run on the same data refuses to start, naming the owner pid, and the first keeps running', { timeout: 60_000 }, async (t) => {
  const { data } = workspace(t);
  const first = launch(t, data);
  await drained(data, 20_000);
  const pid = first.child.pid!;

  const second = launch(t, data);
  const gone = await within(second.closed, 15_000, 'the second engine exits');
  assert.notEqual(gone.code, 0, `the second engine exits non-zero (code ${gone.code}, signal ${gone.signal})`);
  assert.equal(gone.signal, null, 'it exits by itself, not by a signal');
  assert.match(second.log(), new RegExp(`pid ${pid}\\b`), `its message names the owner:\n${second.log()}`);
  assert.match(second.log(), /another relayer run/);

  assert.ok(alive(first), 'the first engine is still running');
  assert.equal(readFileSync(join(data, 'run.lock'), 'utf8').trim(), String(pid), 'the lock still names the first engine');
  assert.equal(status(data).engine, `running (pid ${pid})`);
  const r = relayer(['submit', 'tick', '--data', data, '--price', '60001', '--wait', '--json']);
  assert.equal(r.code, 0, `the first engine still executes commands: ${r.stdout}${r.stderr}`);
  assert.equal((JSON.parse(r.stdout.trim().split('\n')[0]!) as { type: string }).type, 'PriceUpdated');

  const end = await terminate(first);
  assert.equal(end.code, 0, first.log());
  assert.equal(existsSync(join(data, 'run.lock')), false, 'a clean stop releases the lock');
});

// ---- 5. SIGTERM ----------------------------------------------------------------------------

test('SIGTERM finishes the batch, snapshots at the last seq and exits 0; a restart resumes with lag 0', { timeout: 60_000 }, async (t) => {
  const { dir, data } = workspace(t);
  const COMMANDS = 2000;
  const BATCH = 20;
  let engine = launch(t, data, '--batch-max', String(BATCH));
  await drained(data, 20_000);
  const file = join(dir, 'load.jsonl');
  writeFileSync(file, `${workload(COMMANDS, 51).join('\n')}\n`);
  // A backlog the engine has not started on: freeze it, append, then wake it with SIGTERM pending.
  engine.child.kill('SIGSTOP');
  ok(relayer(['submit', '--data', data, '--file', file]), 'submit');
  assert.equal(status(data).input_committed, 1, 'the frozen engine consumed nothing yet');
  engine.child.kill('SIGCONT');
  const end = await terminate(engine);
  assert.equal(end.code, 0, `SIGTERM exits 0:\n${engine.log()}`);
  assert.equal(end.signal, null);

  const st = status(data);
  const consumedAfterSignal = st.input_committed - 1;
  t.diagnostic(
    `after SIGTERM the engine consumed ${consumedAfterSignal} of a ${COMMANDS}-command backlog (batch max ${BATCH}) before stopping at seq ${st.last_seq}`,
  );
  assert.equal(st.engine, 'stopped');
  assert.equal(existsSync(join(data, 'run.lock')), false, 'the lock is released');
  const snaps = ok(relayer(['snapshot', 'list', '--data', data, '--json']), 'snapshot list')
    .stdout.trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; seq: number; position: string | null });
  assert.ok(snaps.length >= 1, 'a snapshot exists');
  assert.equal(snaps[0]!.seq, st.last_seq, 'the newest snapshot is at the last committed seq');
  assert.equal(snaps[0]!.position, String(st.input_committed), 'and at the last consumed input');
  assert.deepEqual(st.last_snapshot && { id: st.last_snapshot.id, seq: st.last_snapshot.seq }, { id: snaps[0]!.id, seq: st.last_seq });
  ok(relayer(['snapshot', 'inspect', '--data', data]), 'the shutdown snapshot is valid');
  const stopped = logRecords(engine.log()).find((r) => r['msg'] === 'stopped');
  assert.ok(stopped !== undefined && stopped['seq'] === st.last_seq, `the engine logged its stop at seq ${st.last_seq}`);

  engine = launch(t, data, '--batch-max', String(BATCH));
  const rec = await logged(engine, 'recovered');
  assert.equal(rec['snapshot'], snaps[0]!.id, 'the restart loads the shutdown snapshot');
  assert.equal(rec['replayed'], 0, 'with nothing to replay');
  await drained(data, 30_000);
  const after = status(data);
  assert.equal(after.lag, 0);
  assert.equal(after.input_head, COMMANDS + 1);
  assert.equal(after.engine, `running (pid ${engine.child.pid})`);
  const end2 = await terminate(engine);
  assert.equal(end2.code, 0, engine.log());

  // Nothing lost or doubled across the stop: the log is exactly what exec makes of the input log.
  const inbox = ok(relayer(['events', '--data', data, '--inbox']), 'events --inbox').stdout;
  assert.equal(inbox.trim().split('\n').length, COMMANDS + 1);
  const exec = ok(relayer(['exec', '--json'], inbox), 'exec')
    .stdout.trim()
    .split('\n');
  const summary = (JSON.parse(exec.pop()!) as { summary: { state_hash: string } }).summary;
  const stored = allEvents(data).map((e) => e.line);
  assert.equal(stored.length, exec.length, 'as many events as exec produces');
  for (let i = 0; i < stored.length; i++) if (stored[i] !== exec[i]) assert.fail(`event ${i + 1} differs from exec:\n${stored[i]}\n${exec[i]}`);
  const replay = JSON.parse(ok(relayer(['replay', '--data', data, '--json']), 'replay').stdout) as { state_hash: string };
  assert.equal(replay.state_hash, summary.state_hash);
  ok(relayer(['verify', '--data', data]), 'verify after SIGTERM and restart');

  // "finish the batch" (DESIGN §5): a stop must not wait for the whole backlog.
  assert.ok(
    consumedAfterSignal <= 3 * BATCH,
    `after SIGTERM the engine kept consuming ${consumedAfterSignal} commands (the whole backlog) instead of stopping after the current batch of at most ${BATCH}`,
  );
});

// ---- 6. data from a newer binary -----------------------------------------------------------

test('a data directory with a newer schema is refused by run, status and submit', { timeout: 60_000 }, async (t) => {
  const { data } = workspace(t);
  const engine = launch(t, data);
  await drained(data, 20_000);
  assert.equal((await terminate(engine)).code, 0, engine.log());
  damage(data, (db) => db.prepare(`UPDATE meta SET value = '99' WHERE key = 'schema_version'`).run());

  const newer = /schema version 99, newer than this relayer binary supports/;
  const run = bounded(['run', '--data', data, '--log-level', 'warn'], 15_000);
  assert.equal(run.signal, null, 'relayer run exits by itself instead of starting');
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, newer);
  assert.equal(existsSync(join(data, 'run.lock')), false, 'it never took the lock');

  const st = bounded(['status', '--data', data, '--json']);
  assert.equal(st.code, 1, st.stdout + st.stderr);
  assert.match(st.stderr, newer);
  assert.equal(st.stdout, '', 'no data printed');

  const sub = bounded(['submit', 'tick', '--data', data, '--price', '60000']);
  assert.equal(sub.code, 1, sub.stdout + sub.stderr);
  assert.match(sub.stderr, newer);

  damage(data, (db) => {
    assert.equal(db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get(), '99', 'the version is left alone');
    assert.equal(db.prepare('SELECT count(*) FROM inbox').pluck().get(), 1, 'nothing was appended');
  });
});
