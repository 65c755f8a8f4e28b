// §2.4 and §7: lend deposits and withdrawals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { T0, close, closeOnly, cmd, given, lend, marketLong, marketShort, only, pool, price, riskParams, tick, types, withdraw } from '../helpers/dsl.js';

test('a deposit mints pool shares, grows the pool and opens a lend order', () => {
  given(pool())
    .when(lend({ deposit: 2_500_000 }))
    .then((events, w) => {
      assert.deepEqual(types(events), ['LendOrderCreated']);
      const { lend_order: l, pool: p } = only(events, 'LendOrderCreated').data;
      assert.equal(l.order_status, 'FILLED');
      assert.equal(l.order_type, 'LEND');
      assert.equal(l.deposit, 2_500_000);
      assert.equal(l.new_lend_state_amount, 2_500_000);
      assert.equal(l.npoolshare, 250 * 10_000);
      assert.equal(l.balance, 10, 'balance is stored as sent');
      assert.equal(l.entry_sequence, 1);
      assert.equal(l.entry_nonce, 1);
      assert.equal(l.exit_nonce, 0);
      assert.deepEqual(p, { total_locked_value: 10_002_500_000, total_pool_share: 1_000_250, nonce: 1 });
      assert.deepEqual(w.pool, p);
      assert.equal(w.lendOrder()?.uuid, l.uuid);
    });
});

test('the pool grows by the deposit rounded to whole sats', () => {
  given(pool())
    .when(lend({ deposit: 1_000_000.6 }))
    .then((events) => assert.equal(only(events, 'LendOrderCreated').data.pool.total_locked_value, 10_001_000_001));
});

test('each lend order takes the next lend sequence and pool nonce', () => {
  given(pool(), lend({ deposit: 1_000_000, acct: 'a' }))
    .when(lend({ deposit: 1_000_000, acct: 'b' }))
    .then((events) => {
      const l = only(events, 'LendOrderCreated').data.lend_order;
      assert.equal(l.entry_sequence, 2);
      assert.equal(l.entry_nonce, 2);
    });
});

test('a deposit must be positive', () => {
  for (const deposit of [0, -1_000]) {
    given(pool())
      .when(lend({ deposit }))
      .thenRejected('CANCELLED', 'INVALID_PARAMS', (r) => assert.equal(r.order_type, 'LEND'));
  }
  given(pool())
    .when(cmd('CreateLendOrder', { account_id: 'alice', order_type: 'LEND' }))
    .thenRejected('CANCELLED', 'INVALID_PARAMS');
});

test('a deposit worth less than one share is refused; half a share rounds up to one', () => {
  // shares = round(1e6 × D / 1e10) = round(D / 10 000)
  given(pool())
    .when(lend({ deposit: 4_999 }))
    .thenRejected('CANCELLED', 'BELOW_MIN_DEPOSIT')
    .when(lend({ deposit: 5_000 }))
    .then((events) => assert.equal(only(events, 'LendOrderCreated').data.lend_order.npoolshare, 10_000));
});

test('an account can have only one active lend order', () => {
  given(pool(), lend({ deposit: 1_000_000 }))
    .when(lend({ deposit: 1_000_000 }))
    .thenRejected('DuplicateOrder', 'DUPLICATE_ORDER');
});

test('a lender and a trader may share an account', () => {
  given(pool(), price(60_000), marketLong({ im: 10_000, lev: 10 }))
    .when(lend({ deposit: 1_000_000 }))
    .then((events) => only(events, 'LendOrderCreated'));
});

test('without a pool there is nothing to lend to', () => {
  given()
    .when(lend({ deposit: 1_000_000 }))
    .thenRejected('RejectedByRiskEngine', 'HALT:POOL_EQUITY_INVALID');
});

test('a withdrawal pays out the whole claim and closes the lend order', () => {
  given(pool(), lend({ deposit: 1_000_000 }))
    .when(withdraw())
    .then((events, w) => {
      assert.deepEqual(types(events), ['LendOrderSettled']);
      const { lend_order: l, withdraw: paid, pool: p } = only(events, 'LendOrderSettled').data;
      assert.equal(l.order_status, 'SETTLED');
      assert.equal(paid, 1_000_000);
      assert.equal(l.nwithdraw, 1e10);
      assert.equal(l.payment, 0);
      assert.equal(l.exit_nonce, 2);
      assert.equal(l.tlv2, 10_001_000_000);
      assert.equal(l.tps2, 1_000_100);
      assert.equal(l.tlv3, 10_000_000_000);
      assert.equal(l.tps3, 1_000_000);
      assert.deepEqual(p, { total_locked_value: 10_000_000_000, total_pool_share: 1_000_000, nonce: 2 });
      assert.equal(w.state.lends.size, 0);
      assert.equal(w.state.lend_by_account.size, 0);
    });
});

test('after withdrawing, the account may lend again', () => {
  given(pool(), lend({ deposit: 1_000_000 }), withdraw())
    .when(lend({ deposit: 1_000_000 }))
    .then((events) => only(events, 'LendOrderCreated'));
});

test('lenders share trader losses: the claim grows with the pool', () => {
  // The short loses at 63 000; the pool gains 4 840 (example B) and the lender's 100 shares
  // are worth 1 000 000 × 10 001 004 840 / 10 001 000 000.
  given(pool(), lend({ deposit: 1_000_000 }), price(60_000), marketShort({ im: 10_000, lev: 10, acct: 'bob' }), tick(63_000), close({ acct: 'bob' }))
    .when(withdraw())
    .then((events) => {
      const s = only(events, 'LendOrderSettled').data;
      assert.equal(s.lend_order.tlv2, 10_001_004_840);
      const raw = (10_001_004_840 * 1_000_000) / 1_000_100;
      assert.equal(s.withdraw, Math.round(raw / 10_000));
      assert.equal(s.lend_order.payment, Math.round(raw / 10_000 - 1_000_000));
      assert.ok(s.lend_order.payment >= 0);
    });
});

test('the amounts in the withdrawal request are ignored', () => {
  given(pool(), lend({ deposit: 1_000_000 }))
    .when(cmd('ExecuteLendOrder', (w) => ({ account_id: 'alice', uuid: w.lendUuid(), order_type: 'DARK', settle_withdraw: 1, poolshare_price: 99 })))
    .then((events) => assert.equal(only(events, 'LendOrderSettled').data.withdraw, 1_000_000));
});

test('withdrawing an unknown, foreign or already settled lend order is ORDER_NOT_FOUND', () => {
  given(pool(), lend({ deposit: 1_000_000 }))
    .when(withdraw({ uuid: 'nope' }))
    .thenRejected('OrderNotFound', 'ORDER_NOT_FOUND');
  given(pool(), lend({ deposit: 1_000_000 }))
    .when(withdraw({ by: 'mallory' }))
    .thenRejected('OrderNotFound', 'ORDER_NOT_FOUND');
  given(pool(), lend({ deposit: 1_000_000 }), withdraw())
    .when(withdraw())
    .thenRejected('OrderNotFound', 'ORDER_NOT_FOUND');
});

test("the operator's genesis shares cannot be withdrawn: there is no lend order for them", () => {
  given(pool({ account_id: 'operator' }))
    .when(withdraw({ acct: 'operator', uuid: 'genesis' }))
    .thenRejected('OrderNotFound', 'ORDER_NOT_FOUND');
});

// Trader profits larger than the pool: TLV ends below zero, with the market also close-only.
const drained = [
  pool(),
  lend({ deposit: 1_000_000 }),
  riskParams({ max_position_pct: 10, max_oi_mult: 10, max_net_mult: 10 }),
  price(60_000),
  marketLong({ im: 1_000_000_000, lev: 50, acct: 'whale' }),
  tick(120_000),
  close({ acct: 'whale' }),
  closeOnly(),
];

test('once trader profits have emptied the pool, lending stops even in a close-only market', () => {
  // §7: lend operations "stop on HALT (incl. TLV ≤ 0)", although §6.1 ranks close-only first.
  given(...drained)
    .when(withdraw())
    .thenRejected('RejectedByRiskEngine', 'HALT:POOL_EQUITY_INVALID', (_r, w) => {
      assert.ok(w.pool.total_locked_value < 0);
      assert.equal(w.lendOrder()?.order_status, 'FILLED');
    });
  given(...drained)
    .when(lend({ deposit: 1_000_000, acct: 'bob' }))
    .thenRejected('RejectedByRiskEngine', 'HALT:POOL_EQUITY_INVALID');
});

test('lending into a close-only market that has no pool is refused, not a crash', () => {
  // SPEC leaves the code open (§6.1 status is CLOSE_ONLY, which lets lending through §6.3);
  // refusals must be Rejected events (§2), and without a pool the only fitting code is this one.
  given(closeOnly())
    .when(lend({ deposit: 1_000_000 }))
    .thenRejected('RejectedByRiskEngine', 'HALT:POOL_EQUITY_INVALID');
});

test('a claim that rounds above the whole pool is refused with INSUFFICIENT_POOL_FUNDS', () => {
  // With TLV > 0 a claim is TLV × shares / TPS < TLV, and TLV ≤ 0 halts lending first, so only
  // floating point can make withdraw_raw exceed TLV: genesis TLV 1e-12 and shares 1e-15 vanish next
  // to the deposit, and (TLV × npoolshare) / TPS / 10⁴ then rounds above TLV (found by search).
  given(pool({ total_locked_value: 1e-12, total_pool_share: 1e-15 }), lend({ deposit: 410_538_875 }))
    .when(withdraw())
    .thenRejected('Error', 'INSUFFICIENT_POOL_FUNDS', (_r, w) => {
      const p = w.pool;
      const l = w.lendOrder()!;
      const withdrawRaw = (p.total_locked_value * l.npoolshare) / p.total_pool_share / 10_000;
      assert.ok(withdrawRaw > p.total_locked_value, 'the SPEC §7 condition holds');
      assert.equal(l.order_status, 'FILLED');
    });
});

test('lend orders carry the command time as their timestamp', () => {
  given(pool())
    .when(lend({ deposit: 1_000_000 }))
    .then((events, w) => {
      assert.equal(only(events, 'LendOrderCreated').data.lend_order.timestamp, new Date(w.now).toISOString());
      assert.ok(w.now > T0);
    });
});
