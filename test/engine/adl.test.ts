// SPEC §15: the PnL cap, auto-deleveraging after a tick and the withdrawal refusal.
// Numbers: a LONG entered at 50 000 and marked at 100 000 has uPnL = EV × (P − E) / P = EV / 2,
// so IM 1e6 × L 10 (EV 1e7) is worth exactly 5e6; factors are binary fractions so that
// `factor × TLV` is exact and the equality cases are real equalities.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeState, emptyState, encodeState, evolve, executeRaw, stateHash, type EventEnvelope } from '../../src/engine/index.js';
import { tradersPnl } from '../../src/engine/risk/adl.js';
import {
  all,
  given,
  heartbeat,
  lend,
  limitShort,
  marketLong,
  marketShort,
  only,
  pool,
  price,
  priceCheck,
  riskParams,
  types,
  withdraw,
  World,
  type Step,
} from '../helpers/dsl.js';

/** A pool of `tlv` sats with the §6.2 limits opened wide, so single positions can be large. */
const market = (tlv: number): Step[] => [
  pool({ total_locked_value: tlv, total_pool_share: 1_000_000 }),
  riskParams({ max_position_pct: 1, max_oi_mult: 100, max_net_mult: 100 }),
  price(50_000),
];
const cap = (max: number, target = 0): Step => riskParams({ max_pnl_factor: max, adl_target_factor: target });
const long = (acct: string, im = 1_000_000, lev = 10): Step => marketLong({ acct, im, lev });

const settlements = (events: readonly EventEnvelope[]) => all(events, 'TraderOrderSettled');
const adlAccounts = (events: readonly EventEnvelope[]) =>
  settlements(events)
    .filter((e) => e.data.close_type === 'ADL')
    .map((e) => e.data.order.account_id);

test('with the cap off (the default), a pool-draining tick settles nothing and emits no AdlTriggered', () => {
  given(...market(20_000_000), long('alice'), long('bob'))
    .when(price(100_000))
    .then((events, w) => {
      assert.deepEqual(types(events), ['PriceUpdated']);
      assert.equal(tradersPnl(w.state, 'LONG', 100_000), 10_000_000, 'half the pool is owed to the longs');
      assert.equal(w.state.params.max_pnl_factor, undefined, 'the factors are absent until set');
    });
});

test('the RiskParamsUpdated of a state that never set the factors does not carry them', () => {
  given(pool())
    .when(riskParams({ mm_ratio: 0.5 }))
    .then((events) =>
      assert.deepEqual(Object.keys(only(events, 'RiskParamsUpdated').data.params), [
        'max_oi_mult',
        'max_net_mult',
        'max_position_pct',
        'min_position_btc',
        'max_leverage',
        'mm_ratio',
      ]),
    );
});

test('the ADL target must be below the cap while the cap is on', () => {
  given(pool()).when(cap(0.25, 0.25)).thenRejected('CANCELLED', 'INVALID_PARAMS');
  given(pool()).when(cap(0.25, 0.5)).thenRejected('CANCELLED', 'INVALID_PARAMS');
  given(pool(), cap(0.25, 0.125))
    .when(riskParams({ max_pnl_factor: 0.125 }))
    .thenRejected('CANCELLED', 'INVALID_PARAMS', (r) => assert.match(r.reason, /adl_target_factor/));
  given(pool())
    .when(riskParams({ adl_target_factor: 0.5 }))
    .then((events, w) => {
      only(events, 'RiskParamsUpdated');
      assert.equal(w.state.params.adl_target_factor, 0.5, 'a target alone is fine while the cap is off');
    })
    .when(riskParams({ max_pnl_factor: 0 }))
    .then((events) => only(events, 'RiskParamsUpdated'));
  given(pool())
    .when(riskParams({ max_pnl_factor: -1 }))
    .thenRejected('CANCELLED', 'INVALID_PARAMS');
});

test('Π exactly at the cap does not fire; one sat of pool less and it does', () => {
  // Π_long = 5e6 at 100 000; 0.25 × 2e7 = 5e6 exactly
  given(...market(20_000_000), long('alice'), cap(0.25))
    .when(price(100_000))
    .then((events) => assert.deepEqual(types(events), ['PriceUpdated']));
  given(...market(19_999_999), long('alice'), cap(0.25))
    .when(price(100_000))
    .then((events, w) => {
      assert.deepEqual(types(events), ['PriceUpdated', 'AdlTriggered', 'TraderOrderSettled']);
      assert.deepEqual(only(events, 'AdlTriggered').data, {
        side: 'LONG',
        traders_pnl: 5_000_000,
        tlv: 19_999_999,
        max_pnl_factor: 0.25,
        adl_target_factor: 0,
      });
      const s = only(events, 'TraderOrderSettled').data;
      assert.equal(s.close_type, 'ADL');
      assert.equal(s.trigger, 'ADL');
      assert.equal(s.order.order_status, 'SETTLED');
      assert.equal(s.order.settlement_price, 100_000);
      assert.equal(s.fee_rate, 0.04, 'an ADL close is a market close: SettledOnMarket');
      // §4.6: round(uPnL) 5e6 + round(AM − IM) −4 000 (open fee) − fee(0.04, 5e11, 1e5) 2 000
      assert.equal(s.payment, 4_994_000);
      assert.equal(s.order.available_margin, 1_000_000 + 4_994_000);
      assert.equal(s.pool.total_locked_value, 19_999_999 - 4_994_000);
      assert.equal(w.state.orders.size, 0);
      assert.equal(tradersPnl(w.state, 'LONG', 100_000), 0);
    });
});

test('ADL settles by uPnL ÷ IM descending, ties by entry_sequence, until Π ≤ target × TLV (k = 2 of 3)', () => {
  // at 100 000 each long is worth 5e6; uPnL ÷ IM: alice 5, bob 10 (20×), carol 5 (after alice)
  given(...market(40_000_000), long('alice'), long('bob', 500_000, 20), long('carol'), cap(0.3, 0.25))
    .when(price(100_000))
    .then((events, w) => {
      const adl = only(events, 'AdlTriggered').data;
      assert.equal(adl.traders_pnl, 15_000_000);
      assert.equal(adl.tlv, 40_000_000);
      // after bob: Π 1e7 > 0.25 × 35 006 000; after alice: Π 5e6 ≤ 0.25 × 30 012 000 → stop
      assert.deepEqual(adlAccounts(events), ['bob', 'alice']);
      assert.equal(types(events).indexOf('AdlTriggered') < types(events).indexOf('TraderOrderSettled'), true);
      assert.ok(w.isActive('carol'), 'carol is not deleveraged: the target was reached');
      assert.equal(w.pool.total_locked_value, 30_012_000);
      assert.ok(tradersPnl(w.state, 'LONG', 100_000) <= 0.25 * w.pool.total_locked_value);
    });
});

test('only profitable positions are ranked; losers count in Π but are never deleveraged', () => {
  // dave goes long at 100 000 with 1× (no liquidation price above 50 000) and is at a loss at 75 000
  given(...market(20_000_000), long('alice'), price(100_000), marketLong({ acct: 'dave', im: 3_000_000, lev: 1 }), cap(0.0625))
    .when(price(75_000))
    .then((events, w) => {
      // alice: 1e7 × 25 000 / 75 000; dave: 3e6 × (75 000 − 100 000) / 75 000 = −1e6
      const a = only(events, 'AdlTriggered').data;
      assert.ok(Math.abs(a.traders_pnl - (10_000_000 / 3 - 1_000_000)) < 1e-6);
      assert.deepEqual(adlAccounts(events), ['alice']);
      assert.ok(w.isActive('dave'));
    });
});

test('both sides over the cap in one tick: LONG first, then SHORT', () => {
  given(...market(40_000_000), long('alice'), price(100_000), marketShort({ acct: 'sam', im: 1_000_000, lev: 10 }), price(75_000), cap(0.05))
    .when(heartbeat())
    .then((events) => {
      // each side is worth 1e7 / 3 > 0.05 × 4e7 = 2e6
      assert.deepEqual(types(events), ['AdlTriggered', 'TraderOrderSettled', 'AdlTriggered', 'TraderOrderSettled']);
      assert.deepEqual(
        all(events, 'AdlTriggered').map((e) => e.data.side),
        ['LONG', 'SHORT'],
      );
      assert.deepEqual(adlAccounts(events), ['alice', 'sam']);
      const short = all(events, 'AdlTriggered')[1]!.data;
      assert.equal(short.tlv, settlements(events)[0]!.data.pool.total_locked_value, 'the SHORT check sees the pool after the LONG ADL');
    });
});

test('ADL runs after the liquidation, settling and fill phases of the same tick', () => {
  given(
    ...market(20_000_000),
    long('alice'),
    marketShort({ acct: 'xavier', im: 100_000, lev: 10 }), // liquidated on the way up
    limitShort({ acct: 'yann', im: 100_000, lev: 5, at: 90_000 }), // fills at 100 000
    cap(0.125),
  )
    .when(price(100_000))
    .then((events, w) => {
      assert.deepEqual(types(events), ['PriceUpdated', 'TraderOrderLiquidated', 'TraderOrderFilled', 'AdlTriggered', 'TraderOrderSettled']);
      assert.equal(only(events, 'AdlTriggered').data.tlv, 20_100_000, 'the check sees the pool after the liquidation');
      assert.deepEqual(adlAccounts(events), ['alice']);
      assert.ok(w.isActive('yann'), 'the SHORT side, at entry, is not over the cap');
    });
});

test('positions with a take-profit leg lose it with reason SETTLED when deleveraged', () => {
  given(...market(19_999_999), marketLong({ acct: 'alice', im: 1_000_000, lev: 10, sltp: { tp: 200_000 } }), cap(0.25))
    .when(price(100_000))
    .then((events, w) => {
      assert.deepEqual(types(events), ['PriceUpdated', 'AdlTriggered', 'TraderOrderSettled', 'TakeProfitRemoved']);
      assert.equal(only(events, 'TakeProfitRemoved').data.reason, 'SETTLED');
      assert.deepEqual(w.keys('tp_long'), []);
    });
});

test('a TriggerPriceCheck runs its phases but no §15 check (P is unchanged)', () => {
  given(...market(19_999_999), long('alice'), cap(0.25))
    .when(priceCheck(100_000))
    .then((events) => assert.deepEqual(types(events), ['PriceCheckTriggered']));
});

test('a withdrawal that would put Π above the cap is refused PNL_CAP_REACHED, and accepted once ADL brought Π down', () => {
  // TLV 1.6e7 + 1.6e7 deposited; Π_long 5e6 at 100 000 ≤ 0.25 × 3.2e7; after the withdrawal 0.25 × 1.6e7 = 4e6 < 5e6
  given(...market(16_000_000), lend({ deposit: 16_000_000, acct: 'lena' }), long('alice'), cap(0.25, 0.125), price(100_000))
    .when(withdraw({ acct: 'lena' }))
    .thenRejected('RejectedByRiskEngine', 'PNL_CAP_REACHED', (r) => assert.equal(r.order_type, 'LEND'))
    // at 400 000, Π = 1e7 × 350 000 / 400 000 = 8.75e6 > 0.25 × 3.2e7 → ADL settles alice
    .when(price(400_000))
    .then((events) => assert.deepEqual(adlAccounts(events), ['alice']))
    .when(withdraw({ acct: 'lena' }))
    .then((events) => only(events, 'LendOrderSettled'));
});

test('with the cap off, the same withdrawal is accepted', () => {
  given(...market(16_000_000), lend({ deposit: 16_000_000, acct: 'lena' }), long('alice'), price(100_000))
    .when(withdraw({ acct: 'lena' }))
    .then((events) => only(events, 'LendOrderSettled'));
});

test('across an ADL, a snapshot decodes to the same state hash and an evolve replay equals the live state', () => {
  const w = new World();
  const log: EventEnvelope[] = [];
  const steps = [...market(40_000_000), long('alice'), long('bob', 500_000, 20), long('carol'), cap(0.3, 0.25), price(100_000), heartbeat()];
  for (const s of steps) log.push(...w.run(s));
  assert.equal(all(log, 'AdlTriggered').length, 1);
  const live = stateHash(w.state);
  assert.equal(stateHash(decodeState(encodeState(w.state, true))), live);
  const replayed = emptyState();
  for (const e of JSON.parse(JSON.stringify(log)) as EventEnvelope[]) evolve(replayed, e);
  assert.equal(stateHash(replayed), live);
  assert.equal(tradersPnl(replayed, 'LONG', 100_000), tradersPnl(w.state, 'LONG', 100_000));
  assert.deepEqual(replayed.params, w.state.params);
  // the restored state deleverages exactly like the live one
  const again = decodeState(encodeState(w.state, true));
  const a = w.run(price(1_000_000));
  assert.deepEqual(adlAccounts(a), ['carol']);
  const b = executeRaw(again, { v: 1, id: a[0]!.cmd, ts: a[0]!.ts, type: 'PriceTick', params: { price: 1_000_000, source: 'test' } }, 'line:1');
  assert.deepEqual(b, a);
  assert.equal(stateHash(again), stateHash(w.state));
});

test('a position without a liquidation key is still ranked and settled by ADL', () => {
  // ADL ranks the side's liquidation book when every position is in one (D262); a position whose
  // liquidation price is 0 has no key there (here: edited into a snapshot), so the ranking must
  // then read every active order
  const lev = (acct: string, l: number): Step => marketLong({ acct, im: 1_000_000, lev: l });
  given(...market(20_000_000), lev('two-x', 2), lev('ten-x', 10))
    .when(heartbeat())
    .then((_events, w) => {
      const lines = [...encodeState(w.state, true)].map((line) => {
        if (!line.startsWith('{"o":') || !line.includes('"two-x"')) return line;
        const row = JSON.parse(line).o as unknown[];
        row[15] = 0; // liquidation_price
        return JSON.stringify({ o: row });
      });
      const state = decodeState(lines);
      assert.equal(state.books.liq_long.size, 1, 'only ten-x has a liquidation key');
      let ts = state.last_ts;
      const run = (type: string, params: object) => executeRaw(state, { v: 1, id: `c${++ts}`, ts, type, params }, 'x');
      run('UpdateRiskParams', { max_pnl_factor: 0.25, adl_target_factor: 0 });
      const events = run('PriceTick', { price: 100_000, source: null, feed_ts: null });
      assert.deepEqual(adlAccounts(events), ['ten-x', 'two-x'], 'both ranked, by uPnL / IM descending');
    });
});
