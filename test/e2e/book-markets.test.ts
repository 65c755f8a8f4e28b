// `relayer book` with two markets through the real binary (D185): --market ETH-USD shows ETH-USD's
// log (not BTC-USD's), from the log and from Redis; in tmux, `m` switches the screen to the other
// market and the header says which.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openRegistry } from '../../src/markets/registry.js';
import { marketRedisPrefix } from '../../src/projections/config.js';
import { seededLog } from '../../src/workload/seeded-log.js';
import { dropPrefix, needRedis, uniqueName } from '../helpers/services.js';
import { BIN, relayer, tempDir, until } from './cli-helpers.js';

const CI = process.env['CI'] === 'true';
const hasTmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;

interface Book {
  market_id: string;
  seq: number;
  book: unknown;
  price: unknown;
}

async function twoMarkets(): Promise<{ dir: string; data: string; btc: number; eth: number }> {
  const dir = tempDir('relayer-book-markets-');
  const data = join(dir, 'data');
  const btc = await seededLog(data, 1500, 51);
  await btc.store.close();
  const reg = await openRegistry({ data });
  await reg.create({ id: 'ETH-USD', tick_size: 1, genesis: { total_locked_value: 5_000_000_000, total_pool_share: 500_000 }, created_at: 1 });
  await reg.close();
  const eth = await seededLog(join(data, 'markets', 'ETH-USD'), 1000, 52);
  await eth.store.close();
  assert.notEqual(btc.lastSeq, eth.lastSeq);
  return { dir, data, btc: btc.lastSeq, eth: eth.lastSeq };
}

test("relayer book --market ETH-USD shows ETH-USD's log, from the log and from Redis", { timeout: 120_000 }, async (t) => {
  const m = await twoMarkets();
  t.after(() => rmSync(m.dir, { recursive: true, force: true }));
  const ofLog = (args: string[]): Book => {
    const r = relayer(['book', '--data', m.data, '--json', '--depth', '5', ...args]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Book;
  };
  const eth = ofLog(['--market', 'ETH-USD']);
  const btc = ofLog([]);
  assert.equal(eth.market_id, 'ETH-USD');
  assert.equal(eth.seq, m.eth);
  assert.equal(btc.market_id, 'BTC-USD');
  assert.equal(btc.seq, m.btc);
  // the same log opened as its own data directory draws the same ladders: they are ETH-USD's
  const alone = JSON.parse(relayer(['book', '--data', join(m.data, 'markets', 'ETH-USD'), '--json', '--depth', '5']).stdout) as Book;
  assert.deepEqual(eth.book, alone.book);
  assert.notDeepEqual(eth.book, btc.book);
  const once = relayer(['book', '--data', m.data, '--once', '--market', 'ETH-USD', '--width', '120', '--height', '30']);
  assert.match(once.stdout, /ETH-USD inverse perpetual/);
  const unknown = relayer(['book', '--data', m.data, '--once', '--market', 'SOL-USD']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown market SOL-USD/);
  assert.equal(relayer(['book', '--data', m.data, '--once', '--market', 'sol']).code, 2);

  const url = await needRedis(t);
  if (url === null) return;
  const prefix = `${uniqueName('bookmk')}:`;
  t.after(async () => {
    for (const id of ['BTC-USD', 'ETH-USD']) await dropPrefix(url, marketRedisPrefix(prefix, id));
  });
  const p = relayer(['project', '--data', m.data, '--redis', url, '--redis-prefix', prefix, '--once', '--log-level', 'warn']);
  assert.equal(p.code, 0, p.stderr);
  const r = relayer(['book', '--redis', url, '--redis-prefix', prefix, '--market', 'ETH-USD', '--json', '--depth', '5']);
  assert.equal(r.code, 0, r.stderr);
  const fromRedis = JSON.parse(r.stdout) as Book;
  assert.equal(fromRedis.market_id, 'ETH-USD');
  assert.equal(fromRedis.seq, m.eth);
});

test('relayer book in tmux: m switches to the other market and the header names it', {
  timeout: 60_000,
  skip: !hasTmux && !CI ? 'tmux is not installed' : false,
}, async () => {
  assert.ok(hasTmux, 'tmux must be installed under CI (see .ci/run)');
  const m = await twoMarkets();
  const sock = `relayer-book-markets-${process.pid}`;
  const tmux = (...args: string[]): string => {
    const r = spawnSync('tmux', ['-L', sock, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  try {
    tmux('new-session', '-d', '-s', 'book', '-x', '120', '-y', '36', `sh -c '${process.execPath} ${BIN} book --data ${m.data}; echo EXIT:$?; sleep 60'`);
    const capture = (): string => tmux('capture-pane', '-p', '-t', 'book');
    const seqOf = (f: string): number | null => {
      const s = /seq ([\d,]+) ·/.exec(f);
      return s === null ? null : Number(s[1]!.replace(/,/g, ''));
    };
    const first = await until("BTC-USD's book", 20_000, () => {
      const f = capture();
      // a whole frame: its last line, the key line, is drawn (a capture can land mid-redraw)
      return /BTC-USD inverse perpetual/.test(f) && seqOf(f) === m.btc && / q quit /.test(f) ? f : null;
    });
    assert.match(first, /m market/, 'the key line offers the switch');
    tmux('send-keys', '-t', 'book', 'm');
    const second = await until("ETH-USD's book", 20_000, () => {
      const f = capture();
      return /ETH-USD inverse perpetual/.test(f) && seqOf(f) === m.eth ? f : null;
    });
    assert.doesNotMatch(second, /BTC-USD inverse/);
    tmux('send-keys', '-t', 'book', 'm');
    await until('back to BTC-USD', 20_000, () => {
      const f = capture();
      return /BTC-USD inverse perpetual/.test(f) && seqOf(f) === m.btc ? f : null;
    });
    tmux('send-keys', '-t', 'book', 'q');
    const exit = await until('the book to exit', 10_000, () => /EXIT:(\d+)/.exec(capture()));
    assert.equal(exit[1], '0');
  } finally {
    spawnSync('tmux', ['-L', sock, 'kill-server']);
    rmSync(m.dir, { recursive: true, force: true });
  }
});
