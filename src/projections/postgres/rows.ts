// Turns a batch of events into the rows of every PostgreSQL table. Append-only tables get one
// row per event; orders, lend orders and candles are collapsed to their state at the end of the
// batch (one upsert per key), so a batch never touches a key twice.
import type { LendOrder, State, TraderOrder } from '../../engine/index.js';
import { dataText, type Batch, type ProjectedEvent } from '../batch.js';
import { copyBinary } from './encode.js';
import type { Builder } from '../runner.js';
import { lendAfter, orderAfter, sharePrice, tradeOf } from '../mirror.js';
import {
  CANDLE_INTERVALS, CANDLES, EVENTS, FEE_CHANGES, FUNDING_PAYMENTS, FUNDING_RATES, LEND_ORDERS, LEND_ROW_FIELDS, LIQUIDATIONS,
  ORDER_ROW_FIELDS, ORDERS, POOL_HISTORY, POSITION_HISTORY, PRICES, RISK_FLAG_CHANGES, RISK_PARAM_CHANGES, SETTLEMENTS,
  TABLES, TRADES, type Row, type TableSpec, type Value,
} from './tables.js';

export interface PgBatch {
  /** Rows per table, in TABLES order; tables without rows are left out. */
  tables: { spec: TableSpec; rows: Row[]; copy: Buffer | null }[];
  events: number;
  /** Written with COPY (rows encoded in COPY's binary format here, off the write path) or INSERT. */
  copy: boolean;
}

interface Latest<T> { value: T; first: number; seq: number; ts: number }

interface Candle { open: number; high: number; low: number; close: number; updates: number; first: number; last: number }

export function orderRow(o: TraderOrder, created: number, seq: number, ts: number): Row {
  const r: Row = new Array(ORDER_ROW_FIELDS.length + 3);
  for (let i = 0; i < ORDER_ROW_FIELDS.length; i++) {
    const f = ORDER_ROW_FIELDS[i]!;
    r[i] = f === 'sltp_on_fill' ? (o.sltp_on_fill === null ? null : JSON.stringify(o.sltp_on_fill)) : o[f] as Value;
  }
  r[ORDER_ROW_FIELDS.length] = created;
  r[ORDER_ROW_FIELDS.length + 1] = seq;
  r[ORDER_ROW_FIELDS.length + 2] = ts;
  return r;
}

export function lendRow(l: LendOrder, created: number, seq: number, ts: number): Row {
  const r: Row = new Array(LEND_ROW_FIELDS.length + 3);
  for (let i = 0; i < LEND_ROW_FIELDS.length; i++) r[i] = l[LEND_ROW_FIELDS[i]!] as Value;
  r[LEND_ROW_FIELDS.length] = created;
  r[LEND_ROW_FIELDS.length + 1] = seq;
  r[LEND_ROW_FIELDS.length + 2] = ts;
  return r;
}

export class PgBuilder implements Builder<PgBatch> {
  private readonly rows = new Map<TableSpec, Row[]>();
  private readonly orders = new Map<string, Latest<TraderOrder>>();
  private readonly lends = new Map<string, Latest<LendOrder>>();
  private readonly candles = new Map<string, Candle>();
  private count = 0;

  /** Batches of more than `insertMax` events are encoded for COPY. */
  constructor(private readonly insertMax = 0) {}

  private push(spec: TableSpec, row: Row): void {
    let list = this.rows.get(spec);
    if (list === undefined) { list = []; this.rows.set(spec, list); }
    list.push(row);
  }

  add(ev: ProjectedEvent, state: State): void {
    const env = ev.env;
    const { seq, ts } = env;
    this.count++;
    this.push(EVENTS, [seq, ts, env.cmd, env.type, ev.account, dataText(ev.line), ev.hash]);
    const o = orderAfter(env, state);
    if (o !== null) {
      this.push(POSITION_HISTORY, [
        seq, ts, env.type, o.uuid, o.account_id, o.order_status, o.position_type, o.order_type, o.entryprice,
        o.leverage, o.initial_margin, o.available_margin, o.positionsize, o.maintenance_margin, o.liquidation_price,
        o.unrealized_pnl, o.settlement_price, o.fee_filled, o.fee_settled, o.close_limit_price, o.stop_loss_price,
        o.take_profit_price,
      ]);
      const prev = this.orders.get(o.uuid);
      this.orders.set(o.uuid, { value: o, first: prev?.first ?? seq, seq, ts });
      const t = tradeOf(env);
      if (t !== null) {
        this.push(TRADES, [
          t.seq, t.ts, t.kind, t.uuid, t.account_id, t.position_type, t.order_type, t.price, t.positionsize,
          t.entry_value, t.leverage, t.fee, t.payment, t.close_type, t.trigger,
        ]);
      }
    }
    const l = lendAfter(env);
    if (l !== null) {
      const prev = this.lends.get(l.uuid);
      this.lends.set(l.uuid, { value: l, first: prev?.first ?? seq, seq, ts });
    }
    switch (env.type) {
      case 'TraderOrderSettled': {
        const d = env.data;
        const x = d.order;
        this.push(SETTLEMENTS, [
          seq, ts, x.uuid, x.account_id, x.position_type, x.order_type, d.close_type, d.trigger, x.settlement_price,
          x.entryprice, x.positionsize, x.initial_margin, x.available_margin, x.unrealized_pnl, d.payment, d.fee_rate,
          x.fee_settled, d.pool.total_locked_value, d.pool.total_pool_share, d.pool.nonce,
        ]);
        this.pool(seq, ts, env.type, x.uuid, d.pool);
        return;
      }
      case 'TraderOrderLiquidated': {
        const d = env.data;
        const x = d.order;
        this.push(LIQUIDATIONS, [
          seq, ts, x.uuid, x.account_id, x.position_type, d.trigger, d.price, x.entryprice, x.positionsize,
          x.initial_margin, d.payment, d.pool.total_locked_value, d.pool.total_pool_share, d.pool.nonce,
        ]);
        this.pool(seq, ts, env.type, x.uuid, d.pool);
        return;
      }
      case 'TraderOrderFundingApplied': {
        const d = env.data;
        const x = d.order;
        this.push(FUNDING_PAYMENTS, [
          seq, ts, x.uuid, x.account_id, x.position_type, d.funding_rate, d.funding_payment, x.available_margin,
          x.maintenance_margin, x.liquidation_price,
        ]);
        return;
      }
      case 'FundingRateUpdated': {
        const d = env.data;
        this.push(FUNDING_RATES, [seq, ts, d.funding_rate, d.price, d.long_position_size, d.short_position_size, d.total_position_size]);
        return;
      }
      case 'LendOrderCreated': case 'LendOrderSettled':
        this.pool(seq, ts, env.type, env.data.lend_order.uuid, env.data.pool);
        return;
      case 'PoolInitialized':
        this.pool(seq, ts, env.type, null, env.data.pool);
        return;
      case 'PriceUpdated': {
        const d = env.data;
        this.push(PRICES, [seq, ts, d.price, d.previous_price, d.feed_price]);
        for (const [label, width] of CANDLE_INTERVALS) this.tick(label, width, seq, ts, d.price);
        return;
      }
      case 'FeesUpdated': {
        const d = env.data;
        this.push(FEE_CHANGES, [seq, ts, d.order_filled_on_market, d.order_filled_on_limit, d.order_settled_on_market, d.order_settled_on_limit]);
        return;
      }
      case 'RiskParamsUpdated': {
        const p = env.data.params;
        this.push(RISK_PARAM_CHANGES, [seq, ts, p.max_oi_mult, p.max_net_mult, p.max_position_pct, p.min_position_btc, p.max_leverage, p.mm_ratio]);
        return;
      }
      case 'RiskFlagsUpdated': {
        const f = env.data;
        this.push(RISK_FLAG_CHANGES, [seq, ts, f.manual_halt, f.manual_close_only, f.pause_funding, f.pause_price_feed]);
        return;
      }
      default:
        return;
    }
  }

  private pool(seq: number, ts: number, cause: string, uuid: string | null, p: { total_locked_value: number; total_pool_share: number; nonce: number }): void {
    this.push(POOL_HISTORY, [seq, ts, cause, uuid, p.total_locked_value, p.total_pool_share, p.nonce, sharePrice(p)]);
  }

  private tick(label: string, width: number, seq: number, ts: number, price: number): void {
    const bucket = Math.floor(ts / width) * width;
    const key = `${label}:${bucket}`;
    const c = this.candles.get(key);
    if (c === undefined) {
      this.candles.set(key, { open: price, high: price, low: price, close: price, updates: 1, first: seq, last: seq });
      return;
    }
    if (price > c.high) c.high = price;
    if (price < c.low) c.low = price;
    c.close = price;
    c.updates++;
    c.last = seq;
  }

  finish(_batch: Batch, _state: State): PgBatch {
    for (const l of this.orders.values()) this.push(ORDERS, orderRow(l.value, l.first, l.seq, l.ts));
    for (const l of this.lends.values()) this.push(LEND_ORDERS, lendRow(l.value, l.first, l.seq, l.ts));
    for (const [key, c] of this.candles) {
      const i = key.indexOf(':');
      this.push(CANDLES, [key.slice(0, i), Number(key.slice(i + 1)), c.open, c.high, c.low, c.close, c.updates, c.first, c.last]);
    }
    const copy = this.count > this.insertMax;
    const tables: PgBatch['tables'] = [];
    for (const spec of TABLES) {
      const rows = this.rows.get(spec);
      // encoded rows are dropped at once: only the bytes wait for the write
      if (rows !== undefined && rows.length > 0) tables.push(copy ? { spec, rows: [], copy: copyBinary(rows, spec.types) } : { spec, rows, copy: null });
    }
    return { tables, events: this.count, copy };
  }
}
