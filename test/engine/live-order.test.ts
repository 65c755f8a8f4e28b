// Live orders (orders/live-order.ts, D323): the hashes one carries are the stringHash of its uuid
// and account id, and a live order is exactly its record to everything that reads it as one (JSON,
// spreads, structured clones, deep equality), because closing events carry the live order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { emptyState, execute } from '../../src/engine/index.js';
import { accountHash, liveOrder, uuidHash } from '../../src/engine/orders/live-order.js';
import { cloneOrder } from '../../src/engine/orders/record.js';
import type { TraderOrder } from '../../src/engine/types.js';
import { stringHash } from '../../src/engine/util/hash-slots.js';

const T0 = 1_767_225_600_000;

/** A market with one resting limit of `account`, and the state. */
function withOrder(account: string) {
  const state = emptyState();
  execute(state, { id: 'pool', ts: T0, type: 'InitPool', params: { total_locked_value: 1e12, total_pool_share: 1e6, account_id: 'op' } });
  execute(state, { id: 'px', ts: T0 + 1, type: 'PriceTick', params: { price: 60_000, source: null, feed_ts: null } });
  const params = {
    account_id: account,
    position_type: 'LONG',
    order_type: 'LIMIT',
    leverage: 10,
    initial_margin: 10_000,
    entryprice: 55_000,
    execution_price: 0,
    sltp: null,
  };
  const events = execute(state, { id: 'open', ts: T0 + 2, type: 'CreateTraderOrder', params } as Parameters<typeof execute>[1]);
  assert.equal(events[0]!.type, 'TraderOrderPending');
  return { state, live: [...state.orders.values()][0]! };
}

test('given an order that became live, then its hashes are those of its uuid and account id', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 40 }), (account) => {
      const { live } = withOrder(account);
      assert.equal(uuidHash(live), stringHash(live.uuid));
      assert.equal(accountHash(live), stringHash(account));
    }),
    { numRuns: 50 },
  );
});

test('given a record that is not live, then its hashes are computed from its strings', () => {
  const { live } = withOrder('acc-1');
  const plain = cloneOrder(live);
  assert.equal(uuidHash(plain), stringHash(plain.uuid));
  assert.equal(accountHash(plain), stringHash('acc-1'));
});

test('given a live order, when it is read as a record, then it is its record and nothing more', () => {
  const { live } = withOrder('acc-2');
  const record: TraderOrder = cloneOrder(live);
  assert.equal(Object.getPrototypeOf(live), Object.prototype);
  assert.deepStrictEqual(live, record);
  assert.deepStrictEqual({ ...live }, record);
  assert.deepStrictEqual(structuredClone(live), record);
  assert.equal(JSON.stringify(live), JSON.stringify(record));
  assert.deepEqual(Object.getOwnPropertySymbols(live), []);
  assert.deepEqual(Object.getOwnPropertyNames(live), Object.keys(record));
});

test('given a live copy made with given hashes, then it answers those hashes and leaves the record as it was', () => {
  const { live } = withOrder('acc-3');
  const plain = cloneOrder(live);
  const copy = liveOrder(plain, 7, -9);
  assert.notEqual(copy, plain);
  assert.deepStrictEqual(copy, plain);
  assert.equal(uuidHash(copy), 7);
  assert.equal(accountHash(copy), -9);
  assert.equal(uuidHash(plain), stringHash(plain.uuid));
  copy.sltp_on_fill = { sl: 1, tp: 2 };
  assert.equal(plain.sltp_on_fill, null);
});

test('given a record with any numbers, when it is made live, then every number is the same value (−0, fractions and large ones too)', () => {
  const { live } = withOrder('acc-4');
  const numeric = (Object.keys(live) as (keyof TraderOrder)[]).filter((k) => typeof live[k] === 'number');
  assert.ok(numeric.length >= 17, 'the record has its number fields');
  const value = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-0, 0, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 0.5, -1.5));
  fc.assert(
    fc.property(fc.array(value, { minLength: numeric.length, maxLength: numeric.length }), (values) => {
      const plain = cloneOrder(live) as unknown as Record<string, number>;
      numeric.forEach((k, i) => {
        plain[k] = values[i]!;
      });
      const copy = liveOrder(plain as unknown as TraderOrder, 1, 2) as unknown as Record<string, number>;
      for (const k of numeric) assert.ok(Object.is(copy[k], plain[k]), `${k}: ${copy[k]} is not ${plain[k]}`);
      assert.deepStrictEqual(copy, plain);
    }),
    { numRuns: 300 },
  );
});
