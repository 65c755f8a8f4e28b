// SPEC §4 worked examples A–F and the §6.2 risk example, to the numbers printed in SPEC.
// Exact figures are compared exactly; figures SPEC prints rounded ("54 766.5121…") within 1e-4.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openLimits } from '../../src/engine/index.js';
import {
  close,
  closeLimit,
  funding,
  given,
  limitLong,
  marketLong,
  marketShort,
  near,
  only,
  pool,
  price,
  riskParams,
  tick,
  types,
  withdraw,
  lend,
  all,
} from '../helpers/dsl.js';

test('A: a 10x long market order at 60 000 opens with fee 40, AM 9 960, MM 444 and liquidation 54 766.5121', () => {
  given(pool(), price(60_000))
    .when(marketLong({ im: 10_000, lev: 10 }))
    .then((events, w) => {
      const o = only(events, 'TraderOrderOpened').data.order;
      assert.equal(w.state.risk.total_long_btc, 100_000, 'EV 100 000');
      assert.equal(o.positionsize, 6e9);
      assert.equal(o.fee_filled, 40);
      assert.equal(o.available_margin, 9_960);
      near(o.bankruptcy_price, 54_545.4545);
      assert.equal(o.bankruptcy_value, 110_000);
      assert.equal(o.maintenance_margin, 444);
      near(o.liquidation_price, 54_766.5121);
      near(o.liquidation_price, 3.6e14 / 6_573_360_000, 1e-9);
      assert.deepEqual(w.keys('liq_long'), [547_665_121]);
    });
});

test('A: closing that long at market at 63 000 pays the trader 4 683.9048 and takes 4 684 from the pool', () => {
  given(pool(), price(60_000), marketLong({ im: 10_000, lev: 10 }), tick(63_000))
    .when(close())
    .then((events, w) => {
      const s = only(events, 'TraderOrderSettled').data;
      assert.equal(s.order.unrealized_pnl, 4_762);
      near(s.order.fee_settled, 38.0952);
      near(s.payment, 4_683.9048);
      assert.equal(s.order.available_margin, 14_684);
      assert.equal(s.order.settlement_price, 63_000);
      assert.equal(s.close_type, 'MARKET');
      assert.equal(s.pool.total_locked_value, 10_000_000_000 - 4_684);
      assert.equal(w.pool.total_locked_value, 10_000_000_000 - 4_684);
    });
});

test('B: a 10x short market order at 60 000 opens with BV 90 000, MM 436 and liquidation 66 345.2607', () => {
  given(pool(), price(60_000))
    .when(marketShort({ im: 10_000, lev: 10 }))
    .then((events) => {
      const o = only(events, 'TraderOrderOpened').data.order;
      near(o.bankruptcy_price, 66_666.667, 1e-3);
      assert.equal(o.bankruptcy_value, 90_000);
      assert.equal(o.maintenance_margin, 436);
      near(o.liquidation_price, 66_345.2607);
    });
});

test('B: closing that short at 63 000 costs the trader 4 840.0952 and the pool gains 4 840', () => {
  given(pool(), price(60_000), marketShort({ im: 10_000, lev: 10 }), tick(63_000))
    .when(close())
    .then((events) => {
      const s = only(events, 'TraderOrderSettled').data;
      assert.equal(s.order.unrealized_pnl, -4_762);
      near(s.payment, -4_840.0952);
      assert.equal(s.order.available_margin, 5_160);
      assert.equal(s.pool.total_locked_value, 10_000_000_000 + 4_840);
    });
});

test('C: a long limit below the market rests with its margin untouched and key 580 000 000', () => {
  given(pool(), price(60_000))
    .when(limitLong({ at: 58_000, im: 20_000, lev: 5 }))
    .then((events, w) => {
      const o = only(events, 'TraderOrderPending').data.order;
      assert.equal(o.order_status, 'PENDING');
      assert.equal(o.available_margin, 20_000);
      assert.equal(o.fee_filled, 0);
      assert.equal(w.state.risk.total_pending_long_btc, 100_000);
      assert.deepEqual(w.keys('open_long'), [580_000_000]);
    });
});

test('C: the resting long fills at the tick price 57 990 with the limit fee rate', () => {
  given(pool(), price(60_000), limitLong({ at: 58_000, im: 20_000, lev: 5 }))
    .when(tick(57_990))
    .then((events, w) => {
      const f = only(events, 'TraderOrderFilled').data;
      assert.equal(f.fill_price, 57_990);
      assert.equal(f.order.entryprice, 57_990);
      assert.equal(f.order.positionsize, 5.799e9);
      assert.equal(f.order.fee_filled, 20);
      assert.equal(f.order.available_margin, 19_980);
      near(f.order.bankruptcy_price, 48_325, 1e-6);
      near(f.order.bankruptcy_value, 120_000, 1e-6);
      near(f.order.maintenance_margin, 424, 1e-9);
      near(f.order.liquidation_price, 48_496.3538);
      assert.equal(w.state.risk.total_pending_long_btc, 0);
      assert.equal(w.state.risk.total_long_btc, 100_000);
    });
});

test('C: a close limit at 59 000 rests (key 590 000 000) and settles on the 59 000 tick at the limit rate', () => {
  given(pool(), price(60_000), limitLong({ at: 58_000, im: 20_000, lev: 5 }), tick(57_990), tick(58_500))
    .when(closeLimit(59_000))
    .then((events, w) => {
      const placed = only(events, 'CloseLimitPlaced').data;
      assert.equal(placed.price, 59_000);
      assert.equal(placed.old_price, null);
      assert.deepEqual(w.keys('close_long'), [590_000_000]);
    })
    .when(tick(59_000))
    .then((events) => {
      const s = only(events, 'TraderOrderSettled').data;
      assert.equal(s.close_type, 'LIMIT');
      assert.equal(s.trigger, 'PRICE_TICK');
      assert.equal(s.fee_rate, 0.02);
      near(s.order.fee_settled, 19.6576);
      assert.equal(s.order.unrealized_pnl, 1_712);
      near(s.payment, 1_672.3424);
      assert.equal(s.order.available_margin, 21_672);
      assert.equal(s.pool.total_locked_value, 10_000_000_000 - 1_672);
    });
});

test('D: funding at FR 0.045 charges the long 45 and pays the short 11.25, leaving the pool untouched', () => {
  given(pool(), price(60_000), marketLong({ im: 10_000, lev: 10, acct: 'a' }), marketShort({ im: 5_000, lev: 5, acct: 'short' }))
    .when(funding())
    .then((events, w) => {
      const rate = only(events, 'FundingRateUpdated').data;
      near(rate.funding_rate, 0.045, 1e-12);
      assert.equal(rate.long_position_size, 6e9);
      assert.equal(rate.short_position_size, 1.5e9);
      assert.equal(rate.total_position_size, 7.5e9);
      assert.deepEqual(types(events), ['FundingRateUpdated', 'TraderOrderFundingApplied', 'TraderOrderFundingApplied']);
      const [a, s] = all(events, 'TraderOrderFundingApplied').map((e) => e.data);
      assert.equal(a!.order.account_id, 'a');
      near(a!.funding_payment, -45, 1e-9);
      near(a!.order.available_margin, 9_915, 1e-9);
      near(a!.order.maintenance_margin, 493.5, 1e-9);
      near(a!.order.liquidation_price, 54_791.2681);
      assert.equal(s!.order.account_id, 'short');
      near(s!.funding_payment, 11.25, 1e-9);
      near(s!.order.available_margin, 5_001.25, 1e-9);
      near(s!.order.maintenance_margin, 117, 1e-9);
      near(s!.order.liquidation_price, 74_563.8018);
      assert.equal(w.pool.total_locked_value, 10_000_000_000);
    });
});

test('D: the short side opens with EV 25 000, fee 10, AM 4 990, BV 20 000 and MM 108', () => {
  given(pool(), price(60_000), marketLong({ im: 10_000, lev: 10, acct: 'a' }))
    .when(marketShort({ im: 5_000, lev: 5, acct: 'short' }))
    .then((events, w) => {
      const o = only(events, 'TraderOrderOpened').data.order;
      assert.equal(w.state.risk.total_short_btc, 25_000);
      assert.equal(o.positionsize, 1.5e9);
      assert.equal(o.fee_filled, 10);
      assert.equal(o.available_margin, 4_990);
      near(o.bankruptcy_value, 20_000, 1e-9);
      near(o.maintenance_margin, 108, 1e-9);
    });
});

test('D: after funding, the long closing at 61 000 pays 1 514.6557 and the pool loses 1 515', () => {
  given(pool(), price(60_000), marketLong({ im: 10_000, lev: 10, acct: 'a' }), marketShort({ im: 5_000, lev: 5, acct: 'short' }), funding(), tick(61_000))
    .when(close({ acct: 'a' }))
    .then((events) => {
      const s = only(events, 'TraderOrderSettled').data;
      assert.equal(s.order.unrealized_pnl, 1_639);
      near(s.order.fee_settled, 39.3443);
      near(s.payment, 1_514.6557);
      assert.equal(s.order.available_margin, 11_515);
      assert.equal(s.pool.total_locked_value, 10_000_000_000 - 1_515);
    });
});

test('E: the long of example A is liquidated on the 54 766 tick, its whole margin going to the pool', () => {
  given(pool(), price(60_000), marketLong({ im: 10_000, lev: 10 }))
    .when(tick(54_766))
    .then((events, w) => {
      const l = only(events, 'TraderOrderLiquidated').data;
      assert.equal(l.order.order_status, 'LIQUIDATE');
      assert.equal(l.order.available_margin, 0);
      assert.equal(l.payment, -10_000);
      assert.equal(l.price, 54_766);
      assert.equal(l.order.settlement_price, 54_766);
      assert.equal(l.order.liquidation_price, 54_766);
      assert.equal(l.trigger, 'PRICE_TICK');
      assert.equal(l.pool.total_locked_value, 10_000_000_000 + 10_000);
      assert.equal(w.state.risk.total_long_btc, 0);
    });
});

// F: deposit 1 000 000 into TLV 1e10 / TPS 1e6, let the pool grow to 11 001 100 000 (here: a
// 1 000 100 000-sat long is liquidated, liquidation adds IM to TLV), then withdraw.
const F_GROWTH = 11_001_100_000 - 10_001_000_000;

test('F: a 1 000 000-sat deposit mints 100 shares (npoolshare 1 000 000)', () => {
  given(pool())
    .when(lend({ deposit: 1_000_000 }))
    .then((events) => {
      const c = only(events, 'LendOrderCreated').data;
      assert.equal(c.lend_order.npoolshare, 1_000_000);
      assert.equal(c.lend_order.tlv0, 10_000_000_000);
      assert.equal(c.lend_order.tps0, 1_000_000);
      assert.equal(c.lend_order.tlv1, 10_001_000_000);
      assert.equal(c.lend_order.tps1, 1_000_100);
      assert.deepEqual(c.pool, { total_locked_value: 10_001_000_000, total_pool_share: 1_000_100, nonce: 1 });
    });
});

test('F: after the pool grows 10 %, the lender withdraws 1 100 000 with a 100 000 gain', () => {
  given(
    pool(),
    lend({ deposit: 1_000_000 }),
    riskParams({ max_position_pct: 1 }),
    price(60_000),
    marketLong({ im: F_GROWTH, lev: 1, acct: 'whale' }),
    tick(30_000),
  )
    .when(withdraw())
    .then((events, w) => {
      const s = only(events, 'LendOrderSettled').data;
      assert.equal(s.lend_order.nwithdraw, 1.1e10);
      assert.equal(s.withdraw, 1_100_000);
      assert.equal(s.lend_order.new_lend_state_amount, 1_100_000);
      assert.equal(s.lend_order.payment, 100_000);
      assert.equal(s.lend_order.tlv2, 11_001_100_000);
      assert.equal(s.lend_order.tps2, 1_000_100);
      assert.equal(s.pool.total_pool_share, 1_000_000);
      // SPEC §4 F prints "TLV 9 901 100 000", which contradicts its own W 1 100 000 and §7
      // (TLV −= W): 11 001 100 000 − 1 100 000 = 11 000 000 000. The formula is tested.
      assert.equal(s.pool.total_locked_value, 11_001_100_000 - 1_100_000);
      assert.equal(w.pool.total_locked_value, 11_000_000_000);
    });
});

test('§6.2 example: with long 1.5e8 and short 5e7 on TLV 1e10, a 2e8 long passes and a 2.5e8 long is too large', () => {
  given(pool(), price(60_000), marketLong({ im: 3_000_000, lev: 50, acct: 'l' }), marketShort({ im: 1_000_000, lev: 50, acct: 's' }))
    .when(marketLong({ im: 5_000_000, lev: 50, acct: 'big' }))
    .thenRejected('RejectedByRiskEngine', 'SIZE_TOO_LARGE', (_r, w) => {
      assert.equal(w.state.risk.total_long_btc, 1.5e8);
      assert.equal(w.state.risk.total_short_btc, 5e7);
      const limits = openLimits(w.state);
      assert.equal(limits.xPos, 2e8);
      assert.equal(limits.xOi, 3.98e10);
      assert.equal(limits.xNetLong, 7.9e9);
    })
    .when(marketLong({ im: 4_000_000, lev: 50, acct: 'big' }))
    .then((events) => assert.deepEqual(types(events), ['TraderOrderOpened']));
});

test('§4.5 property: at the liquidation price the margin plus unrealized PnL equals the maintenance margin', () => {
  for (const open of [marketLong({ im: 10_000, lev: 10 }), marketShort({ im: 10_000, lev: 10 })]) {
    given(pool(), price(60_000))
      .when(open)
      .then((events) => {
        const o = only(events, 'TraderOrderOpened').data.order;
        const x = o.liquidation_price;
        const e = o.entryprice;
        const upnl = o.position_type === 'LONG' ? (o.positionsize * (x - e)) / (e * x) : (o.positionsize * (e - x)) / (e * x);
        near(o.initial_margin + upnl, o.maintenance_margin, 1e-6);
      });
  }
});
