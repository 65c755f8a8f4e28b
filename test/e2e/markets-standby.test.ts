// Standby per market on the real broker (issue 15; D192): the fencing that protects one market is
// its own transactional id, so a takeover of ETH-USD fences ETH-USD's old engine only, and BTC-USD's
// engine never notices. Then the hot standby (scripts/market-standby.sh) on its own data dir takes
// ETH-USD over by itself once the active engine is SIGKILLed and input waits.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exited, killAtEnd, relayer, relayerAsync, sleep, startEngine } from './cli-helpers.js';
import { drained, kafkaCase } from './kafka-helpers.js';
import {
  assertMarketExactlyOnce,
  deletePrefixed,
  inputCount,
  loudSkip,
  marketStatus,
  marketWorkload,
  onMarket,
  marketsTarget,
} from './markets-kafka-helpers.js';

const STANDBY = fileURLToPath(new URL('../../../scripts/market-standby.sh', import.meta.url));
const { brokers, skip } = await marketsTarget();

/** A child's stderr as it arrives. */
function collect(c: ChildProcess): { text: string } {
  const out = { text: '' };
  c.stderr!.setEncoding('utf8').on('data', (d: string) => {
    out.text += d;
  });
  return out;
}

async function exitWithin(c: ChildProcess, ms: number): Promise<{ code: number | null } | null> {
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([
    exited(c),
    new Promise<null>((res) => {
      timer = setTimeout(() => res(null), ms);
    }),
  ]);
  clearTimeout(timer);
  return r;
}

test('Kafka markets: a standby takes ETH-USD over, its old engine is fenced and commits nothing more, BTC-USD runs on', {
  timeout: 300_000,
  skip,
}, async (t) => {
  const k = kafkaCase(brokers, 'mksb');
  try {
    const created = relayer(['markets', 'create', '--id', 'ETH-USD', ...k.kafka, '--json']);
    assert.equal(created.code, 0, created.stderr);
    const btc = onMarket(k.args('btc'), 'BTC-USD');
    const ethA = onMarket(k.args('eth-a'), 'ETH-USD');
    const ethB = onMarket(k.args('eth-b'), 'ETH-USD');
    const engineArgs = ['--no-scheduler', '--batch-max', '200'];
    const btcEngine = startEngine([...btc, ...engineArgs]);
    killAtEnd(t, btcEngine);
    const a = startEngine([...ethA, ...engineArgs]);
    killAtEnd(t, a);
    const aLogs = collect(a);
    await drained(btc, 60_000, 1);
    await drained(ethA, 60_000, 1);
    const btcGenesis = inputCount(btc);
    const ethGenesis = inputCount(ethA);

    const N = 4000;
    const file = (name: string, body: string): string => {
      const f = join(k.dir, name);
      writeFileSync(f, body);
      return f;
    };
    const eth1 = file('eth-1.jsonl', marketWorkload('ETH-USD', N / 2, 41, '1'));
    const eth2 = file('eth-2.jsonl', marketWorkload('ETH-USD', N / 2, 42, '2'));
    const btc1 = file('btc-1.jsonl', marketWorkload('BTC-USD', N, 43, '1'));
    // the takeover happens while both markets work through a stream of commands
    const submitting = Promise.all([relayerAsync(['submit', ...ethA, '--file', eth1]), relayerAsync(['submit', ...btc, '--file', btc1])]);
    await sleep(400);
    const b = startEngine([...ethB, ...engineArgs]);
    killAtEnd(t, b);
    const bLogs = collect(b);
    const aEnd = await exitWithin(a, 30_000);
    assert.ok(aEnd !== null, `the old ETH-USD engine was not fenced: ${aLogs.text}`);
    assert.equal(aEnd.code, 1, `the fenced engine exits non-zero: ${aLogs.text}`);
    assert.match(
      aLogs.text,
      /fenced: another relayer run took over transactional id '[^']*relayer-engine\.ETH-USD'/,
      "fenced on the market's own transactional id",
    );
    for (const s of await submitting) assert.equal(s.code, 0, s.stderr);
    const more = await relayerAsync(['submit', ...ethB, '--file', eth2]);
    assert.equal(more.code, 0, more.stderr);
    await drained(ethB, 120_000, 2);
    await drained(btc, 120_000, 2);
    assert.equal(btcEngine.exitCode, null, 'the BTC-USD engine never noticed the ETH-USD takeover');
    assert.equal(b.exitCode, null, `the new ETH-USD engine keeps running: ${bLogs.text}`);

    // the hot standby: watches ETH-USD from its own data dir and takes over once the market stalls
    const env = {
      ...process.env,
      RELAYER_KAFKA_BROKERS: k.brokers,
      RELAYER_KAFKA_TOPIC_PREFIX: k.prefix,
      RELAYER_MARKET: 'ETH-USD',
      RELAYER_DATA: join(k.dir, 'eth-c'),
    };
    const standby = spawn('bash', [STANDBY, '--grace', '3', '--poll', '1', '--', '--no-scheduler', '--batch-max', '200', '--log-level', 'warn'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    killAtEnd(t, standby);
    const sLogs = collect(standby);
    await sleep(2500); // it watches a healthy market: nothing happens
    assert.equal(standby.exitCode, null);
    assert.doesNotMatch(sLogs.text, /taking over/, 'no takeover while the active engine commits');
    b.kill('SIGKILL');
    assert.equal((await exited(b)).signal, 'SIGKILL');
    const atKill = marketStatus(ethB)!;
    const eth3 = file('eth-3.jsonl', marketWorkload('ETH-USD', 500, 44, '3'));
    const s3 = await relayerAsync(['submit', ...ethB, '--file', eth3]);
    assert.equal(s3.code, 0, s3.stderr);
    const after = await drained(onMarket(k.args('eth-c'), 'ETH-USD'), 120_000, atKill.last_seq + 1);
    assert.ok(after.last_seq > atKill.last_seq, 'the standby committed the waiting input');
    assert.match(sLogs.text, /taking over/);

    for (const c of [btcEngine, standby]) c.kill('SIGTERM');
    assert.equal((await exited(btcEngine)).code, 0);
    await exited(standby);
    assertMarketExactlyOnce(onMarket(k.args('eth-c'), 'ETH-USD'), 'ETH-USD', ethGenesis + N + 500);
    assertMarketExactlyOnce(btc, 'BTC-USD', btcGenesis + N);
  } finally {
    await deletePrefixed(k.brokers, k.prefix);
    await k.cleanup();
  }
});

const PLACEMENT = fileURLToPath(new URL('../../../scripts/markets-placement-check.sh', import.meta.url));
const hasSupervisor = spawnSync('sh', ['-c', 'command -v supervisord']).status === 0;

test('Kafka markets: the deploy/markets placement example under supervisord fails ETH-USD over to the other host', {
  timeout: 240_000,
  skip:
    skip !== false
      ? skip
      : hasSupervisor
        ? false
        : process.env['CI'] === 'true'
          ? false
          : loudSkip('supervisord is not installed (apt-get install supervisor)'),
}, () => {
  assert.ok(hasSupervisor, 'supervisord is missing under CI (apt-get install supervisor)');
  const r = spawnSync('bash', [PLACEMENT], { encoding: 'utf8', env: { ...process.env, RELAYER_KAFKA_BROKERS: brokers } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /host A's standby took ETH-USD over/);
  assert.match(r.stderr, /markets-placement-check: ok/);
});
