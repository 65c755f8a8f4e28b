// §2.2 ExecuteTraderOrder / ExecuteTraderOrderSlTp and the settlement rules of §4.6.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ALICE,
  cancel,
  close,
  closeLimit,
  cmd,
  fees,
  given,
  limitLong,
  marketLong,
  marketShort,
  near,
  only,
  pool,
  price,
  riskParams,
  setSlTp,
  tick,
  types,
} from '../helpers/dsl.js';

const market = [pool(), price(60_000)];
const long = [...market, marketLong({ im: 10_000, lev: 10 })];
const short = [...market, marketShort({ im: 10_000, lev: 10 })];

test('a market close settles the position at the current price and frees the account', () => {
  given(...long, tick(61_000))
    .when(close())
    .then((events, w) => {
      assert.deepEqual(types(events), ['TraderOrderSettled']);
      const s = only(events, 'TraderOrderSettled').data;
      assert.equal(s.order.order_status, 'SETTLED');
      assert.equal(s.order.settlement_price, 61_000);
      assert.equal(s.close_type, 'MARKET');
      assert.equal(s.trigger, 'REQUEST');
      assert.equal(s.fee_rate, 0.04);
      assert.equal(s.pool.nonce, 1);
      assert.equal(s.order.exit_nonce, 1);
      assert.equal(w.state.orders.size, 0);
      assert.equal(w.state.risk.total_long_btc, 0);
      assert.equal(w.state.ps_long, 0);
      assert.equal(w.state.trader_by_account.has(ALICE), false);
    });
});

test('the pool pays exactly the rounded payment of a settlement', () => {
  given(...short, tick(59_000))
    .when(close())
    .then((events) => {
      const s = only(events, 'TraderOrderSettled').data;
      const r = (x: number) => (x < 0 ? -Math.round(-x) : Math.round(x));
      assert.equal(s.pool.total_locked_value, 10_000_000_000 - r(s.payment));
      assert.equal(s.order.available_margin, r(s.order.initial_margin + s.payment));
    });
});

test('the close rate follows the close request, not how the position was opened', () => {
  given(...market, limitLong({ at: 59_000, im: 10_000, lev: 10 }), tick(59_000))
    .when(close())
    .then((events) => {
      const s = only(events, 'TraderOrderSettled').data;
      assert.equal(s.fee_rate, 0.04);
      assert.equal(s.close_type, 'MARKET');
    });
});

test('a close limit already crossed settles now at the market price and the limit rate', () => {
  // long: execution_price ≤ P is crossed, equality included
  for (const at of [60_000, 59_000]) {
    given(...long)
      .when(closeLimit(at))
      .then((events) => {
        const s = only(events, 'TraderOrderSettled').data;
        assert.equal(s.close_type, 'LIMIT');
        assert.equal(s.fee_rate, 0.02);
        assert.equal(s.order.settlement_price, 60_000);
        assert.equal(s.trigger, 'REQUEST');
      });
  }
  for (const at of [60_000, 61_000]) {
    given(...short)
      .when(closeLimit(at))
      .then((events) => assert.equal(only(events, 'TraderOrderSettled').data.close_type, 'LIMIT'));
  }
});

test('a close limit not yet reached rests and the position stays open', () => {
  given(...long)
    .when(closeLimit(63_000))
    .then((events, w) => {
      assert.deepEqual(types(events), ['CloseLimitPlaced']);
      const p = only(events, 'CloseLimitPlaced').data;
      assert.deepEqual(p, { order_id: w.uuid(), account_id: ALICE, position_type: 'LONG', price: 63_000, old_price: null });
      assert.equal(w.order().order_status, 'FILLED');
      assert.equal(w.order().close_limit_price, 63_000);
    });
  given(...short)
    .when(closeLimit(57_000))
    .then((events) => only(events, 'CloseLimitPlaced'));
});

test('a second close limit replaces the first and reports the old price', () => {
  given(...long, closeLimit(63_000))
    .when(closeLimit(64_000))
    .then((events, w) => {
      assert.equal(only(events, 'CloseLimitPlaced').data.old_price, 63_000);
      assert.equal(w.order().close_limit_price, 64_000);
      assert.deepEqual(w.keys('close_long'), [640_000_000]);
    });
});

test('a limit close needs a positive execution price', () => {
  for (const at of [0, -1]) {
    given(...long)
      .when(closeLimit(at))
      .thenRejected('CANCELLED', 'INVALID_PARAMS');
  }
});

test('a bad limit close price is reported even before any price exists', () => {
  given(pool())
    .when(closeLimit(0, { uuid: 'no-such-order' }))
    .thenRejected('CANCELLED', 'INVALID_PARAMS');
});

test('legs cannot be set on a resting limit through a close request: INVALID_STATUS', () => {
  given(...market, limitLong({ at: 58_000, im: 10_000, lev: 10 }))
    .when(setSlTp({ sl: 57_000 }))
    .thenRejected('OrderNotFound', 'INVALID_STATUS');
});

test('only MARKET, LIMIT or SLTP can close a position', () => {
  for (const type of ['LEND', 'DARK', 'LIMIT_CLOSE']) {
    given(...long)
      .when(close({ type }))
      .thenRejected('CANCELLED', 'UNSUPPORTED_ORDER_TYPE');
  }
});

test('a close before any price exists is refused for lack of a price', () => {
  given(pool())
    .when(close({ uuid: 'no-such-order' }))
    .thenRejected('RejectedByRiskEngine', 'NO_PRICE');
});

test('closing an unknown order is ORDER_NOT_FOUND', () => {
  given(...long)
    .when(close({ uuid: '00000000-0000-5000-8000-000000000000' }))
    .thenRejected('OrderNotFound', 'ORDER_NOT_FOUND', (r) => assert.equal(r.order_id, '00000000-0000-5000-8000-000000000000'));
});

test("nobody can close someone else's position: it is reported as not found", () => {
  given(...long)
    .when(close({ by: 'mallory' }))
    .thenRejected('OrderNotFound', 'ORDER_NOT_FOUND', (r) => assert.equal(r.account_id, 'mallory'));
});

test('the placeholder account only reaches orders whose account is their own uuid', () => {
  given(...long)
    .when(close({ by: 'account_id' }))
    .thenRejected('OrderNotFound', 'ORDER_NOT_FOUND');
  given(...market, marketLong({ im: 10_000, lev: 10, acct: 'account_id' }))
    .when(close({ acct: 'account_id' }))
    .then((events) => {
      const o = only(events, 'TraderOrderSettled').data.order;
      assert.equal(o.account_id, o.uuid);
    });
});

test('a resting limit cannot be closed: INVALID_STATUS', () => {
  given(...market, limitLong({ at: 58_000, im: 10_000, lev: 10 }))
    .when(close())
    .thenRejected('OrderNotFound', 'INVALID_STATUS');
});

test('a settled, cancelled or liquidated order cannot be closed again: INVALID_STATUS', () => {
  given(...long, close())
    .when(close())
    .thenRejected('OrderNotFound', 'INVALID_STATUS');
  given(...market, limitLong({ at: 58_000, im: 10_000, lev: 10 }), cancel())
    .when(close())
    .thenRejected('OrderNotFound', 'INVALID_STATUS');
  given(...long, tick(50_000))
    .when(close())
    .thenRejected('OrderNotFound', 'INVALID_STATUS');
});

test('settle_margin and order_status of a close request are ignored', () => {
  given(...long)
    .when(
      cmd('ExecuteTraderOrder', (w) => ({
        account_id: ALICE,
        uuid: w.uuid(),
        order_type: 'MARKET',
        settle_margin: 999_999,
        order_status: 'CANCELLED',
        execution_price: 1,
      })),
    )
    .then((events) => assert.equal(only(events, 'TraderOrderSettled').data.order.settlement_price, 60_000));
});

test('the nested {"execute_trader_order", "sltp"} body is accepted', () => {
  given(...long)
    .when(
      cmd('ExecuteTraderOrderSlTp', (w) => ({
        execute_trader_order: { account_id: ALICE, uuid: w.uuid(), order_type: 'SLTP', execution_price: 0 },
        sltp: { sl: 58_000, tp: null },
      })),
    )
    .then((events) => assert.equal(only(events, 'StopLossPlaced').data.price, 58_000));
});

test('a trader never loses more than the initial margin at settlement', () => {
  // MM 0 puts liquidation on the bankruptcy price 50 000; at 50 001 the position is still open,
  // and the minimum 1-sat fees push the raw payment below −IM.
  given(
    pool(),
    fees({ order_filled_on_market: 0, order_settled_on_market: 0 }),
    riskParams({ mm_ratio: 0 }),
    price(60_000),
    marketLong({ im: 10_000, lev: 5 }),
    tick(50_001),
  )
    .when(close())
    .then((events) => {
      const s = only(events, 'TraderOrderSettled').data;
      assert.equal(s.order.unrealized_pnl, -9_999);
      assert.equal(s.payment, -10_000);
      assert.equal(s.order.available_margin, 0);
      assert.equal(s.pool.total_locked_value, 10_000_000_000 + 10_000);
    });
});

// ---- SLTP closes -----------------------------------------------------------------------------------

test('an SLTP close through the plain ExecuteTraderOrder is INVALID_SLTP', () => {
  given(...long)
    .when(close({ type: 'SLTP' }))
    .thenRejected('CANCELLED', 'INVALID_SLTP');
});

test('an SLTP close with neither leg is INVALID_SLTP', () => {
  given(...long)
    .when(setSlTp({ sl: null, tp: null }))
    .thenRejected('CANCELLED', 'INVALID_SLTP');
});

test('stop-loss and take-profit prices must be positive', () => {
  given(...long)
    .when(setSlTp({ sl: -5 }))
    .thenRejected('CANCELLED', 'INVALID_SLTP');
  given(...long)
    .when(setSlTp({ tp: 0 }))
    .thenRejected('CANCELLED', 'INVALID_SLTP');
});

test('legs not yet reached are placed, stop-loss first, and the position stays open', () => {
  given(...long)
    .when(setSlTp({ sl: 57_000, tp: 63_000 }))
    .then((events, w) => {
      assert.deepEqual(types(events), ['StopLossPlaced', 'TakeProfitPlaced']);
      assert.equal(w.order().stop_loss_price, 57_000);
      assert.equal(w.order().take_profit_price, 63_000);
    });
});

test('a new stop-loss replaces the old one and a null take-profit leaves the old one in place', () => {
  given(...long, setSlTp({ sl: 57_000, tp: 63_000 }))
    .when(setSlTp({ sl: 56_000, tp: null }))
    .then((events, w) => {
      assert.deepEqual(types(events), ['StopLossPlaced']);
      assert.equal(only(events, 'StopLossPlaced').data.old_price, 57_000);
      assert.equal(w.order().stop_loss_price, 56_000);
      assert.equal(w.order().take_profit_price, 63_000);
    });
});

test('a stop-loss already crossed settles now at the market price as StopLoss, at the market rate', () => {
  given(...long)
    .when(setSlTp({ sl: 60_000 }))
    .then((events) => {
      const s = only(events, 'TraderOrderSettled').data;
      assert.equal(s.close_type, 'StopLoss');
      assert.equal(s.fee_rate, 0.04);
      assert.equal(s.order.settlement_price, 60_000);
      assert.equal(s.trigger, 'REQUEST');
    });
  given(...short)
    .when(setSlTp({ sl: 59_000 }))
    .then((events) => assert.equal(only(events, 'TraderOrderSettled').data.close_type, 'StopLoss'));
});

test('a take-profit already crossed settles now as TakeProfit', () => {
  given(...long)
    .when(setSlTp({ tp: 60_000 }))
    .then((events) => assert.equal(only(events, 'TraderOrderSettled').data.close_type, 'TakeProfit'));
  given(...short)
    .when(setSlTp({ tp: 61_000 }))
    .then((events) => {
      const s = only(events, 'TraderOrderSettled').data;
      assert.equal(s.close_type, 'TakeProfit');
      assert.equal(s.fee_rate, 0.04);
    });
});

test('when both legs are crossed the position settles once, as a stop-loss', () => {
  given(...long)
    .when(setSlTp({ sl: 61_000, tp: 59_000 }))
    .then((events) => {
      assert.deepEqual(types(events), ['TraderOrderSettled']);
      assert.equal(only(events, 'TraderOrderSettled').data.close_type, 'StopLoss');
    });
});

test('a crossed take-profit with an uncrossed stop-loss settles without placing the stop-loss', () => {
  given(...long)
    .when(setSlTp({ sl: 55_000, tp: 59_000 }))
    .then((events) => {
      assert.deepEqual(types(events), ['TraderOrderSettled']);
      assert.equal(only(events, 'TraderOrderSettled').data.close_type, 'TakeProfit');
    });
});

test('the SlTp variant with a MARKET order type closes at market', () => {
  given(...long)
    .when(setSlTp({ sl: 58_000 }, { type: 'MARKET' }))
    .then((events) => assert.equal(only(events, 'TraderOrderSettled').data.close_type, 'MARKET'));
});

test('a settlement at a profit reports the pool after paying it', () => {
  given(...long, tick(63_000))
    .when(close())
    .then((events, w) => {
      const s = only(events, 'TraderOrderSettled').data;
      near(s.payment, 4_683.9048);
      assert.deepEqual(s.pool, w.pool);
    });
});
