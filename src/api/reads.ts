// Reads from the read models of `relayer project` (docs/read-models.md): Redis for hot values
// (price, funding, risk stats, books, recent trades, orders by id and per account), PostgreSQL for
// history (price and funding history, candles, order history, trade volume) and for terminal orders
// whose Redis copy has expired. The gateway never reads the engine's state: what it answers is what
// the projections committed (`as_of` says up to which event where it matters).
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { formulas, type LendOrder, TRADER_ORDER_FIELDS, type TraderOrder } from '../engine/index.js';
import type { Trade } from '../projections/mirror.js';
import { memberUuid, RedisKeys } from '../projections/redis/keys.js';
import { RPC, RpcError } from './errors.js';
import { CANDLE_INTERVALS, type CandleInterval } from './schemas.js';

export const DEFAULT_AUTH_PREFIX = 'relayer-auth:';

const iso = (ms: number): string => new Date(ms).toISOString();

function parseJson<T>(text: string | null | undefined): T | null {
  if (text === null || text === undefined) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

export interface RiskDoc {
  pool_equity_btc: number;
  total_long_btc: number;
  total_short_btc: number;
  total_pending_long_btc: number;
  total_pending_short_btc: number;
  open_interest_btc: number;
  net_exposure_btc: number;
  long_pct: number;
  short_pct: number;
  utilization: number;
  max_long_btc: number;
  max_short_btc: number;
  status: string;
  status_reason: string | null;
  params: Record<string, number>;
  flags: Record<string, boolean>;
  fees: Record<string, number>;
  long_position_size: number;
  short_position_size: number;
  funding_rate: number;
  /** §15 (docs/adl.md); absent in a read model written before them. */
  max_pnl_factor?: number;
  adl_target_factor?: number;
  pnl_cap_btc?: number | null;
  adl_target_btc?: number | null;
  traders_pnl_long?: number | null;
  traders_pnl_short?: number | null;
}

export class Reads {
  readonly keys: RedisKeys;

  constructor(
    private readonly redis: Redis,
    redisPrefix: string,
    private readonly pgPool: pg.Pool | null,
  ) {
    this.keys = new RedisKeys(redisPrefix);
  }

  private async r<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof RpcError) throw e;
      throw new RpcError(RPC.UNAVAILABLE, `read model (Redis) unavailable: ${(e as Error).message}`);
    }
  }

  private async sql<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    if (this.pgPool === null) throw new RpcError(RPC.UNAVAILABLE, 'no PostgreSQL read model is configured on this gateway (--postgres)');
    try {
      return (await this.pgPool.query<R>(text, values)).rows;
    } catch (e) {
      throw new RpcError(RPC.UNAVAILABLE, `read model (PostgreSQL) unavailable: ${(e as Error).message}`);
    }
  }

  /** Where the Redis read model stands. */
  async asOf(): Promise<{ seq: number; ts: number | null }> {
    const [seq, ts] = await this.r(() => this.redis.hmget(this.keys.checkpoint, 'seq', 'ts'));
    return { seq: seq === null || seq === undefined ? 0 : Number(seq), ts: ts === null || ts === undefined ? null : Number(ts) };
  }

  // ---- public --------------------------------------------------------------------------------

  async price(): Promise<Record<string, unknown>> {
    const info = parseJson<{ price: number; previous_price: number | null; feed_price: number; ts: number; seq: number }>(
      await this.r(() => this.redis.get(this.keys.priceInfo)),
    );
    if (info === null) return { price: null, timestamp: null, ts: null, seq: null };
    return { price: info.price, previous_price: info.previous_price, feed_price: info.feed_price, timestamp: iso(info.ts), ts: info.ts, seq: info.seq };
  }

  async risk(): Promise<RiskDoc | null> {
    return parseJson<RiskDoc>(await this.r(() => this.redis.get(this.keys.risk)));
  }

  async fundingRate(): Promise<Record<string, unknown>> {
    const f = parseJson<Record<string, unknown> & { ts: number }>(await this.r(() => this.redis.get(this.keys.funding)));
    if (f === null) return { funding_rate: 0, price: null, timestamp: null, ts: null };
    return { ...f, timestamp: iso(f.ts) };
  }

  async positionSize(): Promise<Record<string, unknown>> {
    const risk = await this.risk();
    const long = risk?.long_position_size ?? 0;
    const short = risk?.short_position_size ?? 0;
    return { total_long_position_size: long, total_short_position_size: short, total_position_size: long + short };
  }

  async marketStats(): Promise<Record<string, unknown>> {
    const [risk, asOf] = await Promise.all([this.risk(), this.asOf()]);
    if (risk === null) throw new RpcError(RPC.UNAVAILABLE, 'no market stats yet: the Redis read model is empty (is relayer project running?)');
    const { fees: _fees, long_position_size: _l, short_position_size: _s, funding_rate: _f, ...stats } = risk;
    return { ...stats, as_of: asOf };
  }

  /** Pending limit orders nearest the market, aggregated by price (bids: LONG, asks: SHORT). */
  async openLimitOrders(maxOrders = 1000): Promise<Record<string, unknown>> {
    const [longs, shorts] = await this.r(() =>
      Promise.all([
        this.redis.zrange(this.keys.book('open_long'), 0, maxOrders - 1, 'REV', 'WITHSCORES'),
        this.redis.zrange(this.keys.book('open_short'), 0, maxOrders - 1, 'WITHSCORES'),
      ]),
    );
    const levels = async (flat: string[]) => {
      const uuids: string[] = [];
      for (let i = 0; i < flat.length; i += 2) uuids.push(memberUuid(flat[i]!));
      const orders = await this.orders(uuids);
      const byPrice = new Map<number, { price: number; positionsize: number; orders: number }>();
      for (const o of orders) {
        if (o === null || o.order_status !== 'PENDING') continue;
        const lvl = byPrice.get(o.entryprice) ?? { price: o.entryprice, positionsize: 0, orders: 0 };
        lvl.positionsize += o.positionsize;
        lvl.orders++;
        byPrice.set(o.entryprice, lvl);
      }
      return [...byPrice.values()];
    };
    const [bid, ask] = await Promise.all([levels(longs), levels(shorts)]);
    return { bid, ask };
  }

  async recentTrades(limit: number): Promise<Record<string, unknown>[]> {
    const rows = await this.r(() => this.redis.lrange(this.keys.trades, 0, limit - 1));
    const out: Record<string, unknown>[] = [];
    for (const t of rows.map((x) => parseJson<Trade>(x))) {
      if (t === null) continue;
      out.push({
        kind: t.kind,
        side: t.position_type,
        order_type: t.order_type,
        price: t.price,
        positionsize: t.positionsize,
        entry_value: t.entry_value,
        close_type: t.close_type,
        timestamp: iso(t.ts),
        ts: t.ts,
        seq: t.seq,
      });
    }
    return out;
  }

  async historicalPrice(from: number | undefined, to: number | undefined, limit: number, offset: number): Promise<Record<string, unknown>[]> {
    const rows = await this.sql<{ seq: number; ts: number; price: number; feed_price: number }>(
      `SELECT seq, ts, price, feed_price FROM prices WHERE ts >= $1 AND ts <= $2 ORDER BY seq LIMIT $3 OFFSET $4`,
      [from ?? 0, to ?? Number.MAX_SAFE_INTEGER, limit, offset],
    );
    return rows.map((r) => ({ price: r.price, feed_price: r.feed_price, timestamp: iso(Number(r.ts)), ts: Number(r.ts), seq: Number(r.seq) }));
  }

  async historicalFunding(from: number | undefined, to: number | undefined, limit: number, offset: number): Promise<Record<string, unknown>[]> {
    const rows = await this.sql<{
      seq: number;
      ts: number;
      funding_rate: number;
      price: number;
      long_position_size: number;
      short_position_size: number;
      total_position_size: number;
    }>(
      `SELECT seq, ts, funding_rate, price, long_position_size, short_position_size, total_position_size
         FROM funding_rates WHERE ts >= $1 AND ts <= $2 ORDER BY seq LIMIT $3 OFFSET $4`,
      [from ?? 0, to ?? Number.MAX_SAFE_INTEGER, limit, offset],
    );
    return rows.map((r) => ({ ...r, seq: Number(r.seq), ts: Number(r.ts), timestamp: iso(Number(r.ts)) }));
  }

  /**
   * Candles of `interval`: the projection keeps 1-minute and 1-hour buckets; wider ones are
   * aggregated from them (first open, highest high, lowest low, last close).
   */
  async candles(interval: CandleInterval, since: number | undefined, limit: number, offset: number): Promise<Record<string, unknown>[]> {
    const width = CANDLE_INTERVALS[interval];
    const source = width % 3_600_000 === 0 ? '1h' : '1m';
    const rows = await this.sql<{ start: number; open: number; high: number; low: number; close: number; updates: number }>(
      `SELECT (bucket_ts / $2::bigint) * $2::bigint AS start,
              (array_agg(open ORDER BY bucket_ts))[1] AS open, max(high) AS high, min(low) AS low,
              (array_agg(close ORDER BY bucket_ts DESC))[1] AS close, sum(updates)::bigint AS updates
         FROM candles WHERE "interval" = $1 AND bucket_ts >= $3
        GROUP BY 1 ORDER BY 1 LIMIT $4 OFFSET $5`,
      [source, width, since === undefined ? 0 : Math.floor(since / width) * width, limit, offset],
    );
    return rows.map((r) => ({
      interval,
      start: iso(Number(r.start)),
      end: iso(Number(r.start) + width),
      start_ms: Number(r.start),
      open: r.open,
      high: r.high,
      low: r.low,
      close: r.close,
      updates: Number(r.updates),
    }));
  }

  // ---- orders ---------------------------------------------------------------------------------

  async orders(uuids: readonly string[]): Promise<(TraderOrder | null)[]> {
    if (uuids.length === 0) return [];
    const texts = await this.r(() => this.redis.mget(uuids.map((u) => this.keys.order(u))));
    return texts.map((t) => parseJson<TraderOrder>(t));
  }

  /** A trader order from Redis, or from PostgreSQL once its Redis copy expired. */
  async traderOrder(uuid: string): Promise<TraderOrder | null> {
    const [hot] = await this.orders([uuid]);
    if (hot !== null && hot !== undefined) return hot;
    if (this.pgPool === null) return null;
    const rows = await this.sql<Record<string, unknown>>(`SELECT * FROM orders WHERE uuid = $1`, [uuid]);
    return rows.length === 0 ? null : orderRow(rows[0]!);
  }

  async lendOrder(uuid: string): Promise<LendOrder | null> {
    const hot = parseJson<LendOrder>(await this.r(() => this.redis.get(this.keys.lend(uuid))));
    if (hot !== null) return hot;
    if (this.pgPool === null) return null;
    const rows = await this.sql<Record<string, unknown>>(`SELECT * FROM lend_orders WHERE uuid = $1`, [uuid]);
    return rows.length === 0 ? null : lendRow(rows[0]!);
  }

  /** Active (PENDING / FILLED) trader orders of the accounts, by entry_sequence. */
  async activeOrders(accounts: readonly string[]): Promise<TraderOrder[]> {
    const sets = await this.r(() => Promise.all(accounts.map((a) => this.redis.smembers(this.keys.accountOrders(a)))));
    const orders = await this.orders(sets.flat());
    return orders
      .filter((o): o is TraderOrder => o !== null && (o.order_status === 'PENDING' || o.order_status === 'FILLED'))
      .sort((a, b) => a.entry_sequence - b.entry_sequence);
  }

  async activeLends(accounts: readonly string[]): Promise<LendOrder[]> {
    const sets = await this.r(() => Promise.all(accounts.map((a) => this.redis.smembers(this.keys.accountLends(a)))));
    const uuids = sets.flat();
    if (uuids.length === 0) return [];
    const texts = await this.r(() => this.redis.mget(uuids.map((u) => this.keys.lend(u))));
    return texts.map((t) => parseJson<LendOrder>(t)).filter((l): l is LendOrder => l !== null && l.order_status === 'FILLED');
  }

  /** The account's newest trader order (optionally of one status): active ones from Redis, else PostgreSQL. */
  async recentOrder(account: string, status: string | null): Promise<TraderOrder | null> {
    const active = (await this.activeOrders([account])).filter((o) => status === null || o.order_status === status);
    if (active.length > 0) return active[active.length - 1]!;
    if (this.pgPool === null) return null;
    const rows = await this.sql<Record<string, unknown>>(
      `SELECT * FROM orders WHERE account_id = $1 AND ($2::text IS NULL OR order_status = $2) ORDER BY entry_sequence DESC LIMIT 1`,
      [account, status],
    );
    return rows.length === 0 ? null : orderRow(rows[0]!);
  }

  async orderHistoryOf(uuid: string): Promise<Record<string, unknown>[]> {
    const rows = await this.sql<Record<string, unknown>>(`SELECT * FROM position_history WHERE uuid = $1 ORDER BY seq`, [uuid]);
    return rows.map((r) => ({ ...r, seq: Number(r['seq']), ts: Number(r['ts']), timestamp: iso(Number(r['ts'])) }));
  }

  async ordersOfAccounts(accounts: readonly string[], limit: number, offset: number): Promise<TraderOrder[]> {
    const rows = await this.sql<Record<string, unknown>>(
      `SELECT * FROM orders WHERE account_id = ANY($1::text[]) ORDER BY updated_seq DESC LIMIT $2 OFFSET $3`,
      [accounts, limit, offset],
    );
    return rows.map(orderRow);
  }

  async tradeVolume(accounts: readonly string[], start: number, end: number): Promise<Record<string, unknown>> {
    const rows = await this.sql<{ kind: string; trades: number; entry_value: number; positionsize: number; fee: number }>(
      `SELECT kind, count(*)::bigint AS trades, sum(entry_value) AS entry_value, sum(positionsize) AS positionsize, sum(fee) AS fee
         FROM trades WHERE account_id = ANY($1::text[]) AND ts >= $2 AND ts <= $3 GROUP BY kind ORDER BY kind`,
      [accounts, start, end],
    );
    let trades = 0;
    let volume = 0;
    let size = 0;
    let fees = 0;
    const byKind: Record<string, unknown> = {};
    for (const r of rows) {
      trades += Number(r.trades);
      volume += r.entry_value;
      size += r.positionsize;
      fees += r.fee;
      byKind[r.kind] = { trades: Number(r.trades), volume: r.entry_value, positionsize: r.positionsize, fee: r.fee };
    }
    return { start: iso(start), end: iso(end), trades, volume, positionsize: size, fee: fees, by_kind: byKind };
  }

  /** uPnL of FILLED orders at the current price (SPEC §4.6). */
  async unrealized(orders: readonly TraderOrder[]): Promise<Record<string, unknown>> {
    const p = await this.price();
    const price = typeof p['price'] === 'number' ? p['price'] : null;
    const rows = orders
      .filter((o) => o.order_status === 'FILLED')
      .map((o) => ({
        uuid: o.uuid,
        account_id: o.account_id,
        position_type: o.position_type,
        entryprice: o.entryprice,
        positionsize: o.positionsize,
        initial_margin: o.initial_margin,
        available_margin: o.available_margin,
        liquidation_price: o.liquidation_price,
        unrealized_pnl: price === null ? null : formulas.unrealizedPnl(o.position_type, o.positionsize, o.entryprice, price),
      }));
    const total = price === null ? null : rows.reduce((s, r) => s + (r.unrealized_pnl ?? 0), 0);
    return { price, timestamp: p['timestamp'] ?? null, orders: rows, total_unrealized_pnl: total };
  }

  async ping(): Promise<boolean> {
    if (this.pgPool === null) return true;
    try {
      await this.pgPool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }
}

/** The order columns that are not numbers (ids, enums, the ISO time, the nullable prices and legs). */
const NOT_NUMERIC = new Set<string>([
  'uuid',
  'account_id',
  'position_type',
  'order_status',
  'order_type',
  'timestamp',
  'close_limit_price',
  'stop_loss_price',
  'take_profit_price',
  'sltp_on_fill',
]);
const NUMERIC_ORDER = new Set<string>(TRADER_ORDER_FIELDS.filter((k) => !NOT_NUMERIC.has(k)));

/** A PostgreSQL orders row in the §3 field order of a TraderOrder. */
function orderRow(r: Record<string, unknown>): TraderOrder {
  const o: Record<string, unknown> = {};
  for (const k of TRADER_ORDER_FIELDS) {
    const v = r[k];
    o[k] = NUMERIC_ORDER.has(k) ? Number(v) : v === undefined ? null : v;
  }
  return o as unknown as TraderOrder;
}

const LEND_KEYS = [
  'uuid',
  'account_id',
  'balance',
  'order_status',
  'order_type',
  'entry_nonce',
  'exit_nonce',
  'deposit',
  'new_lend_state_amount',
  'timestamp',
  'npoolshare',
  'nwithdraw',
  'payment',
  'tlv0',
  'tps0',
  'tlv1',
  'tps1',
  'tlv2',
  'tps2',
  'tlv3',
  'tps3',
  'entry_sequence',
];

function lendRow(r: Record<string, unknown>): LendOrder {
  const o: Record<string, unknown> = {};
  for (const k of LEND_KEYS) {
    const v = r[k];
    o[k] = typeof v === 'string' && k !== 'uuid' && k !== 'account_id' && k !== 'order_status' && k !== 'order_type' && k !== 'timestamp' ? Number(v) : v;
  }
  return o as unknown as LendOrder;
}
