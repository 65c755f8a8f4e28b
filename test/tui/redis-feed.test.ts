// `relayer book --redis` against a real Redis: a seeded run projected by `relayer project`'s Redis
// read model must give the book the same ladders, liquidation levels, legs, totals, pool, price and
// trades as the event log gives it, for several depths, buckets and an account filter; followed
// live, it counts every fill, settlement and liquidation and ends where the log ends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import type { EventEnvelope } from '../../src/engine/index.js';
import { Follower, type ViewWindow } from '../../src/tui/follow.js';
import { bookModel, type ModelOptions } from '../../src/tui/model.js';
import { RedisBookFeed } from '../../src/tui/redis-feed.js';
import { emptyStore, recentFeed, reduceRows, setClock, type BookStore } from '../../src/tui/store.js';
import { catchUp, moreWork, projector, reached, redisModel, seeded } from '../projections/helpers.js';
import { dropPrefix, needRedis, uniqueName } from '../helpers/services.js';
import type { SqliteStore } from '../../src/store/sqlite/store.js';

const NOW = 1_800_000_000_000;

/** The book the event log gives: every committed event reduced, with the committed feed clock. */
async function logBook(store: SqliteStore): Promise<BookStore> {
  const s = emptyStore();
  reduceRows(s, await store.readEvents(1, Number.MAX_SAFE_INTEGER));
  setClock(s, (await store.lastCommitted()).clock?.price_ts ?? null);
  return s;
}

/** The book Redis gives for a window, read until the window is settled. */
async function redisBook(r: Redis, prefix: string, w: ViewWindow): Promise<BookStore> {
  const s = emptyStore(false);
  const feed = new RedisBookFeed(r, prefix, () => w);
  for (let i = 0; i < 5 && (await feed.pull(s)).more; i++);
  return s;
}

/** What both sources must agree on (the parts of the model that do not depend on how long the view has watched). */
function shown(s: BookStore, o: ModelOptions) {
  const m = bookModel(s, o);
  return {
    seq: m.seq,
    mark: m.price.mark,
    previous: m.price.previous,
    book: m.book,
    liquidations: m.liquidations,
    legs: m.legs,
    risk: m.risk,
    pool: m.pool,
    rate: m.funding.rate,
    last_boundary: m.funding.last_boundary,
    market: m.market,
  };
}

/** Trades in the feed, newest first, as both sources can tell them. */
function trades(s: BookStore, n: number) {
  return recentFeed(s, 5000)
    .filter((i) => i.kind === 'FILL' || i.kind === 'SETTLE' || i.kind === 'LIQUIDATION')
    .slice(0, n)
    .map(({ seq, kind, account, side, price, size, amount }) => ({ seq, kind, account, side, price, size, amount }));
}

const countOf = (events: EventEnvelope[], types: string[], after: number): number => events.filter((e) => e.seq > after && types.includes(e.type)).length;

test('book --redis: the Redis read model shows the book the event log shows, and follows it live', { timeout: 120_000 }, async (t) => {
  const url = await needRedis(t);
  if (url === null) return;
  const prefix = `${uniqueName('book')}:`;
  t.after(() => dropPrefix(url, prefix));
  const { store, lastSeq } = await seeded(t, 6_000, 41);
  await catchUp(redisModel(url, prefix), store, { batchSize: 2000 });
  const r = new Redis(url);
  t.after(() => r.disconnect());

  // the projector told Redis where the log's head and feed clock are
  const head = await r.hgetall(`${prefix}head`);
  const committed = await store.lastCommitted();
  assert.equal(Number(head['seq']), lastSeq);
  assert.equal(head['price_ts'], String(committed.clock?.price_ts ?? ''));

  const fromLog = await logBook(store);
  const sizes = [fromLog.open_long.size, fromLog.open_short.size, fromLog.liq_long.size, fromLog.liq_short.size];
  assert.ok(
    sizes.every((n) => n > 10),
    `a book worth comparing (${sizes.join(', ')})`,
  );
  const account = [...fromLog.orders.values()].find((x) => x.status === 'FILLED')!.value.account;
  const windows: (ViewWindow & { label: string })[] = [
    { label: 'ten levels, automatic bucket', depth: 10, step: null, account: null },
    { label: 'every $1 level', depth: 40, step: 1, account: null },
    { label: 'coarse buckets', depth: 3, step: 500, account: null },
    { label: 'one account', depth: 10, step: 5, account },
  ];
  for (const w of windows) {
    const fromRedis = await redisBook(r, prefix, w);
    const o: ModelOptions = { now: NOW, depth: w.depth, step: w.step, account: w.account };
    assert.deepEqual(shown(fromRedis, o), shown(fromLog, o), w.label);
  }
  const whole = await redisBook(r, prefix, windows[0]!);
  assert.ok(whole.open_long.size < fromLog.open_long.size, `only a window of the book is read (${whole.open_long.size} of ${fromLog.open_long.size})`);
  const recent = trades(fromLog, 200);
  assert.ok(recent.length > 50);
  assert.deepEqual(trades(whole, 200), recent, 'the newest trades, as the log tells them');

  // live: the projector follows more engine work, the book follows Redis
  const model = redisModel(url, prefix);
  const live = projector(model, store, { pollMs: 5 });
  const running = live.run();
  const book = emptyStore(false);
  const feed = new RedisBookFeed(r, prefix, () => windows[0]!);
  for (let i = 0; i < 5 && (await feed.pull(book)).more; i++);
  const base = book.seq;
  let frames = 0;
  const follower = new Follower(feed, book, {
    fps: 10,
    pollMs: 20,
    draw: () => {
      frames++;
    },
  });
  follower.start();
  const last = await moreWork(store, 800, 42, 20, 10);
  await reached(live, last);
  const deadline = Date.now() + 5000;
  while (book.seq < last && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  await follower.stop();
  live.stop();
  await running;
  await model.close();

  assert.equal(book.seq, last, 'the book reached the end of the log');
  assert.equal(follower.behind, 0);
  assert.ok(frames > 1, `frames were drawn while following (${frames})`);
  const end = await logBook(store);
  const o: ModelOptions = { now: NOW, depth: 10 };
  const a = shown(book, o);
  const b = shown(end, o);
  assert.deepEqual({ ...a, market: null }, { ...b, market: null }, 'the same book at the end of the log');
  assert.deepEqual(trades(book, 100), trades(end, 100));
  const events = (await store.readEvents(1, Number.MAX_SAFE_INTEGER)).map((x) => JSON.parse(x.line) as EventEnvelope);
  const fills = countOf(events, ['TraderOrderOpened', 'TraderOrderFilled'], base);
  assert.ok(fills > 10, `the live work filled orders (${fills})`);
  assert.equal(book.counts.fills, fills, 'every fill seen live was counted once');
  assert.equal(book.counts.settlements, countOf(events, ['TraderOrderSettled'], base));
  assert.equal(book.counts.liquidations, countOf(events, ['TraderOrderLiquidated'], base));
});

test('book --redis: an empty read model is a clear error, not an empty book', async (t) => {
  const url = await needRedis(t);
  if (url === null) return;
  const r = new Redis(url);
  t.after(() => r.disconnect());
  await assert.rejects(redisBook(r, `${uniqueName('none')}:`, { depth: 10, step: null, account: null }), /read model under prefix "t_none_[^"]+" is empty/);
});

test('book --redis: when the read model goes back (rebuilt from another log), the view starts over', { timeout: 60_000 }, async (t) => {
  const url = await needRedis(t);
  if (url === null) return;
  const prefix = `${uniqueName('back')}:`;
  t.after(() => dropPrefix(url, prefix));
  const r = new Redis(url);
  t.after(() => r.disconnect());
  const big = await seeded(t, 3_000, 51);
  await catchUp(redisModel(url, prefix), big.store);
  const s = emptyStore(false);
  const feed = new RedisBookFeed(r, prefix, () => ({ depth: 10, step: null, account: null }));
  for (let i = 0; i < 5 && (await feed.pull(s)).more; i++);
  assert.equal(s.seq, big.lastSeq);

  await dropPrefix(url, prefix);
  const small = await seeded(t, 1_000, 52);
  await catchUp(redisModel(url, prefix), small.store);
  assert.ok(small.lastSeq < big.lastSeq);
  for (let i = 0; i < 5 && (await feed.pull(s)).more; i++);
  assert.equal(s.seq, small.lastSeq, 'the view follows the read model back');
  const o: ModelOptions = { now: NOW, depth: 10 };
  const fromLog = await logBook(small.store);
  assert.deepEqual({ ...shown(s, o), market: null }, { ...shown(fromLog, o), market: null }, "and shows the new log's book");
  assert.deepEqual(trades(s, 100), trades(fromLog, 100), 'with its trades, not the old ones');
  assert.equal(s.counts.fills, 0, 'the new history is not counted as seen live');
});
