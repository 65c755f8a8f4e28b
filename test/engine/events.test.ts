// §12: the order of events inside one command, and the pool each event reports.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventEnvelope, Pool } from '../../src/engine/index.js';
import {
  close,
  closeLimit,
  funding,
  given,
  halt,
  lend,
  limitLong,
  limitShort,
  marketLong,
  marketShort,
  only,
  pool,
  price,
  setSlTp,
  tick,
  types,
  withdraw,
} from '../helpers/dsl.js';

const market = [pool(), price(60_000)];
const round = (x: number): number => (x < 0 ? -Math.round(-x) : Math.round(x));

test('open: the position first, then its stop-loss, then its take-profit', () => {
  given(...market)
    .when(marketShort({ im: 10_000, lev: 10, sltp: { sl: 62_000, tp: 58_000 } }))
    .then((events) => assert.deepEqual(types(events), ['TraderOrderOpened', 'StopLossPlaced', 'TakeProfitPlaced']));
});

test('fill on a tick: the price, the fill, then the kept legs with the stop-loss first', () => {
  given(...market, limitLong({ at: 58_000, im: 10_000, lev: 10, sltp: { sl: 56_000, tp: 61_000 } }))
    .when(tick(57_500))
    .then((events) => assert.deepEqual(types(events), ['PriceUpdated', 'TraderOrderFilled', 'StopLossPlaced', 'TakeProfitPlaced']));
});

test('settlement: the settlement, then every registered leg removed in the order close limit, SL, TP', () => {
  given(...market, marketLong({ im: 10_000, lev: 10, sltp: { sl: 57_000, tp: 66_000 } }), closeLimit(65_000))
    .when(close())
    .then((events, w) => {
      assert.deepEqual(types(events), ['TraderOrderSettled', 'CloseLimitRemoved', 'StopLossRemoved', 'TakeProfitRemoved']);
      const removed = events.slice(1).map((e) => e.data as { reason: string; old_price: number; order_id: string });
      assert.deepEqual(
        removed.map((d) => d.reason),
        ['SETTLED', 'SETTLED', 'SETTLED'],
      );
      assert.deepEqual(
        removed.map((d) => d.old_price),
        [65_000, 57_000, 66_000],
      );
      assert.ok(removed.every((d) => d.order_id === w.uuid()));
      for (const name of ['close_long', 'sl_long', 'tp_long', 'liq_long'] as const) assert.equal(w.state.books[name].size, 0);
    });
});

test('settlement by a fired stop-loss also reports that stop-loss removed', () => {
  given(...market, marketLong({ im: 10_000, lev: 10, sltp: { sl: 57_000, tp: 66_000 } }), closeLimit(65_000))
    .when(tick(57_000))
    .then((events) => assert.deepEqual(types(events), ['PriceUpdated', 'TraderOrderSettled', 'CloseLimitRemoved', 'StopLossRemoved', 'TakeProfitRemoved']));
});

test('liquidation: the liquidation, then its legs removed as LIQUIDATED in the order close limit, SL, TP', () => {
  given(...market, marketShort({ im: 10_000, lev: 10, sltp: { sl: 67_000, tp: 50_000 } }), closeLimit(55_000))
    .when(tick(66_500))
    .then((events) => {
      assert.deepEqual(types(events), ['PriceUpdated', 'TraderOrderLiquidated', 'CloseLimitRemoved', 'StopLossRemoved', 'TakeProfitRemoved']);
      assert.ok(events.slice(2).every((e) => (e.data as { reason: string }).reason === 'LIQUIDATED'));
    });
});

test('halt: flags, then cancellations by entry order, then leg removals, then shutdown', () => {
  given(
    ...market,
    limitShort({ at: 64_000, im: 10_000, lev: 10, acct: 'p1' }),
    marketLong({ im: 10_000, lev: 10, acct: 'f', sltp: { sl: 57_000 } }),
    limitLong({ at: 57_000, im: 10_000, lev: 10, acct: 'p2' }),
  )
    .when(halt({ cancel_pending_limit_orders: true, cancel_settling_limit_orders: true, exit_relayer: true }))
    .then((events) => {
      assert.deepEqual(types(events), ['RiskFlagsUpdated', 'TraderOrderCancelled', 'TraderOrderCancelled', 'StopLossRemoved', 'ShutdownRequested']);
      assert.deepEqual(
        events.filter((e) => e.type === 'TraderOrderCancelled').map((e) => (e.data as { order: { account_id: string } }).order.account_id),
        ['p1', 'p2'],
      );
    });
});

test('funding: the rate first, then each position by entry order', () => {
  given(...market, marketShort({ im: 5_000, lev: 5, acct: 's' }), marketLong({ im: 10_000, lev: 10, acct: 'l' }))
    .when(funding())
    .then((events) => {
      assert.deepEqual(types(events), ['FundingRateUpdated', 'TraderOrderFundingApplied', 'TraderOrderFundingApplied']);
      assert.deepEqual(
        events.slice(1).map((e) => (e.data as { order: { account_id: string } }).order.account_id),
        ['s', 'l'],
      );
    });
});

// ---- pool after each event ------------------------------------------------------------------------

const poolOf = (e: EventEnvelope): Pool => (e.data as { pool: Pool }).pool;

test('each settlement and liquidation in a tick reports the pool right after itself', () => {
  given(
    ...market,
    marketLong({ im: 10_000, lev: 10, acct: 'liq' }),
    marketShort({ im: 10_000, lev: 10, acct: 'tp', sltp: { tp: 55_000 } }),
    marketShort({ im: 20_000, lev: 5, acct: 'close' }),
    closeLimit(54_500, { acct: 'close' }),
  )
    .when(tick(54_000))
    .then((events, w) => {
      const moving = events.filter((e) => e.type === 'TraderOrderLiquidated' || e.type === 'TraderOrderSettled');
      assert.deepEqual(types(moving), ['TraderOrderLiquidated', 'TraderOrderSettled', 'TraderOrderSettled']);
      let tlv = 10_000_000_000;
      let nonce = 0;
      for (const e of moving) {
        const d = e.data as { payment: number; order: { exit_nonce: number } };
        tlv -= round(d.payment);
        nonce += 1;
        assert.deepEqual(poolOf(e), { total_locked_value: tlv, total_pool_share: 1_000_000, nonce });
        assert.equal(d.order.exit_nonce, nonce);
      }
      assert.deepEqual(w.pool, poolOf(moving[moving.length - 1]!));
    });
});

test('deposits, settlements and withdrawals each take the next pool nonce', () => {
  given(pool(), lend({ deposit: 1_000_000 }), price(60_000), marketLong({ im: 10_000, lev: 10, acct: 'bob' }), tick(63_000))
    .when(close({ acct: 'bob' }))
    .then((events) => {
      const s = only(events, 'TraderOrderSettled').data;
      assert.equal(s.pool.nonce, 2);
      assert.equal(s.pool.total_locked_value, 10_001_000_000 - 4_684);
    })
    .when(withdraw())
    .then((events) => {
      const s = only(events, 'LendOrderSettled').data;
      assert.equal(s.pool.nonce, 3);
      assert.equal(s.lend_order.exit_nonce, 3);
      assert.equal(s.pool.total_locked_value, 10_001_000_000 - 4_684 - s.withdraw);
    });
});

test('a tick that reaches no trigger emits only its PriceUpdated', () => {
  given(...market, marketLong({ im: 10_000, lev: 10 }), setSlTp({ sl: 55_000 }))
    .when(tick(59_000))
    .then((events) => assert.deepEqual(types(events), ['PriceUpdated']));
});
