// Stop-loss / take-profit legs over their life: attached at open, kept until a fill, fired by ticks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { given, limitLong, limitShort, marketLong, marketShort, only, pool, price, setSlTp, tick, types } from '../helpers/dsl.js';

const market = [pool(), price(60_000)];

test('a stop-loss hit by a tick settles at the tick price at the market rate', () => {
  given(...market, marketLong({ im: 10_000, lev: 10, sltp: { sl: 57_000 } }))
    .when(tick(56_900))
    .then((events) => {
      assert.deepEqual(types(events), ['PriceUpdated', 'TraderOrderSettled', 'StopLossRemoved']);
      const s = only(events, 'TraderOrderSettled').data;
      assert.equal(s.close_type, 'StopLoss');
      assert.equal(s.trigger, 'PRICE_TICK');
      assert.equal(s.fee_rate, 0.04);
      assert.equal(s.order.settlement_price, 56_900);
      const removed = only(events, 'StopLossRemoved').data;
      assert.equal(removed.reason, 'SETTLED');
      assert.equal(removed.old_price, 57_000);
    });
});

test('a take-profit hit by a tick settles at the tick price at the market rate', () => {
  given(...market, marketShort({ im: 10_000, lev: 10, sltp: { tp: 55_000 } }))
    .when(tick(54_000))
    .then((events) => {
      const s = only(events, 'TraderOrderSettled').data;
      assert.equal(s.close_type, 'TakeProfit');
      assert.equal(s.fee_rate, 0.04);
      assert.equal(s.order.settlement_price, 54_000);
      assert.equal(only(events, 'TakeProfitRemoved').data.reason, 'SETTLED');
    });
});

test('when a resting limit fills, its legs are placed at once, stop-loss first', () => {
  given(...market, limitShort({ at: 62_000, im: 10_000, lev: 10, sltp: { sl: 64_000, tp: 59_000 } }))
    .when(tick(62_000))
    .then((events, w) => {
      assert.deepEqual(types(events), ['PriceUpdated', 'TraderOrderFilled', 'StopLossPlaced', 'TakeProfitPlaced']);
      assert.equal(only(events, 'TraderOrderFilled').data.order.sltp_on_fill, null);
      assert.equal(w.order().stop_loss_price, 64_000);
      assert.equal(w.order().take_profit_price, 59_000);
      assert.equal(w.order().sltp_on_fill, null);
    });
});

test('a limit that fills past its own stop-loss is stopped out in the same tick', () => {
  given(...market, limitLong({ at: 58_000, im: 10_000, lev: 10, sltp: { sl: 57_000, tp: 61_000 } }))
    .when(tick(56_000))
    .then((events, w) => {
      assert.deepEqual(types(events), ['PriceUpdated', 'TraderOrderFilled', 'TraderOrderSettled']);
      const s = only(events, 'TraderOrderSettled').data;
      assert.equal(s.close_type, 'StopLoss');
      assert.equal(s.trigger, 'PRICE_TICK');
      assert.equal(s.order.entryprice, 56_000);
      assert.equal(s.order.settlement_price, 56_000);
      assert.equal(w.state.orders.size, 0);
    });
});

test('a take-profit set after opening fires on the next tick that reaches it', () => {
  given(...market, marketLong({ im: 10_000, lev: 10 }), setSlTp({ tp: 62_000 }))
    .when(tick(62_000))
    .then((events) => assert.equal(only(events, 'TraderOrderSettled').data.close_type, 'TakeProfit'));
});

test('a moved stop-loss fires at its new price only', () => {
  given(...market, marketLong({ im: 10_000, lev: 10, sltp: { sl: 57_000 } }), setSlTp({ sl: 58_000 }))
    .when(tick(57_500))
    .then((events) => {
      const s = only(events, 'TraderOrderSettled').data;
      assert.equal(s.close_type, 'StopLoss');
      assert.equal(only(events, 'StopLossRemoved').data.old_price, 58_000);
    });
});

test('a position with both legs that settles on one reports both removed', () => {
  given(...market, marketLong({ im: 10_000, lev: 10, sltp: { sl: 57_000, tp: 63_000 } }))
    .when(tick(63_000))
    .then((events) => {
      assert.deepEqual(types(events), ['PriceUpdated', 'TraderOrderSettled', 'StopLossRemoved', 'TakeProfitRemoved']);
      assert.equal(only(events, 'StopLossRemoved').data.reason, 'SETTLED');
      assert.equal(only(events, 'TakeProfitRemoved').data.reason, 'SETTLED');
    });
});
