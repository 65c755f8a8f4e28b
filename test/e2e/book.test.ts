// End-to-end: `relayer book` against a running demo market. In tmux (a real terminal of fixed
// size) the price and both ladders must appear and change, `q` must quit with status 0, and the
// pane is captured into docs/book.md. Without a terminal the book prints one plain frame or JSON.
// tmux missing: skipped with a loud message locally, a failure under CI=true (.ci/run installs it).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dropPrefix, needRedis, uniqueName } from '../helpers/services.js';
import { BIN, exited, relayer, sleep, startEngine, tempDir, until } from './cli-helpers.js';

const DOC = fileURLToPath(new URL('../../../docs/book.md', import.meta.url));
const COLS = 140;
const ROWS = 42;
const hasTmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
const CI = process.env['CI'] === 'true';
if (!hasTmux && !CI) {
  process.stderr.write('\n*** tmux is not installed: SKIPPING the terminal test of relayer book (apt-get install tmux) ***\n\n');
}

/** The rows of one pane of a captured frame: the text between its borders, by pane index. */
function paneColumn(frame: string, pane: number): string[] {
  return frame
    .split('\n')
    .filter((l) => l.startsWith('│'))
    .map((l) => l.split('│')[1 + pane * 2] ?? '');
}

interface Seen {
  price: number | null;
  shorts: string[];
  longs: string[];
}

/** The mark price and the ladder rows (shorts above the mark line, longs below) of the first pane. */
function read(frame: string): Seen {
  const m = /MARK ([\d,]+)/.exec(frame);
  const rows = paneColumn(frame, 0);
  const mark = rows.findIndex((r) => r.includes('─'));
  const level = /^\s+[\d,]+\s+\d+\.\d{4}\s+\d+/;
  return {
    price: m === null ? null : Number(m[1]!.replace(/,/g, '')),
    shorts:
      mark < 0
        ? []
        : rows
            .slice(0, mark)
            .filter((r) => level.test(r))
            .map((r) => r.trim()),
    longs:
      mark < 0
        ? []
        : rows
            .slice(mark + 1)
            .filter((r) => level.test(r))
            .map((r) => r.trim()),
  };
}

/** Replaces the capture between the markers of docs/book.md (or writes the file around it). */
function writeCapture(frame: string): void {
  const block = [
    '<!-- capture:begin (written by test/e2e/book.test.ts) -->',
    `Captured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC from a ${COLS}×${ROWS} tmux pane running`,
    '`relayer run --demo` and `relayer book` (`tmux capture-pane -p`, so without colours):',
    '',
    '```text',
    frame.replace(/\s+$/, ''),
    '```',
    '<!-- capture:end -->',
  ].join('\n');
  const old = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# relayer book\n\n';
  const re = /<!-- capture:begin[\s\S]*?<!-- capture:end -->/;
  writeFileSync(DOC, re.test(old) ? old.replace(re, block) : `${old.replace(/\s*$/, '\n\n')}${block}\n`);
}

/** Where the book in the pane reads from: the engine's data directory, or the Redis read model a projector keeps. */
type Source = { kind: 'data' } | { kind: 'redis'; url: string; prefix: string };

/**
 * Runs `relayer run --demo` (and for Redis `relayer project` into it) and `relayer book` in tmux:
 * the price and both ladders must appear and change, a funding cycle must show, `q` must exit 0.
 * Returns a frame with a funding cycle on it.
 */
async function watchInTmux(source: Source): Promise<string> {
  assert.ok(hasTmux, 'tmux must be installed under CI (see .ci/run)');
  const dir = tempDir('relayer-book-');
  const data = join(dir, 'data');
  const sock = `relayer-book-test-${process.pid}-${source.kind}`;
  const tmux = (...args: string[]): string => {
    const r = spawnSync('tmux', ['-L', sock, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const node = process.execPath;
  try {
    tmux('new-session', '-d', '-s', 'engine', '-x', '120', '-y', '10', `${node} ${BIN} run --demo --data ${data} --log-level warn`);
    await until('the demo market to commit events', 15_000, () => {
      const r = relayer(['status', '--data', data, '--json']);
      return r.code === 0 && (JSON.parse(r.stdout) as { last_seq: number }).last_seq > 20 ? true : null;
    });
    let from = `--data ${data}`;
    if (source.kind === 'redis') {
      tmux(
        'new-session',
        '-d',
        '-s',
        'project',
        '-x',
        '120',
        '-y',
        '10',
        `${node} ${BIN} project --data ${data} --redis ${source.url} --redis-prefix ${source.prefix} --log-level warn`,
      );
      from = `--redis ${source.url} --redis-prefix ${source.prefix}`;
      await until('the projector to fill the read model', 15_000, () => {
        const r = relayer(['book', ...from.split(' '), '--json']);
        return r.code === 0 && (JSON.parse(r.stdout) as { seq: number }).seq > 20 ? true : null;
      });
    }
    tmux('new-session', '-d', '-s', 'book', '-x', String(COLS), '-y', String(ROWS), `sh -c '${node} ${BIN} book ${from}; echo EXIT:$?; sleep 60'`);
    const capture = (): string => tmux('capture-pane', '-p', '-t', 'book');

    const first = await until('the price and both ladders', 15_000, () => {
      const f = capture();
      const s = read(f);
      return s.price !== null && s.shorts.length > 0 && s.longs.length > 0 ? { frame: f, seen: s } : null;
    });
    assert.match(first.frame, /HEALTHY/);
    assert.match(first.frame, /OPEN LIMITS/);
    assert.match(first.frame, /LIQUIDATIONS/);
    assert.ok(first.seen.price! > 1000, `a plausible mark price (${first.seen.price})`);

    const changed = { price: false, shorts: false, longs: false };
    const later = await until('the price and both ladders to change', 20_000, () => {
      const f = capture();
      const s = read(f);
      if (s.price === null || s.shorts.length === 0 || s.longs.length === 0) return null;
      if (s.price !== first.seen.price) changed.price = true;
      if (JSON.stringify(s.shorts) !== JSON.stringify(first.seen.shorts)) changed.shorts = true;
      if (JSON.stringify(s.longs) !== JSON.stringify(first.seen.longs)) changed.longs = true;
      return changed.price && changed.shorts && changed.longs ? f : null;
    });
    const lines = later.replace(/\n+$/, '').split('\n');
    assert.ok(lines.length <= ROWS && lines.every((l) => [...l].length <= COLS), 'the frame fits the pane');

    // the demo's scheduler runs funding every 10 s: the rate and the countdown to the next cycle appear
    const funded = await until('a funding cycle', 25_000, () => {
      const f = capture();
      return /FUNDING [+−]?\d\.\d{4}% next \d+:\d\d every/.test(f) && read(f).longs.length > 0 && read(f).shorts.length > 0 ? f : null;
    });

    tmux('send-keys', '-t', 'book', 'q');
    const exit = await until('the book to exit', 10_000, () => /EXIT:(\d+)/.exec(capture()));
    assert.equal(exit[1], '0', 'q quits with exit status 0');
    if (source.kind === 'redis') tmux('send-keys', '-t', 'project', 'C-c');
    tmux('send-keys', '-t', 'engine', 'C-c');
    await sleep(300);
    return funded;
  } finally {
    spawnSync('tmux', ['-L', sock, 'kill-server']);
    rmSync(dir, { recursive: true, force: true });
  }
}

const noTmux = !hasTmux && !CI ? 'tmux is not installed' : false;

test('relayer book in a terminal shows the demo market live, and q quits with status 0', { skip: noTmux, timeout: 60_000 }, async () => {
  const funded = await watchInTmux({ kind: 'data' });
  // the committed capture is refreshed on request, so a test run leaves the work tree clean
  if (process.env['RELAYER_UPDATE_DOCS'] === '1') writeCapture(funded);
});

test('relayer book --redis in a terminal follows the Redis read model live', { skip: noTmux, timeout: 90_000 }, async (t) => {
  const url = await needRedis(t);
  if (url === null) return;
  const prefix = `${uniqueName('booktui')}:`;
  t.after(() => dropPrefix(url, prefix));
  await watchInTmux({ kind: 'redis', url, prefix });
});

test('without a terminal relayer book prints one plain frame, or the model as JSON', { timeout: 60_000 }, async () => {
  const dir = tempDir('relayer-book-');
  const data = join(dir, 'data');
  const engine = startEngine(['--demo', '--data', data]);
  try {
    await until('the demo market to rest some limits', 15_000, () => {
      const r = relayer(['status', '--data', data, '--json']);
      if (r.code !== 0) return null;
      const s = JSON.parse(r.stdout) as { market: { orders: { pending: number; filled: number } } | null };
      return s.market !== null && s.market.orders.pending > 3 && s.market.orders.filled > 3 ? true : null;
    });
    const once = relayer(['book', '--data', data, '--once', '--width', '120', '--height', '30']);
    assert.equal(once.code, 0, once.stderr);
    assert.doesNotMatch(once.stdout, /\x1b/, 'plain text: no escape codes');
    assert.match(once.stdout, /MARK [\d,]+/);
    assert.match(once.stdout, /OPEN LIMITS[\s\S]*LIQUIDATIONS/);
    const rows = once.stdout.trimEnd().split('\n');
    assert.ok(rows.length <= 30 && rows.every((l) => [...l].length <= 120), 'the frame has the asked size');
    const piped = relayer(['book', '--data', data]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stdout, /OPEN LIMITS/, 'stdout not a terminal: one frame, no following');

    const json = relayer(['book', '--data', data, '--json', '--depth', '3']);
    assert.equal(json.code, 0, json.stderr);
    const m = JSON.parse(json.stdout) as {
      seq: number;
      price: { mark: number };
      market: { status: string };
      book: { long: unknown[]; short: unknown[] };
      liquidations: { long: { distance: number }[] };
      pool: { tlv: number };
      risk: { open_interest: number };
    };
    assert.ok(m.seq > 0 && m.price.mark > 0);
    assert.equal(m.market.status, 'HEALTHY');
    assert.ok(m.book.long.length <= 3 && m.book.short.length <= 3);
    assert.ok(m.pool.tlv > 0 && m.risk.open_interest > 0);

    const both = relayer(['book', '--data', data, '--redis', 'redis://127.0.0.1:6379']);
    assert.equal(both.code, 2, 'one source at a time');
    const unreachable = relayer(['book', '--redis', 'redis://127.0.0.1:1', '--once']);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    const missing = relayer(['book', '--data', join(dir, 'nothing-here'), '--once']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no relayer data/);
    const bad = relayer(['book', '--data', data, '--once', '--width', '10']);
    assert.equal(bad.code, 2, 'a width below 40 is a usage error');
    const help = relayer(['book', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Examples:[\s\S]*relayer book --once/);
  } finally {
    engine.kill('SIGTERM');
    await exited(engine);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('relayer book --redis on a prefix nothing was projected into exits 1 and says so', async (t) => {
  const url = await needRedis(t);
  if (url === null) return;
  const r = relayer(['book', '--redis', url, '--redis-prefix', `${uniqueName('empty')}:`, '--json']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /read model under prefix "t_empty_[^"]+" is empty: is `relayer project --redis` running/);
  assert.equal(r.stdout, '', 'no data on stdout');
  const scratch = relayer(['book', '--redis', url, '--from-scratch']);
  assert.equal(scratch.code, 2, '--from-scratch is for the event log');
});
