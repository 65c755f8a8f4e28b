// The market plumbing every per-market command shares: --market / RELAYER_MARKET, --markets,
// the envelope stamp of a non-default market's writers (D170) and the Kafka names per market (D163).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withMarket } from '../../src/commands/backend.js';
import { marketOf, marketsOf } from '../../src/commands/market.js';
import { CliError } from '../../src/errors.js';
import { kafkaConfig } from '../../src/store/kafka/config.js';

const usageError = (fn: () => unknown): void => assert.throws(fn, (e: unknown) => e instanceof CliError && e.exitCode === 2);

test('given --market, RELAYER_MARKET or neither, then marketOf picks flag > env > BTC-USD and refuses a malformed id with exit 2', () => {
  const saved = process.env['RELAYER_MARKET'];
  try {
    delete process.env['RELAYER_MARKET'];
    assert.equal(marketOf({}), 'BTC-USD');
    process.env['RELAYER_MARKET'] = 'SOL-USD';
    assert.equal(marketOf({}), 'SOL-USD');
    assert.equal(marketOf({ market: 'ETH-USD' }), 'ETH-USD');
    usageError(() => marketOf({ market: 'eth-usd' }));
    process.env['RELAYER_MARKET'] = 'nope';
    usageError(() => marketOf({}));
  } finally {
    if (saved === undefined) delete process.env['RELAYER_MARKET'];
    else process.env['RELAYER_MARKET'] = saved;
  }
});

test('given --markets, then ids are checked, kept in order, and a duplicate or empty list is a usage error', () => {
  assert.deepEqual(marketsOf('BTC-USD, ETH-USD'), ['BTC-USD', 'ETH-USD']);
  usageError(() => marketsOf('BTC-USD,BTC-USD'));
  usageError(() => marketsOf(' , '));
  usageError(() => marketsOf('BTC-USD,eth'));
});

test('given an envelope for a non-default market, then the writer adds "market" only when it names none', () => {
  assert.equal(withMarket('{"v":1,"id":"a","type":"Heartbeat","params":{}}', 'ETH-USD'), '{"market":"ETH-USD","v":1,"id":"a","type":"Heartbeat","params":{}}');
  assert.equal(withMarket('{}', 'ETH-USD'), '{"market":"ETH-USD"}');
  assert.deepEqual(JSON.parse(withMarket(' { }', 'ETH-USD')), { market: 'ETH-USD' });
  const named = '{"v":1,"id":"a","market":"BTC-USD","type":"Heartbeat"}';
  assert.equal(withMarket(named, 'ETH-USD'), named); // kept: the engine rejects it, naming both
  assert.equal(withMarket('not json', 'ETH-USD'), 'not json');
  const stamped = JSON.parse(withMarket('{"v":1,"id":"b","type":"UpdateFees","params":{"order_filled_on_market":0.1}}', 'ETH-USD')) as Record<string, unknown>;
  assert.equal(stamped['market'], 'ETH-USD');
});

test('given a market, then its Kafka topics, transactional id and group carry .<M>; BTC-USD keeps the historical names', () => {
  const btc = kafkaConfig({ kafka: 'b:9092', topicPrefix: 'p-' }, {})!;
  assert.equal(btc.topics.request, 'p-CLIENT-REQUEST');
  assert.equal(btc.transactionalId, 'p-relayer-engine');
  const eth = kafkaConfig({ kafka: 'b:9092', topicPrefix: 'p-', market: 'ETH-USD' }, {})!;
  assert.deepEqual(eth.topics, {
    request: 'p-CLIENT-REQUEST.ETH-USD',
    events: 'p-CoreEventLogTopic.ETH-USD',
    snapshots: 'p-SnapShotLogTopic.ETH-USD',
    state: 'p-RelayerStateQueue.ETH-USD',
    failed: 'p-CLIENT-FAILED-REQUEST.ETH-USD',
  });
  assert.equal(eth.transactionalId, 'p-relayer-engine.ETH-USD');
  assert.equal(eth.groupId, 'p-relayer-engine.ETH-USD');
  assert.notEqual(eth.cacheDir, btc.cacheDir);
});
