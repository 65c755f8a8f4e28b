// Two markets on the real broker, each in its own engine process (issue 15, deliverable 6): BTC-USD
// and ETH-USD get their own topics and transactional ids (D163); commands go to both at once; the
// ETH-USD engine is SIGKILLed while BTC-USD keeps committing (its seq advances while ETH-USD's
// stands still with input waiting); another ETH-USD engine with an empty data dir (a standby host)
// takes over and recovers. In the end each market is exactly once on its own: every command one
// outcome, seq gapless, its event log = `relayer exec --market M` over its input, verify passes,
// and the two markets' logs share nothing.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { exited, killAtEnd, relayer, relayerAsync, sleep, startEngine } from './cli-helpers.js';
import { drained, kafkaCase } from './kafka-helpers.js';
import { assertMarketExactlyOnce, deletePrefixed, inputCount, marketStatus, marketWorkload, onMarket, marketsTarget } from './markets-kafka-helpers.js';

const COMMANDS = Number(process.env['RELAYER_MARKETS_COMMANDS'] ?? 3000);

const { brokers, skip } = await marketsTarget();

test('Kafka markets: two markets in two engine processes, one SIGKILLed while the other commits, exactly once each', {
  timeout: 300_000,
  skip,
}, async (t) => {
  const k = kafkaCase(brokers, 'mk2');
  try {
    const created = relayer(['markets', 'create', '--id', 'ETH-USD', ...k.kafka, '--json']);
    assert.equal(created.code, 0, created.stderr);
    const again = relayer(['markets', 'create', '--id', 'ETH-USD', ...k.kafka]);
    assert.equal(again.code, 1, 'creating an existing market is refused, not overwritten');
    const btc = onMarket(k.args('btc'), 'BTC-USD');
    const eth = onMarket(k.args('eth-a'), 'ETH-USD');
    const engineArgs = ['--batch-max', '300', '--snapshot-events', '2000', '--no-scheduler'];
    const btcEngine = startEngine([...btc, ...engineArgs]);
    killAtEnd(t, btcEngine);
    let ethEngine = startEngine([...eth, ...engineArgs]);
    killAtEnd(t, ethEngine);
    await drained(btc, 60_000, 1);
    await drained(eth, 60_000, 1);
    const btcGenesis = inputCount(btc);
    const ethGenesis = inputCount(eth);

    // both markets at once, from two submitters
    const file = (name: string, body: string): string => {
      const f = join(k.dir, name);
      writeFileSync(f, body);
      return f;
    };
    const half = Math.floor(COMMANDS / 2);
    const btcA = file('btc-a.jsonl', marketWorkload('BTC-USD', half, 21, 'a'));
    const ethA = file('eth-a.jsonl', marketWorkload('ETH-USD', half, 22, 'a'));
    const [sb, se] = await Promise.all([relayerAsync(['submit', ...btc, '--file', btcA]), relayerAsync(['submit', ...eth, '--file', ethA])]);
    assert.equal(sb.code, 0, sb.stderr);
    assert.equal(se.code, 0, se.stderr);

    // the ETH-USD engine dies mid-stream; BTC-USD goes on
    await sleep(300);
    ethEngine.kill('SIGKILL');
    assert.equal((await exited(ethEngine)).signal, 'SIGKILL');
    const ethAtKill = marketStatus(eth)!;
    const btcAtKill = marketStatus(btc)!;
    const btcB = file('btc-b.jsonl', marketWorkload('BTC-USD', COMMANDS - half, 31, 'b'));
    const ethB = file('eth-b.jsonl', marketWorkload('ETH-USD', COMMANDS - half, 32, 'b'));
    const [sb2, se2] = await Promise.all([relayerAsync(['submit', ...btc, '--file', btcB]), relayerAsync(['submit', ...eth, '--file', ethB])]);
    assert.equal(sb2.code, 0, sb2.stderr);
    assert.equal(se2.code, 0, se2.stderr);
    const btcMeanwhile = await drained(btc, 120_000, btcAtKill.last_seq + 1);
    const ethMeanwhile = marketStatus(eth)!;
    assert.ok(
      btcMeanwhile.last_seq > btcAtKill.last_seq,
      `BTC-USD kept committing while ETH-USD was down (seq ${btcAtKill.last_seq} → ${btcMeanwhile.last_seq})`,
    );
    assert.equal(btcMeanwhile.lag, 0, 'BTC-USD committed everything submitted to it');
    assert.equal(ethMeanwhile.last_seq, ethAtKill.last_seq, 'nothing committed ETH-USD while its engine was dead');
    assert.ok(ethMeanwhile.lag > 0, 'ETH-USD input waited for its engine');
    assert.equal(btcEngine.exitCode, null, "the other market's engine never stopped");

    // a standby host (its own, empty data dir) takes the market over and recovers from the broker
    const ethStandby = onMarket(k.args('eth-b'), 'ETH-USD');
    ethEngine = startEngine([...ethStandby, ...engineArgs]);
    killAtEnd(t, ethEngine);
    await drained(ethStandby, 120_000, ethAtKill.last_seq + 1);

    for (const e of [btcEngine, ethEngine]) e.kill('SIGTERM');
    assert.equal((await exited(btcEngine)).code, 0);
    assert.equal((await exited(ethEngine)).code, 0);
    const b = assertMarketExactlyOnce(btc, 'BTC-USD', btcGenesis + COMMANDS);
    const e = assertMarketExactlyOnce(ethStandby, 'ETH-USD', ethGenesis + COMMANDS);
    assert.notEqual(b.state_hash, e.state_hash, 'two markets, two states');
    const listed = relayer(['markets', 'list', ...k.kafka, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    for (const m of ['BTC-USD', 'ETH-USD']) assert.ok(listed.stdout.includes(m), `markets list shows ${m}`);
  } finally {
    await deletePrefixed(k.brokers, k.prefix);
    await k.cleanup();
  }
});
