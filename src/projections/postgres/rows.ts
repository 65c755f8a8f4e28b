// Turns a batch of events into the rows of every PostgreSQL table. Append-only tables get one
// row per event; orders, lend orders and candles are collapsed to their state at the end of the
// batch (one upsert per key), so a batch never touches a key twice.
import type { LendOrder, State, TraderOrder } from '../../engine/index.js';
import { dataText, type Batch, type ProjectedEvent } from '../batch.js';
import { columnList, conflict, copyBinary, insertSql } from './encode.js';
import type { Builder } from '../runner.js';
import { lendAfter, orderAfter, sharePrice, tradeOf } from '../mirror.js';
import {
  CANDLE_INTERVALS,
  CANDLES,
  EVENTS,
  FEE_CHANGES,
  FUNDING_RATES,
  LEND_ORDERS,
  LEND_ROW_FIELDS,
  LIQUIDATIONS,
  ORDER_ROW_FIELDS,
  ORDERS,
  POOL_HISTORY,
  POSITION_HISTORY,
  PRICES,
  RISK_FLAG_CHANGES,
  RISK_PARAM_CHANGES,
  SETTLEMENTS,
  TABLES,
  TRADES,
  type Row,
  type TableSpec,
  type Value,
} from './tables.js';

/**
 * A batch ready to write, encoded while the previous batch was being written. Small batches are
 * one multi-statement INSERT (one round trip, one implicit transaction). Bigger ones are
 * BEGIN + INSERTs of the small tables, then a binary COPY per bigger table, then the upserts of
 * current-state tables and COMMIT: few round trips whatever the batch size.
 */
export interface PgBatch {
  events: number;
  /** true: `head` and `tail` form the whole transaction, sent at once without COPY. */
  single: boolean;
  /** Statements sent with BEGIN, before the COPYs. */
  head: string[];
  copies: { table: string; sql: string; data: Buffer }[];
  /** Statements sent after the COPYs (then the checkpoint and COMMIT). */
  tail: string[];
  /** Rows per table, kept only when asked (the benchmark's raw COPY uses them). */
  rows: { spec: TableSpec; rows: Row[] }[] | null;
}

export interface PgBuilderOptions {
  /** Batches of at most this many events are one INSERT transaction. */
  insertMax: number;
  /** Keep the rows in the batch (they are otherwise dropped once encoded). */
  keepRows?: boolean;
}

/** Append-only tables with at most this many rows in a batch go as INSERT, not COPY. */
const SMALL_TABLE = 64;
/** Current-state tables with at most this many rows are upserted from VALUES, not from staging. */
const SMALL_UPSERT = 500;

/** Name of the temporary table COPY fills before an upsert. */
export function stageOf(spec: TableSpec): string {
  return `stage_${spec.name}`;
}

interface Latest<T> {
  value: T;
  first: number;
  seq: number;
  ts: number;
}

interface Candle {
  open: number;
  high: number;
  low: number;
  close: number;
  updates: number;
  first: number;
  last: number;
}

export function orderRow(o: TraderOrder, created: number, seq: number, ts: number): Row {
  const r: Row = new Array(ORDER_ROW_FIELDS.length + 3);
  for (let i = 0; i < ORDER_ROW_FIELDS.length; i++) {
    const f = ORDER_ROW_FIELDS[i]!;
    r[i] = f === 'sltp_on_fill' ? (o.sltp_on_fill === null ? null : JSON.stringify(o.sltp_on_fill)) : (o[f] as Value);
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

  constructor(private readonly opts: PgBuilderOptions) {}

  private push(spec: TableSpec, row: Row): void {
    let list = this.rows.get(spec);
    if (list === undefined) {
      list = [];
      this.rows.set(spec, list);
    }
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
        seq,
        ts,
        env.type,
        o.uuid,
        o.account_id,
        o.order_status,
        o.position_type,
        o.order_type,
        o.entryprice,
        o.leverage,
        o.initial_margin,
        o.available_margin,
        o.positionsize,
        o.maintenance_margin,
        o.liquidation_price,
        o.unrealized_pnl,
        o.settlement_price,
        o.fee_filled,
        o.fee_settled,
        o.close_limit_price,
        o.stop_loss_price,
        o.take_profit_price,
        env.type === 'TraderOrderFundingApplied' ? env.data.funding_rate : null,
        env.type === 'TraderOrderFundingApplied' ? env.data.funding_payment : null,
      ]);
      const prev = this.orders.get(o.uuid);
      this.orders.set(o.uuid, { value: o, first: prev?.first ?? seq, seq, ts });
      const t = tradeOf(env);
      if (t !== null) {
        this.push(TRADES, [
          t.seq,
          t.ts,
          t.kind,
          t.uuid,
          t.account_id,
          t.position_type,
          t.order_type,
          t.price,
          t.positionsize,
          t.entry_value,
          t.leverage,
          t.fee,
          t.payment,
          t.close_type,
          t.trigger,
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
          seq,
          ts,
          x.uuid,
          x.account_id,
          x.position_type,
          x.order_type,
          d.close_type,
          d.trigger,
          x.settlement_price,
          x.entryprice,
          x.positionsize,
          x.initial_margin,
          x.available_margin,
          x.unrealized_pnl,
          d.payment,
          d.fee_rate,
          x.fee_settled,
          d.pool.total_locked_value,
          d.pool.total_pool_share,
          d.pool.nonce,
        ]);
        this.pool(seq, ts, env.type, x.uuid, d.pool);
        return;
      }
      case 'TraderOrderLiquidated': {
        const d = env.data;
        const x = d.order;
        this.push(LIQUIDATIONS, [
          seq,
          ts,
          x.uuid,
          x.account_id,
          x.position_type,
          d.trigger,
          d.price,
          x.entryprice,
          x.positionsize,
          x.initial_margin,
          d.payment,
          d.pool.total_locked_value,
          d.pool.total_pool_share,
          d.pool.nonce,
        ]);
        this.pool(seq, ts, env.type, x.uuid, d.pool);
        return;
      }
      case 'FundingRateUpdated': {
        const d = env.data;
        this.push(FUNDING_RATES, [seq, ts, d.funding_rate, d.price, d.long_position_size, d.short_position_size, d.total_position_size]);
        return;
      }
      case 'LendOrderCreated':
      case 'LendOrderSettled':
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
        this.push(RISK_PARAM_CHANGES, [
          seq,
          ts,
          p.max_oi_mult,
          p.max_net_mult,
          p.max_position_pct,
          p.min_position_btc,
          p.max_leverage,
          p.mm_ratio,
          p.max_pnl_factor ?? 0,
          p.adl_target_factor ?? 0,
        ]);
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
    const single = this.count <= this.opts.insertMax;
    const out: PgBatch = { events: this.count, single, head: [], copies: [], tail: [], rows: this.opts.keepRows ? [] : null };
    for (const spec of TABLES) {
      const rows = this.rows.get(spec);
      if (rows === undefined || rows.length === 0) continue;
      out.rows?.push({ spec, rows });
      const cols = columnList(spec);
      if (spec.upsert === undefined) {
        if (single || rows.length <= SMALL_TABLE) out.head.push(insertSql(spec, rows));
        else out.copies.push({ table: spec.name, sql: `COPY ${spec.name} (${cols}) FROM STDIN WITH (FORMAT binary)`, data: copyBinary(rows, spec.types) });
      } else if (single || rows.length <= SMALL_UPSERT) {
        out.tail.push(insertSql(spec, rows));
      } else {
        out.copies.push({ table: stageOf(spec), sql: `COPY ${stageOf(spec)} (${cols}) FROM STDIN WITH (FORMAT binary)`, data: copyBinary(rows, spec.types) });
        out.tail.push(`INSERT INTO ${spec.name} (${cols}) SELECT ${cols} FROM ${stageOf(spec)}${conflict(spec)}`);
      }
    }
    return out;
  }
}
