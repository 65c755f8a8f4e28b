// Readable output shows amounts as BTC; --json keeps the event line (sats) byte for byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { btc, describeEvent } from '../../src/commands/print.js';
import type { StoredEvent } from '../../src/store/types.js';

test('btc: sats as BTC with 8 decimals, exact for integers', () => {
  assert.equal(btc(0), '0.00000000 BTC');
  assert.equal(btc(1), '0.00000001 BTC');
  assert.equal(btc(123_456_789), '1.23456789 BTC');
  assert.equal(btc(-50_000_000), '-0.50000000 BTC');
  assert.equal(btc(10_000_000_000), '100.00000000 BTC');
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), (sats) => {
      const [whole, frac] = btc(sats).replace(' BTC', '').replace('-', '').split('.') as [string, string];
      assert.equal(BigInt(whole) * 100_000_000n + BigInt(frac), BigInt(Math.abs(sats)));
    }),
  );
});

test('describeEvent: payment and TLV as BTC', () => {
  const line = JSON.stringify({
    v: 1,
    seq: 9,
    ts: 0,
    cmd: 'close-1',
    type: 'TraderOrderSettled',
    data: {
      order: { uuid: 'u', account_id: 'a', position_type: 'LONG', order_type: 'MARKET', order_status: 'SETTLED', initial_margin: 10_000 },
      payment: -2_500,
      close_type: 'MARKET',
      pool: { total_locked_value: 10_000_002_500 },
    },
    prev: '0',
    hash: '1',
  });
  const e = { seq: 9, ts: 0, cmd: 'close-1', type: 'TraderOrderSettled', line } as unknown as StoredEvent;
  const text = describeEvent(e);
  assert.match(text, /margin=0\.00010000 BTC/);
  assert.match(text, /payment=-0\.00002500 BTC/);
  assert.match(text, /TLV=100\.00002500 BTC/);
});
