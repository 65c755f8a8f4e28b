// §2.3 CancelTraderOrder / CancelTraderOrderSlTp.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ALICE,
  cancel,
  cancelSlTp,
  close,
  closeLimit,
  given,
  limitLong,
  limitShort,
  marketLong,
  only,
  pool,
  price,
  setSlTp,
  tick,
  types,
  all,
} from '../helpers/dsl.js';

const market = [pool(), price(60_000)];
const resting = [...market, limitLong({ at: 58_000, im: 10_000, lev: 10, sltp: { sl: 57_000, tp: 59_000 } })];
const long = [...market, marketLong({ im: 10_000, lev: 10 })];

test('cancelling a resting limit frees its margin, exposure and account', () => {
  given(...resting)
    .when(cancel())
    .then((events, w) => {
      assert.deepEqual(types(events), ['TraderOrderCancelled']);
      const c = only(events, 'TraderOrderCancelled').data;
      assert.equal(c.by, 'USER');
      assert.equal(c.order.order_status, 'CANCELLED');
      assert.equal(c.order.sltp_on_fill, null);
      assert.equal(w.state.risk.total_pending_long_btc, 0);
      assert.equal(w.state.books.open_long.size, 0);
      assert.equal(w.state.orders.size, 0);
      assert.equal(w.state.trader_by_account.has(ALICE), false);
    });
});

test('a cancelled limit no longer fills when the price reaches it', () => {
  given(...resting, cancel())
    .when(tick(57_500))
    .then((events) => assert.deepEqual(types(events), ['PriceUpdated']));
});

test('the order type of a plain cancel is informational only', () => {
  given(...resting)
    .when(cancel({ type: 'MARKET' }))
    .then((events) => only(events, 'TraderOrderCancelled'));
});

test('a plain cancel on an open position removes its close limit and leaves SL/TP alone', () => {
  given(...long, closeLimit(63_000), setSlTp({ sl: 57_000, tp: 64_000 }))
    .when(cancel())
    .then((events, w) => {
      assert.deepEqual(types(events), ['CloseLimitRemoved']);
      assert.deepEqual(only(events, 'CloseLimitRemoved').data, {
        order_id: w.uuid(),
        account_id: ALICE,
        position_type: 'LONG',
        old_price: 63_000,
        reason: 'USER',
      });
      assert.equal(w.order().close_limit_price, null);
      assert.equal(w.order().stop_loss_price, 57_000);
      assert.equal(w.order().take_profit_price, 64_000);
      assert.equal(w.state.books.close_long.size, 0);
    });
});

test('a removed close limit no longer settles the position', () => {
  given(...long, closeLimit(63_000), cancel())
    .when(tick(63_500))
    .then((events) => assert.deepEqual(types(events), ['PriceUpdated']));
});

test('a plain cancel on an open position without a close limit is NO_CLOSE_LIMIT', () => {
  given(...long)
    .when(cancel())
    .thenRejected('OrderNotFound', 'NO_CLOSE_LIMIT');
});

test('cancelling a settled or already cancelled order is INVALID_STATUS', () => {
  given(...long, close())
    .when(cancel())
    .thenRejected('OrderNotFound', 'INVALID_STATUS');
  given(...resting, cancel())
    .when(cancel())
    .thenRejected('OrderNotFound', 'INVALID_STATUS');
});

test("cancelling an unknown order, or someone else's, is ORDER_NOT_FOUND", () => {
  given(...resting)
    .when(cancel({ uuid: 'nope' }))
    .thenRejected('OrderNotFound', 'ORDER_NOT_FOUND');
  given(...resting)
    .when(cancel({ by: 'mallory' }))
    .thenRejected('OrderNotFound', 'ORDER_NOT_FOUND');
  given(...resting)
    .when(cancel({ by: 'account_id' }))
    .thenRejected('OrderNotFound', 'ORDER_NOT_FOUND');
});

test('the placeholder account can cancel an order it created', () => {
  given(...market, limitShort({ at: 62_000, im: 10_000, lev: 10, acct: 'account_id' }))
    .when(cancel({ acct: 'account_id' }))
    .then((events, w) => {
      const c = only(events, 'TraderOrderCancelled').data;
      assert.equal(c.order.uuid, c.order.account_id);
      assert.equal(w.state.orders.size, 0);
    });
});

// ---- CancelTraderOrderSlTp ------------------------------------------------------------------------

test('the SL/TP cancel with order type LIMIT cancels a resting order', () => {
  given(...resting)
    .when(cancelSlTp(null, { type: 'LIMIT' }))
    .then((events) => {
      assert.deepEqual(types(events), ['TraderOrderCancelled']);
      assert.equal(only(events, 'TraderOrderCancelled').data.by, 'USER');
    });
});

test('the SL/TP cancel with order type LIMIT on an open position is INVALID_STATUS and keeps its close limit', () => {
  given(...long, closeLimit(63_000))
    .when(cancelSlTp(null, { type: 'LIMIT' }))
    .thenRejected('OrderNotFound', 'INVALID_STATUS', (_r, w) => assert.equal(w.order().close_limit_price, 63_000));
});

test('removing the stop-loss of a position keeps its take-profit', () => {
  given(...long, setSlTp({ sl: 57_000, tp: 63_000 }))
    .when(cancelSlTp({ sl: true }))
    .then((events, w) => {
      assert.deepEqual(types(events), ['StopLossRemoved']);
      assert.equal(only(events, 'StopLossRemoved').data.old_price, 57_000);
      assert.equal(only(events, 'StopLossRemoved').data.reason, 'USER');
      assert.equal(w.order().stop_loss_price, null);
      assert.equal(w.order().take_profit_price, 63_000);
      assert.equal(w.state.books.sl_long.size, 0);
    });
});

test('removing both legs reports the stop-loss first, then the take-profit', () => {
  given(...long, setSlTp({ sl: 57_000, tp: 63_000 }))
    .when(cancelSlTp({ sl: true, tp: true }))
    .then((events, w) => {
      assert.deepEqual(types(events), ['StopLossRemoved', 'TakeProfitRemoved']);
      assert.equal(w.order().take_profit_price, null);
    });
});

test('asking to remove a missing stop-loss is NO_STOP_LOSS', () => {
  given(...long, setSlTp({ tp: 63_000 }))
    .when(cancelSlTp({ sl: true }))
    .thenRejected('OrderNotFound', 'NO_STOP_LOSS', (r, w) => assert.equal(r.order_id, w.uuid()));
});

test('asking to remove a missing take-profit is NO_TAKE_PROFIT', () => {
  given(...long, setSlTp({ sl: 57_000 }))
    .when(cancelSlTp({ tp: true }))
    .thenRejected('OrderNotFound', 'NO_TAKE_PROFIT', (_r, w) => assert.equal(w.order().stop_loss_price, 57_000));
});

test('one event per requested leg: the present one is removed, the missing one refused', () => {
  given(...long, setSlTp({ sl: 57_000 }))
    .when(cancelSlTp({ sl: true, tp: true }))
    .then((events, w) => {
      assert.deepEqual(types(events), ['StopLossRemoved', 'Rejected']);
      const r = only(events, 'Rejected').data;
      assert.equal(r.status, 'OrderNotFound');
      assert.equal(r.reason_code, 'NO_TAKE_PROFIT');
      assert.equal(r.order_id, w.uuid());
      assert.equal(w.order().stop_loss_price, null);
    });
});

test('an SL/TP cancel that asks for no leg is INVALID_SLTP', () => {
  given(...long, setSlTp({ sl: 57_000 }))
    .when(cancelSlTp({ sl: false, tp: false }))
    .thenRejected('CANCELLED', 'INVALID_SLTP');
  given(...long, setSlTp({ sl: 57_000 }))
    .when(cancelSlTp(null))
    .thenRejected('CANCELLED', 'INVALID_SLTP');
});

test('the legs of a resting limit can be removed before it fills', () => {
  given(...resting)
    .when(cancelSlTp({ sl: true }))
    .then((events, w) => {
      assert.deepEqual(types(events), ['StopLossRemoved']);
      assert.equal(only(events, 'StopLossRemoved').data.old_price, 57_000);
      assert.deepEqual(w.order().sltp_on_fill, { sl: null, tp: 59_000 });
    })
    .when(tick(58_000))
    .then((events, w) => {
      assert.deepEqual(types(events), ['PriceUpdated', 'TraderOrderFilled', 'TakeProfitPlaced']);
      assert.equal(w.order().stop_loss_price, null);
      assert.equal(w.order().take_profit_price, 59_000);
    });
});

test('a resting limit without legs answers NO_STOP_LOSS and NO_TAKE_PROFIT', () => {
  given(...market, limitLong({ at: 58_000, im: 10_000, lev: 10 }))
    .when(cancelSlTp({ sl: true, tp: true }))
    .then((events) => {
      assert.deepEqual(
        all(events, 'Rejected').map((e) => e.data.reason_code),
        ['NO_STOP_LOSS', 'NO_TAKE_PROFIT'],
      );
      assert.deepEqual(types(events), ['Rejected', 'Rejected']);
    });
});

test('an SL/TP cancel with an order type other than LIMIT or SLTP is UNSUPPORTED_ORDER_TYPE', () => {
  given(...long, setSlTp({ sl: 57_000 }))
    .when(cancelSlTp({ sl: true }, { type: 'MARKET' }))
    .thenRejected('CANCELLED', 'UNSUPPORTED_ORDER_TYPE');
});

test("an SL/TP cancel on someone else's order is ORDER_NOT_FOUND", () => {
  given(...long, setSlTp({ sl: 57_000 }))
    .when(cancelSlTp({ sl: true }, { by: 'mallory' }))
    .thenRejected('OrderNotFound', 'ORDER_NOT_FOUND');
});
