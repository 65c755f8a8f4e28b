// The query tables of the PostgreSQL read model: their columns and types (in COPY order) and how
// rows of a batch land: appended (one row per event, keyed by seq) or upserted (current state by
// key). migrations.ts creates them (a test checks the two agree); rows.ts fills them; the
// benchmark's raw COPY uses the same specs.

export type Value = string | number | boolean | null;
export type Row = Value[];

/** Column types, as COPY's binary format writes them (int8 and int4 hold JS integers). */
export type ColType = 'int8' | 'int4' | 'float8' | 'text' | 'json' | 'bool';

export interface TableSpec {
  name: string;
  columns: readonly string[];
  types: readonly ColType[];
  /** Upserted tables: the conflict key and the SET list of ON CONFLICT DO UPDATE. */
  upsert?: { key: readonly string[]; set: string };
}

/** Column names that are SQL keywords need quotes. */
export function quote(c: string): string {
  return c === 'timestamp' || c === 'interval' || c === 'trigger' ? `"${c}"` : c;
}

/** "name:type name:type …" → columns and types. */
function cols(spec: string): { columns: string[]; types: ColType[] } {
  const parts = spec
    .trim()
    .split(/\s+/)
    .map((p) => p.split(':') as [string, ColType]);
  return { columns: parts.map((p) => p[0]), types: parts.map((p) => p[1]) };
}

function updateAll(columns: readonly string[], keep: readonly string[]): string {
  return columns
    .filter((c) => !keep.includes(c))
    .map((c) => `${quote(c)} = EXCLUDED.${quote(c)}`)
    .join(', ');
}

export const EVENTS: TableSpec = {
  name: 'events',
  ...cols('seq:int8 ts:int8 cmd:text type:text account:text data:json hash:text'),
};

/** The TraderOrder fields (SPEC §3) in column order; sltp_on_fill is stored as JSON. */
const ORDER = cols(`
  uuid:text account_id:text position_type:text order_status:text order_type:text entryprice:float8 execution_price:float8
  positionsize:float8 leverage:float8 initial_margin:float8 available_margin:float8 timestamp:text bankruptcy_price:float8
  bankruptcy_value:float8 maintenance_margin:float8 liquidation_price:float8 unrealized_pnl:float8 settlement_price:float8
  entry_nonce:int8 exit_nonce:int8 entry_sequence:int8 fee_filled:float8 fee_settled:float8 close_limit_price:float8
  stop_loss_price:float8 take_profit_price:float8 sltp_on_fill:json`);
const ROW_META = cols('created_seq:int8 updated_seq:int8 updated_ts:int8');

export const ORDER_ROW_FIELDS = ORDER.columns as readonly (keyof import('../../engine/index.js').TraderOrder)[];

export const ORDERS: TableSpec = {
  name: 'orders',
  columns: [...ORDER.columns, ...ROW_META.columns],
  types: [...ORDER.types, ...ROW_META.types],
  upsert: { key: ['uuid'], set: updateAll([...ORDER.columns, ...ROW_META.columns], ['uuid', 'created_seq']) },
};

export const POSITION_HISTORY: TableSpec = {
  name: 'position_history',
  ...cols(`
    seq:int8 ts:int8 event:text uuid:text account_id:text order_status:text position_type:text order_type:text entryprice:float8
    leverage:float8 initial_margin:float8 available_margin:float8 positionsize:float8 maintenance_margin:float8 liquidation_price:float8
    unrealized_pnl:float8 settlement_price:float8 fee_filled:float8 fee_settled:float8 close_limit_price:float8 stop_loss_price:float8
    take_profit_price:float8 funding_rate:float8 funding_payment:float8`),
};

export const TRADES: TableSpec = {
  name: 'trades',
  ...cols(`
    seq:int8 ts:int8 kind:text uuid:text account_id:text position_type:text order_type:text price:float8 positionsize:float8
    entry_value:float8 leverage:float8 fee:float8 payment:float8 close_type:text trigger:text`),
};

export const SETTLEMENTS: TableSpec = {
  name: 'settlements',
  ...cols(`
    seq:int8 ts:int8 uuid:text account_id:text position_type:text order_type:text close_type:text trigger:text settlement_price:float8
    entryprice:float8 positionsize:float8 initial_margin:float8 available_margin:float8 unrealized_pnl:float8 payment:float8 fee_rate:float8
    fee_settled:float8 total_locked_value:float8 total_pool_share:float8 nonce:int8`),
};

export const LIQUIDATIONS: TableSpec = {
  name: 'liquidations',
  ...cols(`
    seq:int8 ts:int8 uuid:text account_id:text position_type:text trigger:text price:float8 entryprice:float8 positionsize:float8
    initial_margin:float8 payment:float8 total_locked_value:float8 total_pool_share:float8 nonce:int8`),
};

export const FUNDING_RATES: TableSpec = {
  name: 'funding_rates',
  ...cols('seq:int8 ts:int8 funding_rate:float8 price:float8 long_position_size:float8 short_position_size:float8 total_position_size:float8'),
};

/** The LendOrder fields (SPEC §3) in column order. */
const LEND = cols(`
  uuid:text account_id:text balance:float8 order_status:text order_type:text entry_nonce:int8 exit_nonce:int8 deposit:float8
  new_lend_state_amount:float8 timestamp:text npoolshare:float8 nwithdraw:float8 payment:float8 tlv0:float8 tps0:float8 tlv1:float8
  tps1:float8 tlv2:float8 tps2:float8 tlv3:float8 tps3:float8 entry_sequence:int8`);

export const LEND_ROW_FIELDS = LEND.columns as readonly (keyof import('../../engine/index.js').LendOrder)[];

export const LEND_ORDERS: TableSpec = {
  name: 'lend_orders',
  columns: [...LEND.columns, ...ROW_META.columns],
  types: [...LEND.types, ...ROW_META.types],
  upsert: { key: ['uuid'], set: updateAll([...LEND.columns, ...ROW_META.columns], ['uuid', 'created_seq']) },
};

export const POOL_HISTORY: TableSpec = {
  name: 'pool_history',
  ...cols('seq:int8 ts:int8 cause:text uuid:text total_locked_value:float8 total_pool_share:float8 nonce:int8 share_price:float8'),
};

export const PRICES: TableSpec = {
  name: 'prices',
  ...cols('seq:int8 ts:int8 price:float8 previous_price:float8 feed_price:float8'),
};

export const FEE_CHANGES: TableSpec = {
  name: 'fee_changes',
  ...cols('seq:int8 ts:int8 order_filled_on_market:float8 order_filled_on_limit:float8 order_settled_on_market:float8 order_settled_on_limit:float8'),
};

export const RISK_PARAM_CHANGES: TableSpec = {
  name: 'risk_param_changes',
  ...cols(
    'seq:int8 ts:int8 max_oi_mult:float8 max_net_mult:float8 max_position_pct:float8 min_position_btc:float8 max_leverage:float8 mm_ratio:float8 max_pnl_factor:float8 adl_target_factor:float8',
  ),
};

export const RISK_FLAG_CHANGES: TableSpec = {
  name: 'risk_flag_changes',
  ...cols('seq:int8 ts:int8 manual_halt:bool manual_close_only:bool pause_funding:bool pause_price_feed:bool'),
};

export const CANDLES: TableSpec = {
  name: 'candles',
  ...cols('interval:text bucket_ts:int8 open:float8 high:float8 low:float8 close:float8 updates:int4 first_seq:int8 last_seq:int8'),
  upsert: {
    key: ['interval', 'bucket_ts'],
    // batches arrive in seq order: the stored open stays, the new close wins
    set:
      'high = GREATEST(candles.high, EXCLUDED.high), low = LEAST(candles.low, EXCLUDED.low), ' +
      'close = EXCLUDED.close, updates = candles.updates + EXCLUDED.updates, last_seq = EXCLUDED.last_seq',
  },
};

/** Every table a batch writes, in write order. */
export const TABLES: readonly TableSpec[] = [
  EVENTS,
  POSITION_HISTORY,
  TRADES,
  SETTLEMENTS,
  LIQUIDATIONS,
  FUNDING_RATES,
  POOL_HISTORY,
  PRICES,
  FEE_CHANGES,
  RISK_PARAM_CHANGES,
  RISK_FLAG_CHANGES,
  ORDERS,
  LEND_ORDERS,
  CANDLES,
];

/** Candle intervals kept (label → bucket width in ms). */
export const CANDLE_INTERVALS: readonly (readonly [string, number])[] = [
  ['1m', 60_000],
  ['1h', 3_600_000],
];

/** PostgreSQL's name of each column type (information_schema.columns.data_type). */
export const PG_TYPE_NAMES: Readonly<Record<ColType, string>> = {
  int8: 'bigint',
  int4: 'integer',
  float8: 'double precision',
  text: 'text',
  json: 'json',
  bool: 'boolean',
};
