// §4.8 funding cycle and §12 funding event order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  closeLimit,
  funding,
  given,
  halt,
  limitLong,
  marketLong,
  marketShort,
  near,
  only,
  pauseFunding,
  pool,
  price,
  riskParams,
  tick,
  types,
  wait,
  all,
} from '../helpers/dsl.js';

const market = [pool(), price(60_000)];

test('funding is skipped while paused', () => {
  given(...market, marketLong({ im: 10_000, lev: 10 }), pauseFunding())
    .when(funding())
    .then((events) => assert.deepEqual(only(events, 'FundingCycleSkipped').data, { reason: 'PAUSED' }))
    .thenUnchanged();
});

test('funding is skipped before any price exists', () => {
  given(pool())
    .when(funding())
    .then((events) => {
      assert.deepEqual(types(events), ['FundingCycleSkipped']);
      assert.deepEqual(only(events, 'FundingCycleSkipped').data, { reason: 'NO_PRICE' });
    });
});

test('with no positions the funding rate is zero', () => {
  given(...market)
    .when(funding())
    .then((events, w) => {
      assert.deepEqual(types(events), ['FundingRateUpdated']);
      assert.deepEqual(only(events, 'FundingRateUpdated').data, {
        funding_rate: 0,
        price: 60_000,
        long_position_size: 0,
        short_position_size: 0,
        total_position_size: 0,
      });
      assert.equal(w.state.funding_rate, 0);
    });
});

test('a balanced book has a zero rate and positions are left as they are', () => {
  given(...market, marketLong({ im: 10_000, lev: 10, acct: 'l' }), marketShort({ im: 10_000, lev: 10, acct: 's' }))
    .when(funding())
    .then((events) => {
      assert.deepEqual(types(events), ['FundingRateUpdated'], 'no TraderOrderFundingApplied when nothing changed');
      assert.equal(only(events, 'FundingRateUpdated').data.funding_rate, 0);
    });
});

test('when longs outweigh shorts, longs pay: the rate is ((L − S) / T)² / 8', () => {
  given(...market, marketLong({ im: 10_000, lev: 10 }))
    .when(funding())
    .then((events, w) => {
      const rate = only(events, 'FundingRateUpdated').data;
      assert.equal(rate.funding_rate, 1 / 8);
      const applied = only(events, 'TraderOrderFundingApplied').data;
      // pay = (FR × PS) / (P × 100) = 0.125 × 6e9 / 6e6 = 125
      assert.equal(applied.funding_payment, -125);
      assert.equal(applied.funding_rate, 1 / 8);
      assert.equal(applied.order.available_margin, 9_960 - 125);
      // MM = (40 000 + 0.04 × 110 000 + 0.125 × 110 000) / 100
      near(applied.order.maintenance_margin, 581.5, 1e-9);
      assert.equal(w.pool.total_locked_value, 10_000_000_000, 'funding never moves TLV');
    });
});

test('when shorts outweigh longs, the rate is negative and shorts pay', () => {
  given(...market, marketShort({ im: 10_000, lev: 10 }))
    .when(funding())
    .then((events) => {
      assert.equal(only(events, 'FundingRateUpdated').data.funding_rate, -1 / 8);
      const applied = only(events, 'TraderOrderFundingApplied').data;
      assert.equal(applied.funding_payment, -125);
      assert.equal(applied.order.available_margin, 9_960 - 125);
    });
});

test('positions are funded in entry order, whatever order they filled in', () => {
  given(...market, limitLong({ at: 59_000, im: 10_000, lev: 10, acct: 'first' }), marketLong({ im: 10_000, lev: 10, acct: 'second' }), tick(59_000))
    .when(funding())
    .then((events) => {
      assert.deepEqual(types(events), ['FundingRateUpdated', 'TraderOrderFundingApplied', 'TraderOrderFundingApplied']);
      assert.deepEqual(
        all(events, 'TraderOrderFundingApplied').map((e) => e.data.order.account_id),
        ['first', 'second'],
      );
    });
});

test('a position whose margin falls to its maintenance margin during funding is liquidated at the current price', () => {
  given(
    ...market,
    marketLong({ im: 10_000, lev: 10, acct: 'a', sltp: { sl: 57_000 } }),
    closeLimit(65_000, { acct: 'a' }),
    marketShort({ im: 10_000, lev: 5, acct: 'b' }),
    riskParams({ mm_ratio: 10 }),
  )
    .when(funding())
    .then((events, w) => {
      assert.deepEqual(types(events), ['FundingRateUpdated', 'TraderOrderLiquidated', 'CloseLimitRemoved', 'StopLossRemoved', 'TraderOrderFundingApplied']);
      const l = only(events, 'TraderOrderLiquidated').data;
      assert.equal(l.trigger, 'FUNDING');
      assert.equal(l.price, 60_000);
      assert.equal(l.payment, -10_000);
      assert.equal(l.order.available_margin, 0);
      assert.equal(l.pool.total_locked_value, 10_000_000_000 + 10_000);
      assert.equal(only(events, 'CloseLimitRemoved').data.reason, 'LIQUIDATED');
      assert.equal(only(events, 'StopLossRemoved').data.reason, 'LIQUIDATED');
      assert.equal(w.state.risk.total_long_btc, 0);
      assert.equal(w.state.trader_by_account.has('a'), false);
    });
});

test('funding leaves the liquidation price on IM, and a later tick catches a position it moved past', () => {
  given(...market, marketLong({ im: 10_000, lev: 10 }), tick(58_000), riskParams({ mm_ratio: 8 }))
    .when(funding())
    .then((events, w) => {
      assert.deepEqual(types(events), ['FundingRateUpdated', 'TraderOrderFundingApplied']);
      const o = only(events, 'TraderOrderFundingApplied').data.order;
      // liq = (E × PS) / ((s × E) × (MM − IM) + PS) with IM, not AM (§11 Q2)
      near(o.liquidation_price, (60_000 * 6e9) / (-1 * 60_000 * (o.maintenance_margin - 10_000) + 6e9), 1e-9);
      assert.ok(o.liquidation_price > 58_000);
      assert.deepEqual(w.keys('liq_long'), [Math.trunc(o.liquidation_price * 10_000)]);
    });
});

test('funding needs no fresh feed', () => {
  given(...market, marketLong({ im: 10_000, lev: 10 }), wait(3_600_000))
    .when(funding())
    .then((events) => only(events, 'TraderOrderFundingApplied'));
});

test('orders opened after a funding cycle ignore the funding rate in their maintenance margin (§11 Q1)', () => {
  given(...market, marketLong({ im: 10_000, lev: 10, acct: 'a' }), funding())
    .when(marketLong({ im: 10_000, lev: 10, acct: 'b' }))
    .then((events, w) => {
      assert.equal(w.state.funding_rate, 1 / 8);
      assert.equal(only(events, 'TraderOrderOpened').data.order.maintenance_margin, 444);
    });
});

test('funding runs while the market is halted (no risk gate)', () => {
  given(...market, marketLong({ im: 10_000, lev: 10 }), halt())
    .when(funding())
    .then((events) => assert.deepEqual(types(events), ['FundingRateUpdated', 'TraderOrderFundingApplied']));
});
