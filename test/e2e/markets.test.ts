// Issue 15 end to end through bin/relayer: the registry, two markets in one data directory run by
// `run --markets` (a worker thread each), each market exactly once with its own gapless chain and
// namespace; unknown markets refused by every writer before anything is written; a BTC-USD data
// directory from before markets works untouched.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { marketNamespace } from '../../src/engine/market.js';
import { uuidv5 } from '../../src/engine/util/uuid.js';
import { parseUuid } from '../../src/engine/util/uuid.js';
import { engineFor, exited, jsonLines, relayer, spawnCaptured, tempDir, until } from './cli-helpers.js';

const lend = (data: string, market: string, id: string): Record<string, unknown>[] => {
  const r = relayer([
    'submit',
    'lend',
    '--data',
    data,
    '--market',
    market,
    '--id',
    id,
    '--account',
    'lender-1',
    '--deposit',
    '1000000',
    '--wait',
    '--json',
    '--timeout',
    '20000',
  ]);
  assert.equal(r.code, 0, r.stderr);
  return jsonLines(r.stdout);
};

test('given a BTC-USD data directory from before markets, then every tool works untouched and markets list shows BTC-USD without creating a registry', async (t) => {
  const data = tempDir();
  const engine = await engineFor(t, data);
  lend(data, 'BTC-USD', 'old-1');
  engine.kill('SIGTERM');
  assert.equal((await exited(engine)).code, 0);
  const list = relayer(['markets', 'list', '--data', data, '--json']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(
    (JSON.parse(list.stdout) as { id: string }[]).map((m) => m.id),
    ['BTC-USD'],
  );
  assert.equal(existsSync(join(data, 'registry.db')), false);
  const st = relayer(['status', '--data', data, '--json']);
  assert.equal(st.code, 0, st.stderr);
  assert.equal(Array.isArray(JSON.parse(st.stdout)), false); // one market: today's record
  assert.equal(relayer(['verify', '--data', data]).code, 0);
  assert.equal(existsSync(join(data, 'registry.db')), false);
});

test('given markets create, when the id exists or is malformed or unknown to a writer, then it is refused and nothing is written', () => {
  const data = tempDir();
  const created = relayer(['markets', 'create', '--data', data, '--id', 'ETH-USD', '--tlv', '5000000000', '--json']);
  assert.equal(created.code, 0, created.stderr);
  assert.equal((JSON.parse(created.stdout) as { genesis: { total_locked_value: number } }).genesis.total_locked_value, 5_000_000_000);
  const inbox = (): string => relayer(['events', '--inbox', '--data', data, '--market', 'ETH-USD', '--json']).stdout;
  const before = inbox();
  assert.equal(jsonLines(before).length, 1); // the genesis InitPool, naming its market
  assert.equal(jsonLines(before)[0]!['market'], 'ETH-USD');
  const again = relayer(['markets', 'create', '--data', data, '--id', 'ETH-USD', '--tlv', '1']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /ETH-USD exists already/);
  assert.equal(inbox(), before);
  assert.equal(relayer(['markets', 'create', '--data', data, '--id', 'eth-usd']).code, 2);
  // unknown market: refused by every writer (exit 1, naming markets list); malformed: exit 2
  for (const args of [['submit', 'tick', '--price', '3000'], ['run'], ['events'], ['snapshot', 'create'], ['verify']]) {
    const r = relayer([...args, '--data', data, '--market', 'SOL-USD']);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /unknown market SOL-USD.*relayer markets list/);
    const m = relayer([...args, '--data', data, '--market', 'sol']);
    assert.equal(m.code, 2, `${args.join(' ')}: ${m.stderr}`);
  }
  assert.equal(existsSync(join(data, 'markets', 'SOL-USD')), false);
  const described = relayer(['markets', 'describe', 'ETH-USD', '--data', data, '--json']);
  assert.equal((JSON.parse(described.stdout) as { log: { input_head: number } }).log.input_head, 1);
});

test('given two markets in one data directory, when run --markets runs both, then each commits exactly once in its own namespace with its own chain', async (t) => {
  const data = tempDir();
  assert.equal(relayer(['markets', 'create', '--data', data, '--id', 'ETH-USD']).code, 0);
  const run = spawnCaptured(t, ['run', '--data', data, '--markets', 'BTC-USD,ETH-USD', '--no-scheduler', '--log-level', 'warn']);
  for (const m of ['BTC-USD', 'ETH-USD']) {
    await until(`${m} running`, 20_000, () => {
      const s = relayer(['status', '--data', data, '--market', m, '--json']);
      return s.code === 0 && String((JSON.parse(s.stdout) as { engine: string }).engine).startsWith('running') ? true : null;
    });
  }
  for (const m of ['BTC-USD', 'ETH-USD'])
    relayer(['submit', 'tick', '--price', m === 'BTC-USD' ? '60000' : '3000', '--data', data, '--market', m, '--wait', '--timeout', '20000']);
  // the same command id in both markets: two orders, one per namespace
  const btc = lend(data, 'BTC-USD', 'same-id').find((e) => e['type'] === 'LendOrderCreated')!;
  const eth = lend(data, 'ETH-USD', 'same-id').find((e) => e['type'] === 'LendOrderCreated')!;
  const uuidOf = (e: Record<string, unknown>): string => (e['data'] as { lend_order: { uuid: string } }).lend_order.uuid;
  assert.equal(uuidOf(btc), uuidv5('same-id:0'));
  assert.equal(uuidOf(eth), uuidv5('same-id:0', parseUuid(marketNamespace('ETH-USD'))));
  // a BTC-USD command put on ETH-USD's log is rejected there, naming both
  const wrong = relayer(
    ['submit', '--data', data, '--market', 'ETH-USD'],
    `${JSON.stringify({ v: 1, id: 'wrong-1', type: 'Heartbeat', market: 'BTC-USD', params: {} })}\n`,
  );
  assert.equal(wrong.code, 0, wrong.stderr);
  await until('the wrong-market rejection', 20_000, () => {
    const ev = jsonLines(relayer(['events', '--data', data, '--market', 'ETH-USD', '--type', 'Rejected', '--json']).stdout);
    return ev.find((e) => e['cmd'] === 'wrong-1') ?? null;
  }).then((e) => assert.match((e['data'] as { reason: string }).reason, /market BTC-USD sent to the ETH-USD engine/));
  run.child.kill('SIGTERM');
  assert.equal((await exited(run.child)).code, 0, run.err());
  for (const m of ['BTC-USD', 'ETH-USD']) {
    const v = relayer(['verify', '--data', data, '--market', m, '--json']);
    assert.equal(v.code, 0, v.stderr);
    assert.equal((JSON.parse(v.stdout) as { ok: boolean }).ok, true);
    const created = jsonLines(relayer(['events', '--data', data, '--market', m, '--type', 'LendOrderCreated', '--json']).stdout);
    assert.equal(created.filter((e) => e['cmd'] === 'same-id').length, 1, m);
    // a shutdown snapshot per market, of that market
    const snap = relayer(['snapshot', 'inspect', '--data', data, '--market', m, '--json']);
    assert.equal(snap.code, 0, snap.stderr);
  }
  // BTC-USD's record as before markets, plus every market at a glance
  const st = JSON.parse(relayer(['status', '--data', data, '--json']).stdout) as { last_seq: number; markets: { market: string; last_seq: number }[] };
  assert.ok(st.last_seq >= 3);
  const glance = st.markets;
  assert.deepEqual(
    glance.map((g) => g.market),
    ['BTC-USD', 'ETH-USD'],
  );
  assert.ok(glance.every((g) => g.last_seq >= 3));
});

test("given exec --market, then it runs that market's engine and refuses a snapshot of another market", () => {
  const dir = tempDir();
  const input = `${JSON.stringify({ v: 1, id: 'g', ts: 1, type: 'InitPool', market: 'ETH-USD', params: {} })}\n`;
  const eth = relayer(['exec', '--market', 'ETH-USD', '--state-out', join(dir, 'eth.snap')], input);
  assert.equal(eth.code, 0, eth.stderr);
  assert.equal(jsonLines(eth.stdout)[0]!['type'], 'PoolInitialized');
  const btc = relayer(['exec'], input);
  assert.equal(jsonLines(btc.stdout)[0]!['type'], 'Rejected');
  const refused = relayer(['exec', '--state', join(dir, 'eth.snap')], '');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /snapshot of market ETH-USD/);
  assert.equal(relayer(['exec', '--market', 'ETH-USD', '--state', join(dir, 'eth.snap')], '').code, 0);
});
