// The exchange adapters (SPEC §14): each reads its own documented trade message, ignores the
// exchange's other messages (acks, heartbeats, pongs) and calls anything else malformed; the
// subscription each sends is the one the fake exchanges (test/helpers/fake-exchanges.ts) accept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXCHANGES, nameSources, parseSourceFlag } from '../../src/feed/exchanges/index.js';
import { SYMBOLS, tradeMessage, type ExchangeName } from '../helpers/fake-exchanges.js';

const T = 1_732_492_800_000;
const NAMES = Object.keys(SYMBOLS) as ExchangeName[];

test('each exchange reads its own trade message: price and trade time', () => {
  for (const ex of NAMES) {
    const m = EXCHANGES[ex]!.parse(tradeMessage(ex, '65010.5', T));
    assert.deepEqual(m, { kind: 'trade', price: 65_010.5, ts: T }, ex);
  }
});

test("a trade in one exchange's format is not a trade for another", () => {
  for (const ex of NAMES) {
    for (const other of NAMES) {
      if (other === ex) continue;
      const m = EXCHANGES[other]!.parse(tradeMessage(ex, '65010.5', T));
      assert.notEqual(m.kind, 'trade', `${ex} message read by ${other}`);
    }
  }
});

test('acks, heartbeats and pongs are ignored, not dropped', () => {
  const cases: [ExchangeName, string][] = [
    ['binance', '{"result":null,"id":1}'],
    ['binance', '{"e":"depthUpdate","b":[]}'],
    ['coinbase', '{"type":"subscriptions","channels":[]}'],
    ['coinbase', '{"type":"heartbeat","sequence":1}'],
    ['kraken', '{"event":"heartbeat"}'],
    ['kraken', '{"event":"systemStatus","status":"online","version":"1.9.0"}'],
    ['kraken', '[42,{"a":["1"]},"ticker","XBT/USD"]'],
    ['okx', 'pong'],
    ['okx', '{"event":"subscribe","arg":{"channel":"trades","instId":"BTC-USDT"}}'],
    ['bybit', '{"op":"pong","args":["1"]}'],
    ['bybit', '{"success":true,"op":"subscribe"}'],
    ['bybit', '{"topic":"orderbook.1.BTCUSDT","data":{}}'],
  ];
  for (const [ex, text] of cases) assert.equal(EXCHANGES[ex]!.parse(text).kind, 'ignored', `${ex}: ${text}`);
});

test('garbage and bad prices are malformed, with a reason', () => {
  const cases: [ExchangeName, string][] = [
    ['binance', 'not json'],
    ['binance', '{"e":"aggTrade","p":"abc"}'],
    ['coinbase', '[]'],
    ['coinbase', '{"type":"ticker","price":"-1"}'],
    ['coinbase', '{"price":"1"}'],
    ['kraken', '"x"'],
    ['kraken', '[1,[],"trade","XBT/USD"]'],
    ['kraken', '[1,[["1e12","1","1"]],"trade","XBT/USD"]'],
    ['okx', 'ping?'],
    ['okx', '{"arg":{"channel":"trades"},"data":[]}'],
    ['okx', '{"arg":{"channel":"trades"},"data":[{"px":"NaN"}]}'],
    ['bybit', '{}'],
    ['bybit', '{"topic":"publicTrade.BTCUSDT","data":[{"p":""}]}'],
  ];
  for (const [ex, text] of cases) {
    const m = EXCHANGES[ex]!.parse(text);
    assert.equal(m.kind, 'malformed', `${ex}: ${text}`);
    assert.ok(m.kind === 'malformed' && m.reason.length > 0);
  }
});

test('--source: exchange:symbol, an optional URL, and names for a second source on one exchange', () => {
  assert.deepEqual(parseSourceFlag('kraken:XBT/USD'), { exchange: 'kraken', symbol: 'XBT/USD', url: 'wss://ws.kraken.com' });
  assert.deepEqual(parseSourceFlag('okx:BTC-USDT@ws://127.0.0.1:9/x'), { exchange: 'okx', symbol: 'BTC-USDT', url: 'ws://127.0.0.1:9/x' });
  assert.throws(() => parseSourceFlag('ftx:BTC'), /unknown exchange ftx/);
  assert.throws(() => parseSourceFlag('binance'), /exchange:symbol/);
  assert.throws(() => parseSourceFlag('binance:btcusdt@http://x'), /ws:\/\//);
  assert.deepEqual(
    nameSources([parseSourceFlag('okx:BTC-USDT'), parseSourceFlag('binance:btcusdt'), parseSourceFlag('okx:BTC-USDC')]).map((s) => s.name),
    ['okx', 'binance', 'okx#2'],
  );
});
