// The book's reducer over event sequences: ladders, liquidation levels, legs, pool, risk, market
// status, funding. Events come from the real engine (the given/when/then DSL), so the store is
// checked against what the engine itself holds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeState, encodeState } from '../../src/engine/index.js';
import { bookModel, type BookModel } from '../../src/tui/model.js';
import { emptyStore, reduce, reduceRows, storeFromState, type BookStore } from '../../src/tui/store.js';
import {
  cancel,
  cancelSlTp,
  closeLimit,
  closeOnly,
  cmd,
  funding,
  halt,
  lend,
  limitLong,
  limitShort,
  marketLong,
  marketShort,
  near,
  pauseFeed,
  pool,
  price,
  setSlTp,
  T0,
  unhalt,
  withdraw,
} from '../helpers/dsl.js';
import { workload } from '../../src/workload/commands.js';
import { book, executeLines, more, rowsOf } from './helpers.js';

const view = (s: BookStore, o: Partial<Parameters<typeof bookModel>[1]> = {}): BookModel => bookModel(s, { now: s.last_ts, depth: 20, step: 1, ...o });

test('resting limits aggregate by price bucket with size (IM × leverage) and count, nearest to the mark first', () => {
  const { store } = book(
    pool(),
    price(60_000),
    limitLong({ at: 58_000, im: 20_000, lev: 5, acct: 'a' }),
    limitLong({ at: 58_020, im: 10_000, lev: 2, acct: 'b' }),
    limitLong({ at: 57_000, im: 1_000, lev: 10, acct: 'c' }),
    limitShort({ at: 62_030, im: 5_000, lev: 4, acct: 'd' }),
    limitShort({ at: 62_050, im: 5_000, lev: 2, acct: 'e' }),
    limitShort({ at: 63_000, im: 2_000, lev: 1, acct: 'f' }),
  );
  const m = view(store, { step: 50 });
  assert.deepEqual(m.book.long, [
    { price: 58_000, nearest: 58_020, size: 120_000, count: 2 },
    { price: 57_000, nearest: 57_000, size: 10_000, count: 1 },
  ]);
  assert.deepEqual(m.book.short, [
    { price: 62_050, nearest: 62_030, size: 30_000, count: 2 },
    { price: 63_000, nearest: 63_000, size: 2_000, count: 1 },
  ]);
  assert.deepEqual(m.book.long_total, { size: 130_000, count: 3 });
  assert.deepEqual(m.book.short_total, { size: 32_000, count: 3 });
  assert.equal(view(store, { step: 1 }).book.long.length, 3, 'with $1 buckets every price is its own level');
  assert.equal(view(store, { step: 50, depth: 1 }).book.long.length, 1, 'depth limits the levels per side');
});

test('a cancelled limit leaves its level, and a level with no orders left disappears', () => {
  const run = book(
    pool(),
    price(60_000),
    limitLong({ at: 58_000, im: 20_000, lev: 5, acct: 'a' }),
    limitLong({ at: 58_000, im: 10_000, lev: 2, acct: 'b' }),
    limitLong({ at: 57_000, im: 1_000, lev: 10, acct: 'c' }),
  );
  more(run, cancel({ acct: 'b' }));
  assert.deepEqual(
    view(run.store).book.long.map((l) => [l.price, l.size, l.count]),
    [
      [58_000, 100_000, 1],
      [57_000, 10_000, 1],
    ],
  );
  more(run, cancel({ acct: 'c' }));
  assert.deepEqual(
    view(run.store).book.long.map((l) => l.price),
    [58_000],
  );
  assert.equal(run.store.risk.total_pending_long_btc, run.world.state.risk.total_pending_long_btc);
});

test('a filled limit leaves the ladder and appears among the liquidation levels, nearest first', () => {
  const run = book(
    pool(),
    price(60_000),
    limitLong({ at: 58_000, im: 20_000, lev: 5, acct: 'a' }),
    limitLong({ at: 58_020, im: 10_000, lev: 10, acct: 'b' }),
    limitLong({ at: 57_000, im: 1_000, lev: 10, acct: 'c' }),
  );
  more(run, price(57_990)); // both limits at 58,000 and 58,020 fill at 57,990 (SPEC §4 example C)
  const m = view(run.store);
  assert.deepEqual(
    m.book.long.map((l) => l.price),
    [57_000],
    'only the limit below the tick still rests',
  );
  const a = run.world.order('a');
  const b = run.world.order('b');
  near(a.liquidation_price, 48_496.3538);
  assert.ok(b.liquidation_price > a.liquidation_price, 'the 10× long liquidates nearer the price');
  assert.deepEqual(
    m.liquidations.long.map((l) => l.nearest),
    [b.liquidation_price, a.liquidation_price],
  );
  assert.equal(m.liquidations.long[0]!.price, Math.ceil(b.liquidation_price), 'long buckets round towards the mark');
  near(m.liquidations.long[0]!.distance!, 57_990 - b.liquidation_price);
  near(m.liquidations.long[1]!.distance_pct!, ((57_990 - a.liquidation_price) / 57_990) * 100);
  assert.deepEqual(m.liquidations.short, []);
  assert.equal(m.counts.fills, 2);
  assert.deepEqual(
    m.feed.slice(0, 2).map((f) => [f.kind, f.account, f.price]),
    [
      ['FILL', 'b', 57_990],
      ['FILL', 'a', 57_990],
    ],
  );
});

test('short liquidation levels sit above the mark, nearest (lowest) first, and a liquidation removes its level', () => {
  const run = book(
    pool(),
    price(60_000),
    marketShort({ im: 10_000, lev: 10, acct: 's1' }),
    marketShort({ im: 10_000, lev: 20, acct: 's2' }),
    marketLong({ im: 10_000, lev: 10, acct: 'l1' }),
  );
  const m = view(run.store);
  const s1 = run.world.order('s1').liquidation_price;
  const s2 = run.world.order('s2').liquidation_price;
  near(s1, 66_345.2607); // SPEC §4 example B
  assert.deepEqual(
    m.liquidations.short.map((l) => l.nearest),
    [s2, s1],
  );
  assert.equal(m.liquidations.short[0]!.price, Math.floor(s2), 'short buckets round towards the mark');
  near(m.liquidations.short[1]!.distance!, s1 - 60_000);
  near(m.liquidations.long[0]!.nearest, 54_766.5121); // SPEC §4 example A
  more(run, price(Math.ceil(s2)));
  const after = view(run.store);
  assert.deepEqual(
    after.liquidations.short.map((l) => l.nearest),
    [s1],
    'the 20× short was liquidated at the tick',
  );
  assert.equal(after.counts.liquidations, 1);
  const liq = after.feed.find((f) => f.kind === 'LIQUIDATION')!;
  assert.deepEqual([liq.account, liq.side, liq.amount, liq.detail], ['s2', 'SHORT', -10_000, 'PRICE_TICK']);
  assert.equal(run.store.pool!.total_locked_value, run.world.state.pool!.total_locked_value, 'the pool takes the liquidated margin');
});

test("funding moves a position's liquidation level and the funding feed item adds up the payments", () => {
  const run = book(pool(), price(60_000), marketLong({ im: 10_000, lev: 10, acct: 'a' }), marketShort({ im: 5_000, lev: 5, acct: 'b' }), funding());
  const m = view(run.store);
  near(m.funding.rate, 0.045); // SPEC §4 example D
  near(m.liquidations.short[0]!.nearest, 74_563.8018);
  near(m.liquidations.long[0]!.nearest, run.world.order('a').liquidation_price);
  const item = m.feed.find((f) => f.kind === 'FUNDING')!;
  assert.equal(item.detail, '+0.0450% · 2 pos · paid 45 / got 11 sats');
  near(item.amount!, 45 - 11.25);
});

test('the funding period is measured from two boundaries and gives the time to the next cycle', () => {
  const b = Date.UTC(2024, 0, 1, 0, 0, 10);
  const run = book(pool(), price(60_000), cmd('FundingCycle', { boundary: b }));
  let m = view(run.store, { now: b + 3_000 });
  assert.equal(m.funding.period_ms, 10_000, 'one boundary: the coarsest usual period it is a multiple of');
  assert.equal(m.funding.period_measured, false);
  more(run, cmd('FundingCycle', { boundary: b + 60_000 }), cmd('FundingCycle', { boundary: b + 70_000 }));
  m = view(run.store, { now: b + 73_000 });
  assert.equal(m.funding.period_ms, 10_000);
  assert.equal(m.funding.period_measured, true);
  assert.equal(m.funding.next_at, b + 80_000);
  assert.equal(m.funding.next_in_ms, 7_000);
});

test('stop-loss, take-profit and close-limit counts follow placements, replacements and removals', () => {
  const run = book(
    pool(),
    price(60_000),
    marketLong({ im: 10_000, lev: 10, acct: 'a', sltp: { sl: 58_000, tp: 63_000 } }),
    marketShort({ im: 10_000, lev: 10, acct: 'b', sltp: { sl: 62_000 } }),
    limitLong({ at: 59_000, im: 10_000, lev: 5, acct: 'c', sltp: { sl: 57_000, tp: 61_000 } }),
  );
  let m = view(run.store);
  assert.deepEqual(m.legs.sl, { long: 1, short: 1 }, "a pending order's legs only count once it fills");
  assert.deepEqual(m.legs.tp, { long: 1, short: 0 });
  more(run, setSlTp({ sl: 57_500 }, { acct: 'a' }), closeLimit(64_000, { acct: 'a' }), closeLimit(55_000, { acct: 'b' }));
  m = view(run.store);
  assert.deepEqual(m.legs.sl, { long: 1, short: 1 }, 'replacing a leg does not count it twice');
  assert.deepEqual(m.legs.close, { long: 1, short: 1 });
  more(run, cancelSlTp({ sl: true }, { acct: 'b' }));
  assert.deepEqual(view(run.store).legs.sl, { long: 1, short: 0 });
  more(run, price(58_900)); // c fills at 58,900 and its legs are placed
  m = view(run.store);
  assert.deepEqual(m.legs.sl, { long: 2, short: 0 });
  assert.deepEqual(m.legs.tp, { long: 2, short: 0 });
  more(run, price(57_400)); // a's stop-loss (57,500) and c's (57,000 no) — a settles, its legs go
  m = view(run.store);
  assert.deepEqual(m.legs.sl, { long: 1, short: 0 });
  assert.deepEqual(m.legs.close, { long: 0, short: 1 });
  const books = run.world.state.books;
  assert.deepEqual(
    [m.legs.sl.long, m.legs.sl.short, m.legs.tp.long, m.legs.tp.short, m.legs.close.long, m.legs.close.short],
    [books.sl_long.size, books.sl_short.size, books.tp_long.size, books.tp_short.size, books.close_long.size, books.close_short.size],
    "the counts are the sizes of the engine's leg indices",
  );
  assert.equal(m.feed.find((f) => f.kind === 'SETTLE')!.detail, 'StopLoss');
});

test('the pool follows genesis, deposits and withdrawals; share price is TLV ÷ TPS', () => {
  const run = book(pool(), price(60_000));
  assert.deepEqual(view(run.store).pool, { tlv: 1e10, tps: 1e6, share_price: 10_000, nonce: 0 });
  more(run, lend({ deposit: 1_000_000, acct: 'lender' })); // SPEC §4 example F
  let p = view(run.store).pool!;
  assert.equal(p.tlv, 10_001_000_000);
  assert.equal(p.tps, 1_000_100);
  near(p.share_price!, 10_001_000_000 / 1_000_100);
  more(run, withdraw({ acct: 'lender' }));
  p = view(run.store).pool!;
  assert.deepEqual([p.tlv, p.tps], [run.world.state.pool!.total_locked_value, run.world.state.pool!.total_pool_share]);
  assert.deepEqual(
    view(run.store)
      .feed.slice(0, 2)
      .map((f) => f.kind),
    ['WITHDRAW', 'LEND'],
  );
});

test('the market is HALT, CLOSE_ONLY or HEALTHY by the flags of §6.1; a halt that cancels limits empties the ladder', () => {
  const run = book(pool(), price(60_000), limitLong({ at: 58_000, im: 20_000, lev: 5 }));
  assert.deepEqual([view(run.store).market.status, view(run.store).market.reason], ['HEALTHY', null]);
  more(run, closeOnly(true));
  assert.deepEqual([view(run.store).market.status, view(run.store).market.reason], ['CLOSE_ONLY', 'MANUAL_CLOSE_ONLY']);
  more(run, halt({ cancel_pending_limit_orders: true }));
  const m = view(run.store);
  assert.deepEqual([m.market.status, m.market.reason], ['HALT', 'MANUAL_HALT'], 'halt ranks before close-only');
  assert.deepEqual(m.book.long, [], 'the halt cancelled the pending orders');
  assert.equal(m.risk.max_long, 0, 'nothing can open unless HEALTHY');
  assert.ok(m.feed.some((f) => f.kind === 'MARKET' && f.detail.includes('manual_halt on')));
  more(run, unhalt(), closeOnly(false));
  assert.equal(view(run.store).market.status, 'HEALTHY');
});

test('the feed state is LIVE, STALE after the warn threshold, HALTED after the halt threshold, PAUSED by the flag', () => {
  const run = book(pool());
  assert.equal(view(run.store).market.feed, 'NO_PRICE');
  more(run, price(60_000));
  const t = run.store.price_ts!;
  assert.equal(view(run.store, { now: t + 9_000 }).market.feed, 'LIVE');
  assert.equal(view(run.store, { now: t + 10_001 }).market.feed, 'STALE');
  assert.equal(view(run.store, { now: t + 30_001 }).market.feed, 'HALTED');
  assert.equal(view(run.store, { now: t + 30_001 }).market.feed_age_ms, 30_001);
  run.store.price_ts = t + 25_000; // a heartbeat moved the committed feed clock without an event
  assert.equal(view(run.store, { now: t + 30_001 }).market.feed, 'LIVE');
  more(run, pauseFeed(true));
  assert.equal(view(run.store).market.feed, 'PAUSED');
});

test('the mark shows its direction, last move and the change since the first price seen', () => {
  const run = book(pool(), price(60_000), price(60_120), price(60_100));
  const m = view(run.store);
  assert.deepEqual([m.price.mark, m.price.previous, m.price.direction, m.price.change], [60_100, 60_120, 'down', -20]);
  assert.deepEqual([m.price.ref, m.price.change_ref], [60_000, 100]);
  near(m.price.change_ref_pct!, (100 / 60_000) * 100);
  assert.deepEqual(m.price.history, [60_000, 60_120, 60_100]);
});

test("the account filter keeps only that account's orders and feed items", () => {
  const run = book(
    pool(),
    price(60_000),
    marketLong({ im: 10_000, lev: 10, acct: 'a' }),
    marketLong({ im: 10_000, lev: 5, acct: 'b' }),
    limitShort({ at: 61_000, im: 1_000, lev: 2, acct: 'a2' }),
    limitShort({ at: 61_000, im: 1_000, lev: 3, acct: 'b2' }),
  );
  const m = view(run.store, { account: 'b2', step: 50 });
  assert.deepEqual(m.book.short, [{ price: 61_000, nearest: 61_000, size: 3_000, count: 1 }]);
  assert.deepEqual(m.book.short_total, { size: 3_000, count: 1 });
  assert.deepEqual(m.liquidations.long, []);
  const a = view(run.store, { account: 'a' });
  assert.equal(a.liquidations.long.length, 1);
  assert.ok(a.feed.length > 0 && a.feed.every((f) => f.account === 'a'));
  assert.equal(a.filter, 'a');
});

// one seeded workload (12,000 commands, about 28,000 events) for the last two tests
const lines = workload(12_000, 11);
const half = Math.floor(lines.length / 2);
const first = executeLines(lines.slice(0, half));
const snapshotHalfWay = decodeState(encodeState(first.state, true));
const rest = executeLines(lines.slice(half), first.state);
const allEvents = [...first.events, ...rest.events];

test('after a seeded workload the store holds what the engine holds; snapshot + tail equals the whole log', () => {
  // the store of the snapshot half way goes through the snapshot encoding, as `relayer book` reads it
  const mid = storeFromState(snapshotHalfWay);
  const full = emptyStore();
  for (const e of allEvents) reduce(full, e);
  for (const e of rest.events) reduce(mid, e);
  const state = rest.state;
  assert.equal(full.seq, state.seq);
  assert.deepEqual(
    full.risk,
    {
      total_long_btc: state.risk.total_long_btc,
      total_short_btc: state.risk.total_short_btc,
      total_pending_long_btc: state.risk.total_pending_long_btc,
      total_pending_short_btc: state.risk.total_pending_short_btc,
    },
    "exposure totals equal the engine's",
  );
  assert.deepEqual(full.pool, state.pool);
  const b = state.books;
  assert.deepEqual(
    [full.open_long.size, full.open_short.size, full.liq_long.size, full.liq_short.size],
    [b.open_long.size, b.open_short.size, b.liq_long.size, b.liq_short.size],
    "as many entries as the engine's open and liquidation indices",
  );
  assert.deepEqual(
    [...full.liq_long.entries()].map((e) => e.key),
    [...b.liq_long.entries()].map((e) => e.key),
  );
  assert.deepEqual(
    [...full.open_short.entries()].map((e) => e.key),
    [...b.open_short.entries()].map((e) => e.key),
  );
  assert.ok(full.open_long.size >= 5 && full.open_short.size >= 5 && full.liq_short.size > 100, 'the workload leaves a real book');
  const core = (s: BookStore) => {
    const m = bookModel(s, { now: T0, depth: 1000, step: 1 });
    return { book: m.book, liquidations: m.liquidations, legs: m.legs, risk: m.risk, pool: m.pool, market: m.market, funding_rate: m.funding.rate };
  };
  assert.deepEqual(core(full), core(storeFromState(state)), 'reducing the log = deriving from the final state');
  assert.deepEqual(core(mid), core(full), 'snapshot half way + the tail = the whole log');
  const viaRows = emptyStore();
  reduceRows(viaRows, rowsOf(allEvents));
  assert.deepEqual(core(viaRows), core(full), 'committed rows (JSON lines) give the same store as envelopes');
});
