// §2.5 PriceTick and the Heartbeat tick (§5.3 "heartbeats included", §8).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cmd, funding, given, heartbeat, limitLong, marketLong, only, pauseFeed, pool, riskParams, tick, types, wait } from '../helpers/dsl.js';

test('the first tick sets the market price with no previous price', () => {
  given(pool())
    .when(tick(60_000))
    .then((events, w) => {
      assert.deepEqual(types(events), ['PriceUpdated']);
      assert.deepEqual(only(events, 'PriceUpdated').data, { price: 60_000, previous_price: null, feed_price: 60_000 });
      assert.equal(w.state.price, 60_000);
      assert.equal(w.state.price_ts, w.now);
    });
});

test('the market price is the feed price rounded half away from zero', () => {
  given(pool(), tick(60_000))
    .when(tick(60_000.5))
    .then((events) => assert.deepEqual(only(events, 'PriceUpdated').data, { price: 60_001, previous_price: 60_000, feed_price: 60_000.5 }))
    .when(tick(60_001.49))
    .then((events) => assert.deepEqual(types(events), []));
});

test('a tick that does not change the rounded price emits nothing', () => {
  given(pool(), tick(60_000))
    .when(tick(60_000.2))
    .then((events, w) => {
      assert.deepEqual(types(events), []);
      assert.equal(w.state.price, 60_000);
    });
});

test('a tick at an unchanged price still keeps the feed fresh', () => {
  given(pool(), tick(60_000), wait(25_000), tick(60_000), wait(25_000))
    .when(marketLong({ im: 10_000, lev: 10 }))
    .then((events) => only(events, 'TraderOrderOpened'));
});

test('a tick at an unchanged price still runs the triggers', () => {
  // Funding moved the liquidation price above the market (§5.3: "the next tick catches it").
  given(pool(), tick(60_000), marketLong({ im: 10_000, lev: 10 }), tick(58_000), riskParams({ mm_ratio: 8 }), funding())
    .when(tick(58_000))
    .then((events) => {
      assert.deepEqual(types(events), ['TraderOrderLiquidated']);
      assert.equal(only(events, 'TraderOrderLiquidated').data.trigger, 'PRICE_TICK');
    });
});

test('a price must be positive', () => {
  for (const p of [0, -60_000]) {
    given(pool(), tick(60_000))
      .when(tick(p))
      .thenRejected('CANCELLED', 'INVALID_PARAMS', (r) => assert.equal(r.command, 'PriceTick'));
  }
  given(pool())
    .when(cmd('PriceTick', { price: '60000' }))
    .thenRejected('CANCELLED', 'INVALID_PARAMS');
});

test('while the feed is paused, ticks are ignored entirely', () => {
  given(pool(), tick(60_000), limitLong({ at: 58_000, im: 10_000, lev: 10 }), pauseFeed())
    .when(tick(57_000))
    .then((events, w) => {
      assert.deepEqual(events, []);
      assert.equal(w.state.price, 60_000);
      assert.equal(w.order().order_status, 'PENDING');
    })
    .thenUnchanged();
});

test('after the feed is resumed the next tick fills what it reaches', () => {
  given(pool(), tick(60_000), limitLong({ at: 58_000, im: 10_000, lev: 10 }), pauseFeed(), tick(57_000), pauseFeed(false))
    .when(tick(57_000))
    .then((events) => assert.deepEqual(types(events), ['PriceUpdated', 'TraderOrderFilled']));
});

test('the source and feed_ts of a tick are informational', () => {
  given(pool())
    .when(cmd('PriceTick', { price: 61_000, source: 'binance', feed_ts: 123 }))
    .then((events) => assert.equal(only(events, 'PriceUpdated').data.price, 61_000));
});

// ---- Heartbeat -------------------------------------------------------------------------------

test('a heartbeat at a steady price emits nothing but keeps the feed fresh', () => {
  given(pool(), tick(60_000), wait(25_000))
    .when(heartbeat())
    .then((events, w) => {
      assert.deepEqual(events, []);
      assert.equal(w.state.price_ts, w.now);
    })
    .when(wait(25_000))
    .when(marketLong({ im: 10_000, lev: 10 }))
    .then((events) => only(events, 'TraderOrderOpened'));
});

test('a heartbeat re-checks the triggers at the current price', () => {
  given(pool(), tick(60_000), marketLong({ im: 10_000, lev: 10 }), tick(58_000), riskParams({ mm_ratio: 8 }), funding())
    .when(heartbeat())
    .then((events) => {
      const l = only(events, 'TraderOrderLiquidated').data;
      assert.equal(l.trigger, 'PRICE_TICK');
      assert.equal(l.price, 58_000);
    });
});

test('a heartbeat before any price does nothing', () => {
  given(pool())
    .when(heartbeat())
    .then((events) => assert.deepEqual(events, []))
    .thenUnchanged();
});
