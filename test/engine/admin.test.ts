// §2.5 system commands (InitPool, Snapshot) and §2.6 admin commands.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  SPEC_FEES,
  cancel,
  closeLimit,
  closeOnly,
  cmd,
  fees,
  given,
  halt,
  limitLong,
  limitShort,
  marketLong,
  marketShort,
  only,
  pauseFeed,
  pauseFunding,
  pool,
  price,
  priceCheck,
  recalc,
  riskParams,
  setSlTp,
  snapshot,
  types,
  unhalt,
  all,
} from '../helpers/dsl.js';

const market = [pool(), price(60_000)];

// ---- InitPool ----------------------------------------------------------------------------------

test('the first InitPool creates the pool with the default genesis', () => {
  given()
    .when(pool())
    .then((events, w) => {
      assert.deepEqual(types(events), ['PoolInitialized']);
      assert.deepEqual(only(events, 'PoolInitialized').data, {
        pool: { total_locked_value: 10_000_000_000, total_pool_share: 1_000_000, nonce: 0 },
        account_id: 'operator',
      });
      assert.deepEqual(w.pool, { total_locked_value: 10_000_000_000, total_pool_share: 1_000_000, nonce: 0 });
    });
});

test('InitPool takes the genesis values it is given', () => {
  given()
    .when(pool({ total_locked_value: 5_000_000, total_pool_share: 500, account_id: 'treasury' }))
    .then((events) =>
      assert.deepEqual(only(events, 'PoolInitialized').data, {
        pool: { total_locked_value: 5_000_000, total_pool_share: 500, nonce: 0 },
        account_id: 'treasury',
      }),
    );
});

test('the pool can be initialised only once', () => {
  given(pool())
    .when(pool({ total_locked_value: 1 }))
    .thenRejected('Error', 'POOL_EXISTS', (_r, w) => assert.equal(w.pool.total_locked_value, 10_000_000_000));
});

// ---- Snapshot ----------------------------------------------------------------------------------

test('a snapshot request is recorded and changes nothing', () => {
  given(...market, marketLong({ im: 10_000, lev: 10 }))
    .when(snapshot())
    .then((events) => assert.deepEqual(types(events), ['SnapshotRequested']))
    .thenUnchanged();
});

// ---- UpdateFees ----------------------------------------------------------------------------------

test('new fees apply to the next order, not to open positions', () => {
  given(...market, marketLong({ im: 10_000, lev: 10, acct: 'old' }))
    .when(fees({ order_filled_on_market: 0.1, order_settled_on_market: 0.08 }))
    .then((events, w) => {
      assert.deepEqual(only(events, 'FeesUpdated').data, { ...SPEC_FEES, order_filled_on_market: 0.1, order_settled_on_market: 0.08 });
      assert.equal(w.order('old').fee_filled, 40);
      assert.equal(w.order('old').maintenance_margin, 444);
    })
    .when(marketLong({ im: 10_000, lev: 10, acct: 'new' }))
    .then((events) => assert.equal(only(events, 'TraderOrderOpened').data.order.fee_filled, 100, '0.1 % of EV 100 000'))
    .when(cmd('ExecuteTraderOrder', (w) => ({ account_id: 'old', uuid: w.uuid('old'), order_type: 'MARKET' })))
    .then((events) => assert.equal(only(events, 'TraderOrderSettled').data.fee_rate, 0.08));
});

test('a zero fee rate still charges the 1-sat minimum', () => {
  given(...market, fees({ order_filled_on_market: 0 }))
    .when(marketLong({ im: 10_000, lev: 10 }))
    .then((events) => assert.equal(only(events, 'TraderOrderOpened').data.order.fee_filled, 1));
});

test('fee updates need all four rates, none negative', () => {
  given(pool())
    .when(cmd('UpdateFees', { order_filled_on_market: 0.1 }))
    .thenRejected('CANCELLED', 'INVALID_PARAMS');
  given(pool())
    .when(fees({ order_settled_on_limit: -0.01 }))
    .thenRejected('CANCELLED', 'INVALID_PARAMS');
});

// ---- flags -------------------------------------------------------------------------------------

test('close-only, funding pause and feed pause each set their flag and report all flags', () => {
  given(pool())
    .when(closeOnly())
    .then((events) =>
      assert.deepEqual(only(events, 'RiskFlagsUpdated').data, { manual_halt: false, manual_close_only: true, pause_funding: false, pause_price_feed: false }),
    )
    .when(pauseFunding())
    .then((events) =>
      assert.deepEqual(only(events, 'RiskFlagsUpdated').data, { manual_halt: false, manual_close_only: true, pause_funding: true, pause_price_feed: false }),
    )
    .when(pauseFeed())
    .then((events) =>
      assert.deepEqual(only(events, 'RiskFlagsUpdated').data, { manual_halt: false, manual_close_only: true, pause_funding: true, pause_price_feed: true }),
    )
    .when(closeOnly(false))
    .then((events, w) => {
      assert.equal(only(events, 'RiskFlagsUpdated').data.manual_close_only, false);
      assert.equal(w.state.risk.manual_close_only, false);
    });
});

test('an admin flag command that changes nothing still emits its event', () => {
  given(pool())
    .when(pauseFunding(false))
    .then((events) => assert.deepEqual(types(events), ['RiskFlagsUpdated']))
    .thenUnchanged();
});

test('a flag command without "enabled" is invalid', () => {
  given(pool()).when(cmd('SetMarketCloseOnly', {})).thenRejected('CANCELLED', 'INVALID_PARAMS');
  given(pool())
    .when(cmd('SetPauseFunding', { enabled: 'yes' }))
    .thenRejected('CANCELLED', 'INVALID_PARAMS');
});

test('lifting close-only lets orders open again', () => {
  given(...market, closeOnly(), closeOnly(false))
    .when(marketLong({ im: 10_000, lev: 10 }))
    .then((events) => only(events, 'TraderOrderOpened'));
});

// ---- SetMarketHalt -----------------------------------------------------------------------------

test('a plain halt only switches the halt on; orders and legs stay', () => {
  given(...market, limitLong({ at: 58_000, im: 10_000, lev: 10, acct: 'p' }), marketLong({ im: 10_000, lev: 10, acct: 'f' }), closeLimit(65_000, { acct: 'f' }))
    .when(halt())
    .then((events, w) => {
      assert.deepEqual(types(events), ['RiskFlagsUpdated']);
      assert.equal(only(events, 'RiskFlagsUpdated').data.manual_halt, true);
      assert.equal(w.state.orders.size, 2);
      assert.equal(w.order('f').close_limit_price, 65_000);
    });
});

test('a halt that cancels pending orders cancels every one, in entry order, as ADMIN_HALT', () => {
  given(
    ...market,
    limitShort({ at: 63_000, im: 10_000, lev: 10, acct: 'zed' }),
    marketLong({ im: 10_000, lev: 10, acct: 'open' }),
    limitLong({ at: 58_000, im: 10_000, lev: 10, acct: 'amy', sltp: { sl: 57_000 } }),
  )
    .when(halt({ cancel_pending_limit_orders: true }))
    .then((events, w) => {
      assert.deepEqual(types(events), ['RiskFlagsUpdated', 'TraderOrderCancelled', 'TraderOrderCancelled']);
      const cancelled = all(events, 'TraderOrderCancelled');
      assert.deepEqual(
        cancelled.map((e) => e.data.order.account_id),
        ['zed', 'amy'],
      );
      assert.deepEqual(
        cancelled.map((e) => e.data.by),
        ['ADMIN_HALT', 'ADMIN_HALT'],
      );
      assert.equal(w.state.risk.total_pending_long_btc + w.state.risk.total_pending_short_btc, 0);
      assert.equal(w.order('open').order_status, 'FILLED');
    });
});

test('a halt that cancels settling orders removes every close limit, stop-loss and take-profit as ADMIN', () => {
  given(
    ...market,
    marketLong({ im: 10_000, lev: 10, acct: 'a', sltp: { sl: 57_000, tp: 66_000 } }),
    closeLimit(65_000, { acct: 'a' }),
    marketShort({ im: 10_000, lev: 10, acct: 'b' }),
    setSlTp({ tp: 55_000 }, { acct: 'b' }),
  )
    .when(halt({ cancel_settling_limit_orders: true }))
    .then((events, w) => {
      assert.deepEqual(types(events), ['RiskFlagsUpdated', 'CloseLimitRemoved', 'StopLossRemoved', 'TakeProfitRemoved', 'TakeProfitRemoved']);
      assert.ok(events.slice(1).every((e) => (e.data as { reason: string }).reason === 'ADMIN'));
      for (const acct of ['a', 'b']) {
        const o = w.order(acct);
        assert.deepEqual([o.close_limit_price, o.stop_loss_price, o.take_profit_price], [null, null, null]);
        assert.equal(o.order_status, 'FILLED');
      }
    });
});

test('a full halt emits flags, then cancellations, then leg removals, then the shutdown request', () => {
  given(...market, marketLong({ im: 10_000, lev: 10, acct: 'f' }), closeLimit(65_000, { acct: 'f' }), limitLong({ at: 58_000, im: 10_000, lev: 10, acct: 'p' }))
    .when(halt({ cancel_pending_limit_orders: true, cancel_settling_limit_orders: true, exit_relayer: true }))
    .then((events) => {
      assert.deepEqual(types(events), ['RiskFlagsUpdated', 'TraderOrderCancelled', 'CloseLimitRemoved', 'ShutdownRequested']);
      assert.deepEqual(only(events, 'RiskFlagsUpdated').data, { manual_halt: true, manual_close_only: false, pause_funding: true, pause_price_feed: true });
    });
});

test('a halt can pause funding and the price feed', () => {
  given(pool())
    .when(halt({ pause_funding: true, pause_price_feed: true }))
    .then((events) =>
      assert.deepEqual(only(events, 'RiskFlagsUpdated').data, { manual_halt: true, manual_close_only: false, pause_funding: true, pause_price_feed: true }),
    );
});

test('lifting the halt keeps the pauses unless they are explicitly cleared', () => {
  given(pool(), halt({ pause_funding: true, pause_price_feed: true }))
    .when(unhalt({ pause_funding: true }))
    .then((events) =>
      assert.deepEqual(only(events, 'RiskFlagsUpdated').data, { manual_halt: false, manual_close_only: false, pause_funding: true, pause_price_feed: true }),
    )
    .when(unhalt({ pause_price_feed: false }))
    .then((events) =>
      assert.deepEqual(only(events, 'RiskFlagsUpdated').data, { manual_halt: false, manual_close_only: false, pause_funding: true, pause_price_feed: false }),
    );
});

test('lifting the halt with cancel options cancels nothing', () => {
  given(...market, limitLong({ at: 58_000, im: 10_000, lev: 10 }), halt())
    .when(unhalt({ cancel_pending_limit_orders: true, exit_relayer: true }))
    .then((events, w) => {
      assert.deepEqual(types(events), ['RiskFlagsUpdated']);
      assert.equal(w.order().order_status, 'PENDING');
    });
});

test('after the halt is lifted, trading resumes', () => {
  given(...market, halt(), unhalt())
    .when(marketLong({ im: 10_000, lev: 10 }))
    .then((events) => only(events, 'TraderOrderOpened'));
});

test('while halted, a trader cannot cancel a resting order himself', () => {
  given(...market, limitLong({ at: 58_000, im: 10_000, lev: 10 }), halt())
    .when(cancel())
    .thenRejected('RejectedByRiskEngine', 'HALT:MANUAL_HALT');
});

// ---- UpdateRiskParams -----------------------------------------------------------------------------

test('risk parameters are merged into the current ones', () => {
  given(pool())
    .when(riskParams({ max_leverage: 20, mm_ratio: 0.5 }))
    .then((events) =>
      assert.deepEqual(only(events, 'RiskParamsUpdated').data.params, {
        max_oi_mult: 4,
        max_net_mult: 0.8,
        max_position_pct: 0.02,
        min_position_btc: 0,
        max_leverage: 20,
        mm_ratio: 0.5,
      }),
    )
    .when(riskParams({ max_oi_mult: 3 }))
    .then((events) => {
      const p = only(events, 'RiskParamsUpdated').data.params;
      assert.equal(p.max_oi_mult, 3);
      assert.equal(p.max_leverage, 20);
    });
});

test('a negative risk parameter is invalid', () => {
  given(pool())
    .when(riskParams({ mm_ratio: -0.1 }))
    .thenRejected('CANCELLED', 'INVALID_PARAMS');
});

test('a new maintenance ratio applies to new positions; open ones keep theirs until funding', () => {
  given(...market, marketLong({ im: 10_000, lev: 10, acct: 'old' }))
    .when(riskParams({ mm_ratio: 1 }))
    .then((_e, w) => assert.equal(w.order('old').maintenance_margin, 444))
    .when(marketLong({ im: 10_000, lev: 10, acct: 'new' }))
    .then((events) => assert.equal(only(events, 'TraderOrderOpened').data.order.maintenance_margin, (1 * 100_000 + 0.04 * 110_000) / 100));
});

// ---- RecalculateRiskState -----------------------------------------------------------------------

test('recalculating exposure finds the running totals already right', () => {
  given(
    ...market,
    marketLong({ im: 10_000, lev: 10, acct: 'a' }),
    marketShort({ im: 5_000, lev: 5, acct: 'b' }),
    limitLong({ at: 58_000, im: 20_000, lev: 5, acct: 'c' }),
  )
    .when(recalc())
    .then((events) => {
      const { before, after } = only(events, 'ExposureRecalculated').data;
      const expected = { total_long_btc: 100_000, total_short_btc: 25_000, total_pending_long_btc: 100_000, total_pending_short_btc: 0 };
      assert.deepEqual(before, expected);
      assert.deepEqual(after, expected);
    })
    .thenUnchanged();
});

// ---- TriggerPriceCheck -------------------------------------------------------------------------

test('a price check runs the chosen phases at its price without moving the market price', () => {
  given(...market, marketLong({ im: 10_000, lev: 10, acct: 'liq' }), limitLong({ at: 55_000, im: 10_000, lev: 10, acct: 'fill' }))
    .when(priceCheck(54_000.4, { check_liquidation: false }))
    .then((events, w) => {
      assert.deepEqual(types(events), ['PriceCheckTriggered', 'TraderOrderFilled']);
      assert.deepEqual(only(events, 'PriceCheckTriggered').data, {
        price: 54_000,
        check_pending_limit: true,
        check_liquidation: false,
        check_settling_limit: true,
      });
      assert.equal(only(events, 'TraderOrderFilled').data.fill_price, 54_000);
      assert.equal(w.state.price, 60_000);
      assert.equal(w.order('liq').order_status, 'FILLED');
    });
});

test('a price check with every phase behaves like a tick at that price', () => {
  given(
    ...market,
    marketLong({ im: 10_000, lev: 10, acct: 'liq' }),
    marketLong({ im: 10_000, lev: 2, acct: 'sl', sltp: { sl: 56_000 } }),
    limitLong({ at: 55_000, im: 10_000, lev: 10, acct: 'fill' }),
  )
    .when(priceCheck(54_000))
    .then((events) =>
      assert.deepEqual(types(events), ['PriceCheckTriggered', 'TraderOrderLiquidated', 'TraderOrderSettled', 'StopLossRemoved', 'TraderOrderFilled']),
    );
});

test('a price check with only settling enabled fires legs and nothing else', () => {
  given(
    ...market,
    marketLong({ im: 10_000, lev: 10, acct: 'liq' }),
    marketLong({ im: 10_000, lev: 2, acct: 'sl', sltp: { sl: 56_000 } }),
    limitLong({ at: 55_000, im: 10_000, lev: 10, acct: 'fill' }),
  )
    .when(priceCheck(54_000, { check_liquidation: false, check_pending_limit: false }))
    .then((events) => {
      assert.deepEqual(types(events), ['PriceCheckTriggered', 'TraderOrderSettled', 'StopLossRemoved']);
      assert.equal(only(events, 'TraderOrderSettled').data.order.settlement_price, 54_000);
    });
});

test('a price check needs a positive price', () => {
  given(pool()).when(priceCheck(0)).thenRejected('CANCELLED', 'INVALID_PARAMS');
});
