// Checks a read model against a recomputation from the event log and against the engine's final
// state (rebuilt with recover): every table row / Redis key, every order, pool row and book entry.
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { EventEnvelope, LendOrder, State, TraderOrder } from '../../src/engine/index.js';
import { INDEX_NAMES } from '../../src/engine/triggers/books.js';
import { marketInfo, riskStats } from '../../src/projections/mirror.js';
import { bookMember } from '../../src/projections/redis/keys.js';
import { recover } from '../../src/runtime/recover.js';
import type { Backend } from '../../src/store/types.js';

export interface LogView {
  events: EventEnvelope[];
  lines: { seq: number; ts: number; cmd: string; type: string; account: string | null; line: string; hash: string }[];
  state: State;
  lastSeq: number;
  lastHash: string;
}

/** Every committed event and the engine state after the last one. */
export async function readLog(backend: Backend): Promise<LogView> {
  const lines = await backend.readEvents(1, Number.MAX_SAFE_INTEGER);
  const events = lines.map((l) => JSON.parse(l.line) as EventEnvelope);
  const rec = await recover(backend, { fromScratch: true });
  const last = lines[lines.length - 1]!;
  assert.equal(rec.state.seq, last.seq);
  return { events, lines, state: rec.state, lastSeq: last.seq, lastHash: last.hash };
}

const LIFECYCLE = new Set([
  'TraderOrderOpened',
  'TraderOrderPending',
  'TraderOrderFilled',
  'TraderOrderCancelled',
  'TraderOrderSettled',
  'TraderOrderLiquidated',
  'TraderOrderFundingApplied',
]);
const LEGS = new Set(['CloseLimitPlaced', 'StopLossPlaced', 'TakeProfitPlaced', 'CloseLimitRemoved', 'StopLossRemoved', 'TakeProfitRemoved']);

/** Does this event change an order (lifecycle, a placed leg, a USER/ADMIN removal)? */
function changesOrder(e: EventEnvelope): boolean {
  if (LIFECYCLE.has(e.type)) return true;
  if (!LEGS.has(e.type)) return false;
  const reason = (e.data as { reason?: string }).reason;
  return reason === undefined || reason === 'USER' || reason === 'ADMIN';
}

const TRADE_KIND: Record<string, string> = {
  TraderOrderOpened: 'OPEN',
  TraderOrderFilled: 'FILL',
  TraderOrderSettled: 'SETTLE',
  TraderOrderLiquidated: 'LIQUIDATION',
};

/** The final order of every uuid as its last lifecycle event carries it, and every lend order's. */
function finalFromEvents(events: readonly EventEnvelope[]): { orders: Map<string, TraderOrder>; lends: Map<string, LendOrder> } {
  const orders = new Map<string, TraderOrder>();
  const lends = new Map<string, LendOrder>();
  for (const e of events) {
    if (LIFECYCLE.has(e.type)) {
      const o = (e.data as { order: TraderOrder }).order;
      orders.set(o.uuid, o);
    }
    if (e.type === 'LendOrderCreated' || e.type === 'LendOrderSettled') lends.set(e.data.lend_order.uuid, e.data.lend_order);
  }
  return { orders, lends };
}

function candlesFromEvents(events: readonly EventEnvelope[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const e of events) {
    if (e.type !== 'PriceUpdated') continue;
    for (const [label, width] of [
      ['1m', 60_000],
      ['1h', 3_600_000],
    ] as const) {
      const key = `${label}:${Math.floor(e.ts / width) * width}`;
      const p = e.data.price;
      const c = out.get(key);
      if (c === undefined) out.set(key, [p, p, p, p, 1, e.seq, e.seq]);
      else {
        c[1] = Math.max(c[1]!, p);
        c[2] = Math.min(c[2]!, p);
        c[3] = p;
        c[4]!++;
        c[6] = e.seq;
      }
    }
  }
  return out;
}

function orderFromRow(r: Record<string, unknown>): TraderOrder {
  const o: Record<string, unknown> = { ...r };
  o['sltp_on_fill'] = r['sltp_on_fill'] === null ? null : r['sltp_on_fill'];
  delete o['created_seq'];
  delete o['updated_seq'];
  delete o['updated_ts'];
  delete o['market'];
  return o as unknown as TraderOrder;
}

async function rows(c: pg.Client, sql: string): Promise<Record<string, unknown>[]> {
  return (await c.query(sql)).rows as Record<string, unknown>[];
}

/** Every PostgreSQL table against the events and the engine state. */
export async function checkPostgres(url: string, schema: string, log: LogView, market = 'BTC-USD'): Promise<void> {
  const c = new pg.Client({
    connectionString: url,
    types: { getTypeParser: ((oid: number, f?: string) => (oid === 20 ? Number : pg.types.getTypeParser(oid, f as 'text'))) as typeof pg.types.getTypeParser },
  });
  await c.connect();
  try {
    // every row of every table names the schema's market (SPEC §13)
    const tables = await rows(c, `SELECT table_name AS t FROM information_schema.columns WHERE table_schema = '${schema}' AND column_name = 'market'`);
    assert.equal(tables.length, 14, 'every read-model table has a market column');
    for (const { t } of tables) {
      const others = await rows(c, `SELECT count(*) AS n FROM "${schema}"."${t as string}" WHERE market <> '${market}'`);
      assert.equal(Number(others[0]!['n']), 0, `${t as string}: rows of another market`);
    }
    await c.query(`SET search_path TO "${schema}"`);
    const { events, state } = log;
    const [cp] = await rows(c, 'SELECT seq, hash FROM projection_checkpoint');
    assert.deepEqual(cp, { seq: log.lastSeq, hash: log.lastHash }, 'checkpoint');

    // the event copy: every event once, data as the log stored it
    const ev = await rows(c, 'SELECT seq, ts, cmd, type, account, data::text AS data, hash FROM events ORDER BY seq');
    assert.equal(ev.length, log.lines.length, 'events rows');
    for (let i = 0; i < ev.length; i++) {
      const l = log.lines[i]!;
      const r = ev[i]!;
      assert.deepEqual([r['seq'], r['ts'], r['cmd'], r['type'], r['account'], r['hash']], [l.seq, l.ts, l.cmd, l.type, l.account, l.hash], `event ${l.seq}`);
      assert.deepEqual(JSON.parse(r['data'] as string), events[i]!.data, `event ${l.seq} data`);
    }

    // orders: active ones exactly as the engine holds them; terminal ones as their last event
    const fin = finalFromEvents(events);
    const orders = new Map((await rows(c, 'SELECT * FROM orders')).map((r) => [r['uuid'] as string, r]));
    assert.equal(orders.size, state.orders.size + state.closed.size, 'orders rows = active + closed orders of the engine');
    for (const [uuid, o] of state.orders) assert.deepEqual(orderFromRow(orders.get(uuid)!), { ...o }, `active order ${uuid}`);
    for (const [uuid, closed] of state.closed) {
      const r = orders.get(uuid);
      assert.ok(r !== undefined, `closed order ${uuid} missing`);
      assert.equal(r['order_status'], closed.status, `closed order ${uuid} status`);
      assert.equal(r['account_id'], closed.account_id);
      assert.deepEqual(orderFromRow(r), fin.orders.get(uuid), `closed order ${uuid}`);
    }
    const lends = new Map((await rows(c, 'SELECT * FROM lend_orders')).map((r) => [r['uuid'] as string, r]));
    assert.equal(lends.size, fin.lends.size, 'lend_orders rows');
    for (const [uuid, l] of fin.lends) {
      const want = state.lends.get(uuid) ?? l;
      const r = { ...lends.get(uuid)! };
      delete r['created_seq'];
      delete r['updated_seq'];
      delete r['updated_ts'];
      delete r['market'];
      assert.deepEqual(r, { ...want }, `lend order ${uuid}`);
    }
    assert.equal([...lends.values()].filter((r) => r['order_status'] === 'FILLED').length, state.lends.size, 'active lend orders');

    // one history row per event that changed an order
    const hist = await rows(
      c,
      'SELECT seq, event, uuid, order_status, available_margin, liquidation_price, stop_loss_price FROM position_history ORDER BY seq',
    );
    const changing = events.filter(changesOrder);
    assert.equal(hist.length, changing.length, 'position_history rows');
    for (let i = 0; i < hist.length; i++) {
      const e = changing[i]!;
      assert.equal(hist[i]!['seq'], e.seq);
      assert.equal(hist[i]!['event'], e.type);
      if (LIFECYCLE.has(e.type)) {
        const o = (e.data as { order: TraderOrder }).order;
        assert.deepEqual(
          [hist[i]!['uuid'], hist[i]!['order_status'], hist[i]!['available_margin'], hist[i]!['liquidation_price'], hist[i]!['stop_loss_price']],
          [o.uuid, o.order_status, o.available_margin, o.liquidation_price, o.stop_loss_price],
          `history ${e.seq}`,
        );
      } else {
        assert.equal(hist[i]!['uuid'], (e.data as { order_id: string }).order_id);
      }
    }

    const trades = await rows(c, 'SELECT seq, kind, uuid, price FROM trades ORDER BY seq');
    const tradeEvents = events.filter((e) => TRADE_KIND[e.type] !== undefined);
    assert.deepEqual(
      trades.map((t) => [t['seq'], t['kind'], t['uuid']]),
      tradeEvents.map((e) => [e.seq, TRADE_KIND[e.type], (e.data as { order: TraderOrder }).order.uuid]),
      'trades',
    );

    const settled = await rows(c, 'SELECT seq, uuid, payment, close_type, "trigger", fee_rate, total_locked_value, nonce FROM settlements ORDER BY seq');
    assert.deepEqual(
      settled,
      events
        .filter((e) => e.type === 'TraderOrderSettled')
        .map((e) => {
          const d = e.data as {
            order: TraderOrder;
            payment: number;
            close_type: string;
            trigger: string;
            fee_rate: number;
            pool: { total_locked_value: number; nonce: number };
          };
          return {
            seq: e.seq,
            uuid: d.order.uuid,
            payment: d.payment,
            close_type: d.close_type,
            trigger: d.trigger,
            fee_rate: d.fee_rate,
            total_locked_value: d.pool.total_locked_value,
            nonce: d.pool.nonce,
          };
        }),
      'settlements',
    );
    const liq = await rows(c, 'SELECT seq, uuid, payment, "trigger", price FROM liquidations ORDER BY seq');
    assert.deepEqual(
      liq,
      events
        .filter((e) => e.type === 'TraderOrderLiquidated')
        .map((e) => {
          const d = e.data as { order: TraderOrder; payment: number; trigger: string; price: number };
          return { seq: e.seq, uuid: d.order.uuid, payment: d.payment, trigger: d.trigger, price: d.price };
        }),
      'liquidations',
    );
    const funding = await rows(c, 'SELECT seq, uuid, funding_rate, funding_payment FROM funding_payments ORDER BY seq');
    assert.deepEqual(
      funding,
      events
        .filter((e) => e.type === 'TraderOrderFundingApplied')
        .map((e) => {
          const d = e.data as { order: TraderOrder; funding_rate: number; funding_payment: number };
          return { seq: e.seq, uuid: d.order.uuid, funding_rate: d.funding_rate, funding_payment: d.funding_payment };
        }),
      'funding_payments',
    );
    const rates = await rows(c, 'SELECT seq, funding_rate FROM funding_rates ORDER BY seq');
    assert.deepEqual(
      rates,
      events.filter((e) => e.type === 'FundingRateUpdated').map((e) => ({ seq: e.seq, funding_rate: (e.data as { funding_rate: number }).funding_rate })),
      'funding_rates',
    );

    // pool history: every pool an event carries, the last one the engine's
    const pool = await rows(c, 'SELECT seq, total_locked_value, total_pool_share, nonce FROM pool_history ORDER BY seq');
    const withPool = events.filter((e) => (e.data as { pool?: unknown }).pool !== undefined);
    assert.deepEqual(
      pool,
      withPool.map((e) => ({ seq: e.seq, ...(e.data as { pool: object }).pool })),
      'pool_history',
    );
    if (state.pool !== null) {
      const last = pool[pool.length - 1] as Record<string, unknown>;
      assert.deepEqual(
        { total_locked_value: last['total_locked_value'], total_pool_share: last['total_pool_share'], nonce: last['nonce'] },
        state.pool,
        'last pool row = engine pool',
      );
    }

    const prices = await rows(c, 'SELECT seq, price FROM prices ORDER BY seq');
    assert.deepEqual(
      prices,
      events.filter((e) => e.type === 'PriceUpdated').map((e) => ({ seq: e.seq, price: (e.data as { price: number }).price })),
      'prices',
    );
    if (prices.length > 0) assert.equal(prices[prices.length - 1]!['price'], state.price);
    for (const [table, type] of [
      ['fee_changes', 'FeesUpdated'],
      ['risk_param_changes', 'RiskParamsUpdated'],
      ['risk_flag_changes', 'RiskFlagsUpdated'],
    ] as const) {
      const got = (await rows(c, `SELECT seq FROM ${table} ORDER BY seq`)).map((r) => r['seq']);
      assert.deepEqual(
        got,
        events.filter((e) => e.type === type).map((e) => e.seq),
        table,
      );
    }

    // candles recomputed from the price events
    const candles = await rows(c, 'SELECT * FROM candles ORDER BY "interval", bucket_ts');
    const want = candlesFromEvents(events);
    assert.equal(candles.length, want.size, 'candles rows');
    for (const r of candles) {
      assert.deepEqual(
        [r['open'], r['high'], r['low'], r['close'], r['updates'], r['first_seq'], r['last_seq']],
        want.get(`${r['interval']}:${r['bucket_ts']}`),
        `candle ${r['interval']} ${r['bucket_ts']}`,
      );
    }
  } finally {
    await c.end();
  }
}

/** Every Redis key against the engine state (and the trades list against the events). */
export async function checkRedis(url: string, prefix: string, log: LogView, tradesKeep = 1000): Promise<void> {
  const r = new Redis(url);
  try {
    const { state, events } = log;
    assert.deepEqual(await r.hmget(`${prefix}checkpoint`, 'seq', 'hash'), [String(log.lastSeq), log.lastHash], 'checkpoint');

    // the ten books, entry by entry in the engine's order
    for (const name of INDEX_NAMES) {
      const flat = await r.zrange(`${prefix}book:${name}`, 0, -1, 'WITHSCORES');
      const got: [string, number][] = [];
      for (let i = 0; i < flat.length; i += 2) got.push([flat[i]!, Number(flat[i + 1])]);
      const want = [...state.books[name].entries()].map((e) => [bookMember(e.seq, e.val.uuid), e.key] as [string, number]);
      assert.deepEqual(got, want, `book ${name}`);
    }

    // every order by id: active exactly as the engine holds it, closed as its last event
    const fin = finalFromEvents(events);
    const uuids = [...state.orders.keys(), ...state.closed.keys()];
    const stored = uuids.length === 0 ? [] : await r.mget(uuids.map((u) => `${prefix}order:${u}`));
    uuids.forEach((u, i) => {
      const got = stored[i] === null ? null : (JSON.parse(stored[i]!) as TraderOrder);
      const active = state.orders.get(u);
      if (active !== undefined) assert.deepEqual(got, { ...active }, `order ${u}`);
      else assert.deepEqual(got, fin.orders.get(u), `closed order ${u}`);
    });
    assert.equal(await countKeys(r, `${prefix}order:*`), uuids.length, 'order keys');

    // open orders per account
    for (const [account, uuid] of state.trader_by_account)
      assert.deepEqual(await r.smembers(`${prefix}account:${account}:orders`), [uuid], `open orders of ${account}`);
    assert.equal(await countKeys(r, `${prefix}account:*:orders`), state.trader_by_account.size, 'accounts with open orders');
    for (const [account, uuid] of state.lend_by_account) assert.deepEqual(await r.smembers(`${prefix}account:${account}:lends`), [uuid], `lends of ${account}`);
    assert.equal(await countKeys(r, `${prefix}account:*:lends`), state.lend_by_account.size, 'accounts with lend orders');
    for (const [uuid, l] of fin.lends) {
      const got = JSON.parse((await r.get(`${prefix}lend:${uuid}`))!) as LendOrder;
      assert.deepEqual(got, { ...(state.lends.get(uuid) ?? l) }, `lend order ${uuid}`);
    }

    // market values
    assert.equal(await r.get(`${prefix}price`), state.price === null ? null : String(state.price), 'price');
    const fr = await r.get(`${prefix}funding_rate`);
    assert.equal(fr === null ? 0 : Number(fr), state.funding_rate, 'funding rate');
    const pool = JSON.parse((await r.get(`${prefix}pool`))!) as Record<string, number>;
    assert.deepEqual({ total_locked_value: pool['total_locked_value'], total_pool_share: pool['total_pool_share'], nonce: pool['nonce'] }, state.pool, 'pool');
    assert.deepEqual(JSON.parse((await r.get(`${prefix}risk`))!), riskStats(state), 'risk stats');
    const market = JSON.parse((await r.get(`${prefix}market`))!) as ReturnType<typeof marketInfo>;
    assert.deepEqual(market, marketInfo(state), 'feed thresholds, stale warning, funding boundary');
    const oi = state.risk.total_long_btc + state.risk.total_short_btc;
    assert.equal((JSON.parse((await r.get(`${prefix}risk`))!) as { open_interest_btc: number }).open_interest_btc, oi);

    // recent trades, newest first
    const trades = (await r.lrange(`${prefix}trades`, 0, -1)).map((t) => JSON.parse(t) as { seq: number; kind: string; uuid: string; price: number });
    const want = events
      .filter((e) => TRADE_KIND[e.type] !== undefined)
      .slice(-tradesKeep)
      .reverse()
      .map((e) => {
        const d = e.data as { order: TraderOrder; fill_price?: number; price?: number };
        const price =
          e.type === 'TraderOrderOpened'
            ? d.order.entryprice
            : e.type === 'TraderOrderFilled'
              ? d.fill_price
              : e.type === 'TraderOrderSettled'
                ? d.order.settlement_price
                : d.price;
        return { seq: e.seq, kind: TRADE_KIND[e.type]!, uuid: d.order.uuid, price: price! };
      });
    assert.deepEqual(
      trades.map((t) => ({ seq: t.seq, kind: t.kind, uuid: t.uuid, price: t.price })),
      want,
      'recent trades',
    );
  } finally {
    r.disconnect();
  }
}

async function countKeys(r: Redis, pattern: string): Promise<number> {
  let n = 0;
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    n += keys.length;
  } while (cursor !== '0');
  return n;
}
