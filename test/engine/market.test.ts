// Market ids and namespaces (SPEC §13).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { DEFAULT_MARKET, isMarketId, marketNamespace } from '../../src/engine/market.js';
import { UUID_NAMESPACE } from '../../src/engine/types.js';

test('given market ids, then BASE-QUOTE of 2–12 upper-case letters or digits each is well formed and nothing else is', () => {
  for (const ok of ['BTC-USD', 'ETH-USD', 'AB-CD', 'ABCDEFGHIJKL-123456789012', '1000PEPE-USDT']) assert.ok(isMarketId(ok), ok);
  for (const bad of [
    'btc-usd',
    'BTCUSD',
    'B-USD',
    'BTC-U',
    'BTC--USD',
    'BTC-USD-X',
    'ABCDEFGHIJKLM-USD',
    ' BTC-USD',
    'BTC-USD\n',
    '',
    7,
    null,
    undefined,
    ['BTC-USD'],
  ]) {
    assert.equal(isMarketId(bad), false, JSON.stringify(bad));
  }
  assert.equal(DEFAULT_MARKET, 'BTC-USD');
});

test('given markets, then BTC-USD keeps the §2 namespace and every other market gets its own, uuidv5 of its id', () => {
  assert.equal(marketNamespace('BTC-USD'), UUID_NAMESPACE);
  const eth = marketNamespace('ETH-USD');
  assert.match(eth, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(eth, UUID_NAMESPACE);
  assert.notEqual(eth, marketNamespace('SOL-USD'));
  assert.equal(eth, marketNamespace('ETH-USD'));
  // RFC 4122 §4.3 by hand: SHA-1 of namespace bytes + name, version 5, variant 10
  const h = createHash('sha1')
    .update(Buffer.concat([Buffer.from(UUID_NAMESPACE.replace(/-/g, ''), 'hex'), Buffer.from('ETH-USD')]))
    .digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  assert.equal(eth, `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`);
});
