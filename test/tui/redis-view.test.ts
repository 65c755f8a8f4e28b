// Laying Redis read-model views over the book's store (pure, no Redis): the first view sets the
// scene without counting history, later views add only what is new (trades after the last seq, a
// newer funding update, flag changes), ladders hold the window plus the filtered account's orders
// and report the true sizes, and an entry whose order is unknown shows at its score's price.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TraderOrder } from '../../src/engine/types.js';
import { riskStats, type Trade } from '../../src/projections/mirror.js';
import { decode } from '../../src/tui/redis-feed.js';
import { bookModel } from '../../src/tui/model.js';
import { applyView, newCursor, orderInfo, type OrderInfo, type RedisView } from '../../src/tui/redis-view.js';
import { emptyStore, recentFeed } from '../../src/tui/store.js';
import { limitLong, limitShort, marketLong, marketShort, pool, price, T0 } from '../helpers/dsl.js';
import { book } from './helpers.js';

/** A market from the engine: its state, as the Redis read model would hold it. */
function market() {
  const run = book(
    pool(),
    price(60_000),
    limitLong({ at: 58_000, im: 20_000, lev: 5, acct: 'a' }),
    limitLong({ at: 57_000, im: 1_000, lev: 10, acct: 'b' }),
    limitShort({ at: 62_000, im: 5_000, lev: 4, acct: 'c' }),
    marketLong({ im: 10_000, lev: 10, acct: 'd' }),
    marketShort({ im: 10_000, lev: 20, acct: 'e' }),
  );
  return run;
}

function viewOf(run: ReturnType<typeof market>, trades: Trade[] = []): { view: RedisView; orders: Map<string, OrderInfo> } {
  const st = run.world.state;
  const books: RedisView['books'] = {
    open_long: { size: 0, entries: [] },
    open_short: { size: 0, entries: [] },
    liq_long: { size: 0, entries: [] },
    liq_short: { size: 0, entries: [] },
  };
  const orders = new Map<string, OrderInfo>();
  for (const o of st.orders.values()) {
    const name =
      o.order_status === 'PENDING' ? (o.position_type === 'LONG' ? 'open_long' : 'open_short') : o.position_type === 'LONG' ? 'liq_long' : 'liq_short';
    const key = Math.trunc((o.order_status === 'PENDING' ? o.entryprice : o.liquidation_price) * 10_000);
    books[name].entries.push({ seq: o.entry_sequence, uuid: o.uuid, key });
    books[name].size++;
    orders.set(o.uuid, orderInfo(o));
  }
  const view: RedisView = {
    seq: st.seq,
    ts: st.last_ts,
    head: { seq: st.seq, price_ts: st.price_ts },
    price: { price: st.price!, previous_price: null, feed_price: st.price!, ts: st.price_ts!, seq: 2 },
    funding: null,
    pool: { ...st.pool! },
    risk: riskStats(st),
    market: { stale_warn_ms: 30_000, stale_halt_ms: 120_000, stale_warned_at: null, funding_boundary: null },
    books,
    legs: { close: { long: 0, short: 0 }, sl: { long: 0, short: 0 }, tp: { long: 0, short: 0 } },
    trades,
    account: null,
  };
  return { view, orders };
}

const trade = (seq: number, kind: Trade['kind'], account: string): Trade => ({
  seq,
  ts: T0 + seq,
  kind,
  uuid: `u${seq}`,
  account_id: account,
  position_type: 'LONG',
  order_type: 'MARKET',
  price: 60_000,
  positionsize: 1,
  entry_value: 100_000,
  leverage: 10,
  fee: 0,
  payment: kind === 'SETTLE' ? 5 : null,
  close_type: kind === 'SETTLE' ? 'MARKET' : null,
  trigger: null,
});

test("given the Redis view of a market, when it is laid over an empty store, then the book equals the event log's book", () => {
  const run = market();
  const { view, orders } = viewOf(run);
  const s = emptyStore(false);
  applyView(s, view, orders, newCursor());
  const o = { now: T0 + 60_000, depth: 10, step: 50 };
  const a = bookModel(s, o);
  const b = bookModel(run.store, o);
  assert.deepEqual(a.book, b.book);
  assert.deepEqual(a.liquidations, b.liquidations);
  assert.deepEqual(a.risk, b.risk);
  assert.deepEqual(a.pool, b.pool);
  assert.equal(a.price.mark, 60_000);
  assert.equal(a.base_seq, view.seq, 'the view starts at the checkpoint it first saw');
});

test('given a first view with history, when later views bring new trades, then only those are counted and each once', () => {
  const run = market();
  const { view, orders } = viewOf(run, [trade(5, 'OPEN', 'x'), trade(4, 'FILL', 'y')]);
  const s = emptyStore(false);
  const c = newCursor();
  applyView(s, view, orders, c);
  assert.equal(s.counts.fills, 0, 'history is not counted as seen live');
  assert.deepEqual(
    recentFeed(s, 10).map((i) => [i.seq, i.kind, i.detail]),
    [
      [5, 'FILL', 'MARKET'],
      [4, 'FILL', 'LIMIT'],
    ],
  );
  // the next view: the list holds the old trades too (newest first)
  applyView(s, { ...view, seq: view.seq + 3, trades: [trade(8, 'SETTLE', 'x'), trade(7, 'OPEN', 'z'), trade(5, 'OPEN', 'x')] }, orders, c);
  assert.deepEqual(s.counts, { fills: 1, settlements: 1, liquidations: 0, fundings: 0 });
  assert.deepEqual(
    recentFeed(s, 2).map((i) => [i.seq, i.kind, i.amount]),
    [
      [8, 'SETTLE', 5],
      [7, 'FILL', null],
    ],
  );
  applyView(s, { ...view, seq: view.seq + 3, trades: [trade(8, 'SETTLE', 'x')] }, orders, c);
  assert.equal(s.counts.settlements, 1, 'a trade read twice counts once');
  assert.equal(s.events, 3, 'events = how far the checkpoint moved since the first view');
});

test('given a live view, when the flags change and a funding update arrives, then the feed says so', () => {
  const run = market();
  const { view, orders } = viewOf(run);
  const s = emptyStore(false);
  const c = newCursor();
  applyView(s, view, orders, c);
  const risk = { ...view.risk!, flags: { ...view.risk!.flags, manual_halt: true } };
  const funding = {
    funding_rate: 0.0123,
    price: 60_000,
    long_position_size: 10,
    short_position_size: 4,
    total_position_size: 14,
    boundary: 3_600_000 * 500_000,
    ts: T0 + 9,
    seq: 40,
  };
  applyView(s, { ...view, seq: 41, risk, funding }, orders, c);
  const items = recentFeed(s, 5);
  assert.deepEqual(
    items.map((i) => i.kind),
    ['MARKET', 'FUNDING'],
  );
  assert.match(items[0]!.detail, /manual_halt on/);
  assert.match(items[1]!.detail, /\+0\.0123% · PS long 10 \/ short 4/);
  assert.equal(s.counts.fundings, 1);
  assert.equal(bookModel(s, { now: T0 }).market.status, 'HALT');
  assert.equal(s.funding_boundary, funding.boundary);
  applyView(s, { ...view, seq: 42, risk, funding }, orders, c);
  assert.equal(s.counts.fundings, 1, 'the same funding update is not counted again');
});

test("given a window of the ladders, then totals are the true sizes and the filtered account's orders beyond it are shown", () => {
  const run = market();
  const { view, orders } = viewOf(run);
  const st = run.world.state;
  const farLong = [...st.orders.values()].find((o) => o.account_id === 'b')!; // the deeper long limit
  // the window left the deeper long limit out; the account read brought it
  const windowed: RedisView = {
    ...view,
    books: { ...view.books, open_long: { size: 2, entries: view.books.open_long.entries.filter((e) => e.uuid !== farLong.uuid) } },
    account: [{ ...farLong } as TraderOrder],
  };
  const s = emptyStore(false);
  applyView(s, windowed, orders, newCursor());
  const all = bookModel(s, { now: T0, depth: 10, step: 50 });
  assert.deepEqual(all.book.long_total.count, 2, "the count is the set's size, not the window's");
  assert.equal(all.book.long.length, 2, "the account's order is in the store");
  const mine = bookModel(s, { now: T0, depth: 10, step: 50, account: 'b' });
  assert.deepEqual(mine.book.long, [{ price: 57_000, nearest: 57_000, size: 10_000, count: 1 }]);
});

test("given an entry whose order details are not known, then it shows at its score's price with no size", () => {
  const run = market();
  const { view } = viewOf(run);
  const s = emptyStore(false);
  applyView(s, view, new Map(), newCursor());
  const m = bookModel(s, { now: T0, depth: 10, step: 1 });
  assert.deepEqual(m.book.short, [{ price: 62_000, nearest: 62_000, size: 0, count: 1 }]);
});

test("the script's reply decodes into a view (members split into entry sequence and uuid, nils as null)", () => {
  const v = decode([
    '12',
    '1700',
    null,
    null,
    JSON.stringify({ price: 1, previous_price: null, feed_price: 1, ts: 5, seq: 3 }),
    null,
    null,
    null,
    null,
    [
      [2, ['000000000007:abc', '600000000', '000000000009:def', '590000000']],
      [0, []],
      [0, []],
      [0, []],
    ],
    [1, 2, 3, 4, 5, 6],
    [],
    null,
  ]);
  assert.equal(v.seq, 12);
  assert.equal(v.head, null);
  assert.equal(v.price?.seq, 3);
  assert.deepEqual(v.books.open_long, {
    size: 2,
    entries: [
      { seq: 7, uuid: 'abc', key: 600_000_000 },
      { seq: 9, uuid: 'def', key: 590_000_000 },
    ],
  });
  assert.deepEqual(v.legs, { close: { long: 1, short: 2 }, sl: { long: 3, short: 4 }, tp: { long: 5, short: 6 } });
  assert.equal(v.account, null);
});
