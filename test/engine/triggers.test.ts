// §5 trigger indices: each of the ten fires exactly at its key (inclusive), not one dollar before,
// and one dollar past; and one tick processes liquidation → settling → fills, each index by
// ascending key with ties by entry_sequence.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  closeLimit,
  fees,
  given,
  limitLong,
  limitShort,
  marketLong,
  marketShort,
  only,
  pool,
  price,
  riskParams,
  tick,
  types,
  type Step,
} from '../helpers/dsl.js';
import type { EventEnvelope, State } from '../../src/engine/index.js';

const market = [pool(), price(60_000)];
// With MM 0 (mm_ratio 0, open fee rate 0) the liquidation price is the bankruptcy price, a whole
// number: LONG 60 000 × 5 / 6 = 50 000, SHORT 60 000 × 5 / 4 = 75 000 (§4.3, §4.5).
const noMaintenance = [pool(), fees({ order_filled_on_market: 0 }), riskParams({ mm_ratio: 0 }), price(60_000)];

interface Case {
  index: keyof State['books'];
  setup: Step[];
  at: number;
  before: number;
  past: number;
  fired: (events: EventEnvelope[]) => void;
}

const settledAs = (closeType: string) => (events: EventEnvelope[]) => {
  assert.equal(only(events, 'TraderOrderSettled').data.close_type, closeType);
};
const liquidated = (events: EventEnvelope[]) => {
  only(events, 'TraderOrderLiquidated');
};
const filled = (events: EventEnvelope[]) => {
  only(events, 'TraderOrderFilled');
};

const cases: Case[] = [
  { index: 'liq_long', setup: [...noMaintenance, marketLong({ im: 10_000, lev: 5 })], at: 50_000, before: 50_001, past: 49_999, fired: liquidated },
  { index: 'liq_short', setup: [...noMaintenance, marketShort({ im: 10_000, lev: 5 })], at: 75_000, before: 74_999, past: 75_001, fired: liquidated },
  { index: 'open_long', setup: [...market, limitLong({ at: 58_000, im: 10_000, lev: 10 })], at: 58_000, before: 58_001, past: 57_999, fired: filled },
  { index: 'open_short', setup: [...market, limitShort({ at: 62_000, im: 10_000, lev: 10 })], at: 62_000, before: 61_999, past: 62_001, fired: filled },
  {
    index: 'close_long',
    setup: [...market, marketLong({ im: 10_000, lev: 10 }), closeLimit(63_000)],
    at: 63_000,
    before: 62_999,
    past: 63_001,
    fired: settledAs('LIMIT'),
  },
  {
    index: 'close_short',
    setup: [...market, marketShort({ im: 10_000, lev: 10 }), closeLimit(57_000)],
    at: 57_000,
    before: 57_001,
    past: 56_999,
    fired: settledAs('LIMIT'),
  },
  {
    index: 'sl_long',
    setup: [...market, marketLong({ im: 10_000, lev: 10, sltp: { sl: 57_000 } })],
    at: 57_000,
    before: 57_001,
    past: 56_999,
    fired: settledAs('StopLoss'),
  },
  {
    index: 'sl_short',
    setup: [...market, marketShort({ im: 10_000, lev: 10, sltp: { sl: 63_000 } })],
    at: 63_000,
    before: 62_999,
    past: 63_001,
    fired: settledAs('StopLoss'),
  },
  {
    index: 'tp_long',
    setup: [...market, marketLong({ im: 10_000, lev: 10, sltp: { tp: 63_000 } })],
    at: 63_000,
    before: 62_999,
    past: 63_001,
    fired: settledAs('TakeProfit'),
  },
  {
    index: 'tp_short',
    setup: [...market, marketShort({ im: 10_000, lev: 10, sltp: { tp: 57_000 } })],
    at: 57_000,
    before: 57_001,
    past: 56_999,
    fired: settledAs('TakeProfit'),
  },
];

for (const c of cases) {
  test(`${c.index}: an order keyed at ${c.at} is filed under key ${c.at * 10_000}`, () => {
    given(...c.setup.slice(0, -1))
      .when(c.setup[c.setup.length - 1]!)
      .then((_e, w) => {
        assert.deepEqual(w.keys(c.index), [c.at * 10_000]);
      });
  });

  test(`${c.index}: a tick exactly at ${c.at} fires it, at that price`, () => {
    given(...c.setup)
      .when(tick(c.at))
      .then((events, w) => {
        c.fired(events);
        assert.equal(w.state.books[c.index].size, 0, 'the entry left its index');
        const o = events.find((e) => e.type !== 'PriceUpdated')!;
        const order = (o.data as { order: { settlement_price: number; entryprice: number; order_status: string } }).order;
        assert.equal(order.order_status === 'FILLED' ? order.entryprice : order.settlement_price, c.at);
      });
  });

  test(`${c.index}: a tick one dollar short of ${c.at} (${c.before}) does not fire it`, () => {
    given(...c.setup)
      .when(tick(c.before))
      .then((events, w) => {
        assert.deepEqual(types(events), ['PriceUpdated']);
        assert.equal(w.state.books[c.index].size, 1);
      });
  });

  test(`${c.index}: a tick one dollar past ${c.at} (${c.past}) fires it at the tick price`, () => {
    given(...c.setup)
      .when(tick(c.past))
      .then((events, w) => {
        c.fired(events);
        assert.equal(w.state.books[c.index].size, 0);
        const o = events.find((e) => e.type !== 'PriceUpdated')!;
        const order = (o.data as { order: { settlement_price: number; entryprice: number; order_status: string } }).order;
        assert.equal(order.order_status === 'FILLED' ? order.entryprice : order.settlement_price, c.past);
      });
  });
}

test('liq_long with default margins: key 547 665 121 survives the 54 767 tick and fires on 54 766', () => {
  given(...market, marketLong({ im: 10_000, lev: 10 }))
    .when(tick(54_767))
    .then((events) => assert.deepEqual(types(events), ['PriceUpdated']))
    .when(tick(54_766))
    .then((events) => only(events, 'TraderOrderLiquidated'));
});

// ---- processing order within one tick --------------------------------------------------------------

const accountsOf = (events: EventEnvelope[]): string[] =>
  events.filter((e) => 'order' in (e.data as object)).map((e) => `${e.type}:${(e.data as { order: { account_id: string } }).order.account_id}`);

test('a tick liquidates first, then settles triggered legs, then fills resting limits', () => {
  given(
    ...market,
    limitLong({ at: 55_000, im: 10_000, lev: 10, acct: 'fill' }),
    marketLong({ im: 10_000, lev: 2, acct: 'stop', sltp: { sl: 56_000 } }),
    marketLong({ im: 10_000, lev: 10, acct: 'liq' }),
  )
    .when(tick(54_000))
    .then((events) => {
      assert.deepEqual(types(events), ['PriceUpdated', 'TraderOrderLiquidated', 'TraderOrderSettled', 'StopLossRemoved', 'TraderOrderFilled']);
      assert.deepEqual(accountsOf(events), ['TraderOrderLiquidated:liq', 'TraderOrderSettled:stop', 'TraderOrderFilled:fill']);
    });
});

test('on a falling tick, long stop-losses settle before short take-profits, which settle before short close limits', () => {
  given(
    ...market,
    marketShort({ im: 10_000, lev: 10, acct: 'close' }),
    closeLimit(57_000, { acct: 'close' }),
    marketShort({ im: 10_000, lev: 10, acct: 'tp', sltp: { tp: 57_000 } }),
    marketLong({ im: 10_000, lev: 10, acct: 'sl', sltp: { sl: 57_000 } }),
  )
    .when(tick(56_000))
    .then((events) => {
      assert.deepEqual(
        accountsOf(events).filter((s) => s.startsWith('TraderOrderSettled')),
        ['TraderOrderSettled:sl', 'TraderOrderSettled:tp', 'TraderOrderSettled:close'],
      );
      assert.deepEqual(
        events.filter((e) => e.type === 'TraderOrderSettled').map((e) => (e.data as { close_type: string }).close_type),
        ['StopLoss', 'TakeProfit', 'LIMIT'],
      );
    });
});

test('on a rising tick, short stop-losses settle before long take-profits, which settle before long close limits', () => {
  given(
    ...market,
    marketLong({ im: 10_000, lev: 10, acct: 'close' }),
    closeLimit(63_000, { acct: 'close' }),
    marketLong({ im: 10_000, lev: 10, acct: 'tp', sltp: { tp: 63_000 } }),
    marketShort({ im: 10_000, lev: 10, acct: 'sl', sltp: { sl: 63_000 } }),
  )
    .when(tick(64_000))
    .then((events) => {
      assert.deepEqual(
        accountsOf(events).filter((s) => s.startsWith('TraderOrderSettled')),
        ['TraderOrderSettled:sl', 'TraderOrderSettled:tp', 'TraderOrderSettled:close'],
      );
    });
});

test('a position whose take-profit and close limit both trigger settles once, as take-profit', () => {
  given(...market, marketLong({ im: 10_000, lev: 10, sltp: { tp: 63_000 } }), closeLimit(62_000))
    .when(tick(64_000))
    .then((events) => {
      assert.deepEqual(types(events), ['PriceUpdated', 'TraderOrderSettled', 'CloseLimitRemoved', 'TakeProfitRemoved']);
      assert.equal(only(events, 'TraderOrderSettled').data.close_type, 'TakeProfit');
    });
});

test('a position liquidated by a tick is not also stopped out by it', () => {
  given(...market, marketLong({ im: 10_000, lev: 10, sltp: { sl: 55_000 } }))
    .when(tick(54_000))
    .then((events) => {
      assert.deepEqual(types(events), ['PriceUpdated', 'TraderOrderLiquidated', 'StopLossRemoved']);
      assert.equal(only(events, 'StopLossRemoved').data.reason, 'LIQUIDATED');
    });
});

test('resting limits fill lowest key first, equal keys in the order they were placed', () => {
  given(
    ...market,
    limitLong({ at: 59_000, im: 10_000, lev: 10, acct: 'far' }),
    limitLong({ at: 58_000, im: 10_000, lev: 10, acct: 'zed' }),
    limitLong({ at: 58_000, im: 10_000, lev: 10, acct: 'amy' }),
  )
    .when(tick(57_000))
    .then((events) => assert.deepEqual(accountsOf(events), ['TraderOrderFilled:zed', 'TraderOrderFilled:amy', 'TraderOrderFilled:far']));
});

test('liquidations run lowest key first, equal keys in entry order', () => {
  given(
    ...market,
    marketLong({ im: 10_000, lev: 20, acct: 'high' }),
    marketLong({ im: 10_000, lev: 10, acct: 'zed' }),
    marketLong({ im: 10_000, lev: 10, acct: 'amy' }),
  )
    .when(tick(50_000))
    .then((events) => assert.deepEqual(accountsOf(events), ['TraderOrderLiquidated:zed', 'TraderOrderLiquidated:amy', 'TraderOrderLiquidated:high']));
});

test('short stop-losses fire lowest price first', () => {
  given(...market, marketShort({ im: 10_000, lev: 10, acct: 'b', sltp: { sl: 62_000 } }), marketShort({ im: 10_000, lev: 10, acct: 'a', sltp: { sl: 61_000 } }))
    .when(tick(63_000))
    .then((events) => assert.deepEqual(accountsOf(events), ['TraderOrderSettled:a', 'TraderOrderSettled:b']));
});
