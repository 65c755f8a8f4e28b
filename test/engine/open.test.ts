// §2.1 CreateTraderOrder / CreateTraderOrderSlTp: accepting, resting, converting, and every
// refusal in its "first failure wins" order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALICE, close, createOrder, given, limitLong, limitShort, marketLong, marketShort, only, pool, price, riskParams, types, cmd } from '../helpers/dsl.js';

const market = [pool(), price(60_000)];

test('a market long fills at once at the current price and locks the account', () => {
  given(...market)
    .when(marketLong({ im: 10_000, lev: 10 }))
    .then((events, w) => {
      assert.deepEqual(types(events), ['TraderOrderOpened']);
      const { order, converted_from_limit } = only(events, 'TraderOrderOpened').data;
      assert.equal(converted_from_limit, false);
      assert.equal(order.order_status, 'FILLED');
      assert.equal(order.order_type, 'MARKET');
      assert.equal(order.entryprice, 60_000);
      assert.equal(order.account_id, ALICE);
      assert.equal(order.entry_sequence, 1);
      assert.equal(order.entry_nonce, 0);
      assert.equal(order.fee_settled, 0);
      assert.equal(order.settlement_price, 0);
      assert.deepEqual([order.close_limit_price, order.stop_loss_price, order.take_profit_price, order.sltp_on_fill], [null, null, null, null]);
      assert.equal(w.state.risk.total_long_btc, 100_000);
      assert.equal(w.state.ps_long, 6e9);
      assert.equal(w.state.trader_by_account.get(ALICE), order.uuid);
    });
});

test('a market order fills at the current price whatever entryprice says', () => {
  given(pool(), price(60_000.4))
    .when(createOrder({ position_type: 'SHORT', order_type: 'MARKET', leverage: 2, initial_margin: 1_000, entryprice: 1 }))
    .then((events) => assert.equal(only(events, 'TraderOrderOpened').data.order.entryprice, 60_000));
});

test('a long limit at or above the market is converted to a market order and fills now', () => {
  for (const at of [60_000, 61_000]) {
    given(...market)
      .when(limitLong({ at, im: 10_000, lev: 10 }))
      .then((events) => {
        const { order, converted_from_limit } = only(events, 'TraderOrderOpened').data;
        assert.equal(converted_from_limit, true);
        assert.equal(order.order_type, 'MARKET');
        assert.equal(order.entryprice, 60_000);
        assert.equal(order.fee_filled, 40, 'charged at the market rate');
      });
  }
});

test('a short limit at or below the market is converted to a market order and fills now', () => {
  for (const at of [60_000, 59_000]) {
    given(...market)
      .when(limitShort({ at, im: 10_000, lev: 10 }))
      .then((events) => {
        const { order, converted_from_limit } = only(events, 'TraderOrderOpened').data;
        assert.equal(converted_from_limit, true);
        assert.equal(order.order_type, 'MARKET');
        assert.equal(order.entryprice, 60_000);
      });
  }
});

test('a short limit above the market rests as a pending order priced at its limit', () => {
  given(...market)
    .when(limitShort({ at: 62_000, im: 10_000, lev: 10 }))
    .then((events, w) => {
      const o = only(events, 'TraderOrderPending').data.order;
      assert.equal(o.order_status, 'PENDING');
      assert.equal(o.order_type, 'LIMIT');
      assert.equal(o.entryprice, 62_000);
      assert.equal(o.positionsize, 100_000 * 62_000);
      assert.equal(o.fee_filled, 0);
      assert.equal(o.available_margin, 10_000);
      assert.equal(w.state.risk.total_pending_short_btc, 100_000);
      assert.equal(w.state.risk.total_short_btc, 0);
      assert.equal(w.state.ps_short, 0, 'a resting order is not in the PS log');
    });
});

test('execution_price is stored as sent; available_margin and order_status in the request are ignored', () => {
  given(...market)
    .when(
      createOrder({
        position_type: 'LONG',
        order_type: 'LIMIT',
        leverage: 5,
        initial_margin: 20_000,
        entryprice: 58_000,
        execution_price: 12_345,
        available_margin: 1,
        order_status: 'FILLED',
      }),
    )
    .then((events) => {
      const o = only(events, 'TraderOrderPending').data.order;
      assert.equal(o.execution_price, 12_345);
      assert.equal(o.available_margin, 20_000);
      assert.equal(o.order_status, 'PENDING');
    });
});

test('unknown fields in the request body are ignored', () => {
  given(...market)
    .when(createOrder({ position_type: 'LONG', order_type: 'MARKET', leverage: 10, initial_margin: 10_000, colour: 'blue', msg: 'x' }))
    .then((events) => assert.deepEqual(types(events), ['TraderOrderOpened']));
});

test('the placeholder account "account_id" becomes the new order\'s uuid', () => {
  given(...market)
    .when(marketLong({ im: 10_000, lev: 10, acct: 'account_id' }))
    .then((events) => {
      const o = only(events, 'TraderOrderOpened').data.order;
      assert.equal(o.account_id, o.uuid);
    });
});

test('each accepted order takes the next entry sequence', () => {
  given(...market, marketLong({ im: 10_000, lev: 10, acct: 'a' }), limitShort({ at: 65_000, im: 10_000, lev: 10, acct: 'b' }))
    .when(marketShort({ im: 10_000, lev: 10, acct: 'c' }))
    .then((events) => assert.equal(only(events, 'TraderOrderOpened').data.order.entry_sequence, 3));
});

test('an order with stop-loss and take-profit opens and then places both legs, stop-loss first', () => {
  given(...market)
    .when(marketLong({ im: 10_000, lev: 10, sltp: { sl: 58_000, tp: 70_000 } }))
    .then((events, w) => {
      assert.deepEqual(types(events), ['TraderOrderOpened', 'StopLossPlaced', 'TakeProfitPlaced']);
      assert.equal(only(events, 'StopLossPlaced').data.price, 58_000);
      assert.equal(only(events, 'StopLossPlaced').data.old_price, null);
      assert.equal(only(events, 'TakeProfitPlaced').data.price, 70_000);
      assert.equal(w.order().stop_loss_price, 58_000);
      assert.equal(w.order().take_profit_price, 70_000);
    });
});

test('a resting limit keeps its stop-loss and take-profit aside until it fills', () => {
  given(...market)
    .when(limitLong({ at: 58_000, im: 10_000, lev: 10, sltp: { sl: 57_000, tp: 59_000 } }))
    .then((events, w) => {
      assert.deepEqual(types(events), ['TraderOrderPending']);
      assert.deepEqual(w.order().sltp_on_fill, { sl: 57_000, tp: 59_000 });
      assert.equal(w.order().stop_loss_price, null);
    });
});

test('an SL/TP order accepts the nested {"create_trader_order", "sltp"} body', () => {
  given(...market)
    .when(
      cmd('CreateTraderOrderSlTp', {
        create_trader_order: {
          account_id: ALICE,
          position_type: 'SHORT',
          order_type: 'MARKET',
          leverage: 10,
          initial_margin: 10_000,
          entryprice: 0,
          execution_price: 0,
        },
        sltp: { sl: 62_000, tp: 55_000 },
        msg: 'ignored',
        tx: 'ignored',
        input: 'ignored',
      }),
    )
    .then((events, w) => {
      assert.deepEqual(types(events), ['TraderOrderOpened', 'StopLossPlaced', 'TakeProfitPlaced']);
      assert.equal(w.order().position_type, 'SHORT');
      assert.equal(w.order().stop_loss_price, 62_000);
    });
});

test('the plain CreateTraderOrder ignores an sltp field', () => {
  given(...market)
    .when(createOrder({ position_type: 'LONG', order_type: 'MARKET', leverage: 10, initial_margin: 10_000, sltp: { sl: 58_000, tp: 70_000 } }))
    .then((events, w) => {
      assert.deepEqual(types(events), ['TraderOrderOpened']);
      assert.equal(w.order().stop_loss_price, null);
    });
});

test('an SL/TP order with both legs null opens without legs', () => {
  given(...market)
    .when(marketLong({ im: 10_000, lev: 10, sltp: { sl: null, tp: null } }))
    .then((events) => assert.deepEqual(types(events), ['TraderOrderOpened']));
});

// ---- refusals, in SPEC §2.1 order -------------------------------------------------------------

test('an order type other than MARKET or LIMIT cannot open a position', () => {
  for (const order_type of ['SLTP', 'DARK', 'LEND']) {
    given(...market)
      .when(createOrder({ position_type: 'LONG', order_type, leverage: 10, initial_margin: 10_000 }))
      .thenRejected('CANCELLED', 'UNSUPPORTED_ORDER_TYPE', (r) => {
        assert.equal(r.command, 'CreateTraderOrder');
        assert.equal(r.account_id, ALICE);
      });
  }
});

test('an unsupported order type is reported even before any price exists (first failure wins)', () => {
  given(pool())
    .when(createOrder({ position_type: 'LONG', order_type: 'DARK', leverage: 10, initial_margin: 10_000 }))
    .thenRejected('CANCELLED', 'UNSUPPORTED_ORDER_TYPE');
});

test('no order can open before the first price', () => {
  given(pool())
    .when(marketLong({ im: 10_000, lev: 10 }))
    .thenRejected('RejectedByRiskEngine', 'NO_PRICE', (r) => {
      assert.equal(r.order_id, null);
      assert.equal(r.order_type, 'MARKET');
    });
});

test('zero or negative margin or leverage is refused by the risk engine', () => {
  for (const body of [
    { initial_margin: 0, leverage: 10 },
    { initial_margin: -5, leverage: 10 },
    { initial_margin: 10_000, leverage: 0 },
    { initial_margin: 10_000, leverage: -2 },
  ]) {
    given(...market)
      .when(createOrder({ position_type: 'LONG', order_type: 'MARKET', ...body }))
      .thenRejected('RejectedByRiskEngine', 'INVALID_PARAMS');
  }
});

test('leverage below 1 is cancelled as invalid (a fraction is no longer accepted)', () => {
  given(...market)
    .when(marketShort({ im: 10_000, lev: 0.5 }))
    .thenRejected('CANCELLED', 'INVALID_PARAMS');
});

test('leverage above the 50x hard cap is cancelled even when the risk maximum is off', () => {
  given(...market, riskParams({ max_leverage: 0 }))
    .when(marketLong({ im: 1_000, lev: 51 }))
    .thenRejected('CANCELLED', 'INVALID_PARAMS');
});

test('leverage of exactly 1 and exactly 50 is accepted', () => {
  for (const lev of [1, 50]) {
    given(...market)
      .when(marketLong({ im: 1_000, lev }))
      .then((events) => assert.equal(only(events, 'TraderOrderOpened').data.order.leverage, lev));
  }
});

test('a limit order needs a positive limit price', () => {
  for (const at of [0, -100]) {
    given(...market)
      .when(limitLong({ at, im: 10_000, lev: 10 }))
      .thenRejected('CANCELLED', 'INVALID_PARAMS');
  }
});

test('a text where a number belongs, or an unknown side, is cancelled as invalid', () => {
  given(...market)
    .when(createOrder({ position_type: 'LONG', order_type: 'MARKET', leverage: '10', initial_margin: 10_000 }))
    .thenRejected('CANCELLED', 'INVALID_PARAMS');
  given(...market)
    .when(createOrder({ position_type: 'UP', order_type: 'MARKET', leverage: 10, initial_margin: 10_000 }))
    .thenRejected('CANCELLED', 'INVALID_PARAMS');
});

test('a non-finite number is cancelled as invalid', () => {
  for (const leverage of [Infinity, NaN]) {
    given(...market)
      .when(createOrder({ position_type: 'LONG', order_type: 'MARKET', leverage, initial_margin: 10_000 }))
      .thenRejected('CANCELLED', 'INVALID_PARAMS');
  }
});

test('a long needs its stop-loss below and its take-profit above the fill price', () => {
  for (const sltp of [{ sl: 60_000 }, { sl: 61_000 }, { tp: 60_000 }, { tp: 59_000 }, { sl: -1 }, { tp: 0 }]) {
    given(...market)
      .when(marketLong({ im: 10_000, lev: 10, sltp }))
      .thenRejected('CANCELLED', 'INVALID_SLTP');
  }
});

test('a short needs its take-profit below and its stop-loss above the fill price', () => {
  for (const sltp of [{ sl: 60_000 }, { sl: 59_000 }, { tp: 60_000 }, { tp: 61_000 }]) {
    given(...market)
      .when(marketShort({ im: 10_000, lev: 10, sltp }))
      .thenRejected('CANCELLED', 'INVALID_SLTP');
  }
});

test('the legs of a resting limit are checked against its limit price, not the market', () => {
  given(...market)
    .when(limitLong({ at: 58_000, im: 10_000, lev: 10, sltp: { sl: 59_000 } }))
    .thenRejected('CANCELLED', 'INVALID_SLTP');
  given(...market)
    .when(limitLong({ at: 58_000, im: 10_000, lev: 10, sltp: { tp: 59_000 } }))
    .then((events, w) => {
      assert.deepEqual(types(events), ['TraderOrderPending']);
      assert.deepEqual(w.order().sltp_on_fill, { sl: null, tp: 59_000 });
    });
});

test('a converted limit checks its legs against the market price it fills at', () => {
  given(...market)
    .when(limitLong({ at: 62_000, im: 10_000, lev: 10, sltp: { sl: 61_000 } }))
    .thenRejected('CANCELLED', 'INVALID_SLTP');
});

test('an account with an open position cannot open another', () => {
  given(...market, marketLong({ im: 10_000, lev: 10 }))
    .when(marketShort({ im: 10_000, lev: 10 }))
    .thenRejected('DuplicateOrder', 'DUPLICATE_ORDER');
});

test('an account with a resting limit cannot open another order', () => {
  given(...market, limitLong({ at: 58_000, im: 10_000, lev: 10 }))
    .when(marketLong({ im: 10_000, lev: 10 }))
    .thenRejected('DuplicateOrder', 'DUPLICATE_ORDER');
});

test('bad legs are reported before the account lock (INVALID_SLTP before DUPLICATE_ORDER)', () => {
  given(...market, marketLong({ im: 10_000, lev: 10 }))
    .when(marketLong({ im: 10_000, lev: 10, sltp: { sl: 65_000 } }))
    .thenRejected('CANCELLED', 'INVALID_SLTP');
});

test('once a position is closed the account may open a new order', () => {
  given(...market, marketLong({ im: 10_000, lev: 10 }), close())
    .when(marketShort({ im: 10_000, lev: 10 }))
    .then((events) => assert.equal(only(events, 'TraderOrderOpened').data.order.entry_sequence, 2));
});

test('a refused order leaves no lock behind', () => {
  given(...market, marketLong({ im: 10_000, lev: 0.5 }))
    .when(marketLong({ im: 10_000, lev: 10 }))
    .then((events) => assert.deepEqual(types(events), ['TraderOrderOpened']));
});
