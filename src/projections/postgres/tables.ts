// The query tables of the PostgreSQL read model: their columns (in COPY order) and how rows of a
// batch land: appended (one row per event, keyed by seq) or upserted (current state by key).
// migrations.ts creates them; rows.ts fills them; the benchmark's raw COPY uses the same specs.

export type Value = string | number | boolean | null;
export type Row = Value[];

export interface TableSpec {
  name: string;
  columns: readonly string[];
  /** Upserted tables: the conflict key and the SET list of ON CONFLICT DO UPDATE. */
  upsert?: { key: readonly string[]; set: string };
}

function updateAll(columns: readonly string[], keep: readonly string[]): string {
  return columns.filter((c) => !keep.includes(c)).map((c) => `${quote(c)} = EXCLUDED.${quote(c)}`).join(', ');
}

/** Column names that are SQL keywords need quotes. */
export function quote(c: string): string {
  return c === 'timestamp' || c === 'interval' || c === 'trigger' ? `"${c}"` : c;
}

export const EVENTS: TableSpec = {
  name: 'events',
  columns: ['seq', 'ts', 'cmd', 'type', 'account', 'data', 'hash'],
};

const ORDER_FIELDS = [
  'uuid', 'account_id', 'position_type', 'order_status', 'order_type', 'entryprice', 'execution_price',
  'positionsize', 'leverage', 'initial_margin', 'available_margin', 'timestamp', 'bankruptcy_price',
  'bankruptcy_value', 'maintenance_margin', 'liquidation_price', 'unrealized_pnl', 'settlement_price',
  'entry_nonce', 'exit_nonce', 'entry_sequence', 'fee_filled', 'fee_settled', 'close_limit_price',
  'stop_loss_price', 'take_profit_price', 'sltp_on_fill',
] as const;

const ORDER_COLUMNS = [...ORDER_FIELDS, 'created_seq', 'updated_seq', 'updated_ts'];

export const ORDERS: TableSpec = {
  name: 'orders',
  columns: ORDER_COLUMNS,
  upsert: { key: ['uuid'], set: updateAll(ORDER_COLUMNS, ['uuid', 'created_seq']) },
};

export const POSITION_HISTORY: TableSpec = {
  name: 'position_history',
  columns: [
    'seq', 'ts', 'event', 'uuid', 'account_id', 'order_status', 'position_type', 'order_type', 'entryprice',
    'leverage', 'initial_margin', 'available_margin', 'positionsize', 'maintenance_margin', 'liquidation_price',
    'unrealized_pnl', 'settlement_price', 'fee_filled', 'fee_settled', 'close_limit_price', 'stop_loss_price',
    'take_profit_price',
  ],
};

export const TRADES: TableSpec = {
  name: 'trades',
  columns: [
    'seq', 'ts', 'kind', 'uuid', 'account_id', 'position_type', 'order_type', 'price', 'positionsize',
    'entry_value', 'leverage', 'fee', 'payment', 'close_type', 'trigger',
  ],
};

export const SETTLEMENTS: TableSpec = {
  name: 'settlements',
  columns: [
    'seq', 'ts', 'uuid', 'account_id', 'position_type', 'order_type', 'close_type', 'trigger', 'settlement_price',
    'entryprice', 'positionsize', 'initial_margin', 'available_margin', 'unrealized_pnl', 'payment', 'fee_rate',
    'fee_settled', 'total_locked_value', 'total_pool_share', 'nonce',
  ],
};

export const LIQUIDATIONS: TableSpec = {
  name: 'liquidations',
  columns: [
    'seq', 'ts', 'uuid', 'account_id', 'position_type', 'trigger', 'price', 'entryprice', 'positionsize',
    'initial_margin', 'payment', 'total_locked_value', 'total_pool_share', 'nonce',
  ],
};

export const FUNDING_PAYMENTS: TableSpec = {
  name: 'funding_payments',
  columns: [
    'seq', 'ts', 'uuid', 'account_id', 'position_type', 'funding_rate', 'funding_payment', 'available_margin',
    'maintenance_margin', 'liquidation_price',
  ],
};

export const FUNDING_RATES: TableSpec = {
  name: 'funding_rates',
  columns: ['seq', 'ts', 'funding_rate', 'price', 'long_position_size', 'short_position_size', 'total_position_size'],
};

const LEND_FIELDS = [
  'uuid', 'account_id', 'balance', 'order_status', 'order_type', 'entry_nonce', 'exit_nonce', 'deposit',
  'new_lend_state_amount', 'timestamp', 'npoolshare', 'nwithdraw', 'payment', 'tlv0', 'tps0', 'tlv1', 'tps1',
  'tlv2', 'tps2', 'tlv3', 'tps3', 'entry_sequence',
] as const;

const LEND_COLUMNS = [...LEND_FIELDS, 'created_seq', 'updated_seq', 'updated_ts'];

export const LEND_ORDERS: TableSpec = {
  name: 'lend_orders',
  columns: LEND_COLUMNS,
  upsert: { key: ['uuid'], set: updateAll(LEND_COLUMNS, ['uuid', 'created_seq']) },
};

export const POOL_HISTORY: TableSpec = {
  name: 'pool_history',
  columns: ['seq', 'ts', 'cause', 'uuid', 'total_locked_value', 'total_pool_share', 'nonce', 'share_price'],
};

export const PRICES: TableSpec = {
  name: 'prices',
  columns: ['seq', 'ts', 'price', 'previous_price', 'feed_price'],
};

export const FEE_CHANGES: TableSpec = {
  name: 'fee_changes',
  columns: ['seq', 'ts', 'order_filled_on_market', 'order_filled_on_limit', 'order_settled_on_market', 'order_settled_on_limit'],
};

export const RISK_PARAM_CHANGES: TableSpec = {
  name: 'risk_param_changes',
  columns: ['seq', 'ts', 'max_oi_mult', 'max_net_mult', 'max_position_pct', 'min_position_btc', 'max_leverage', 'mm_ratio'],
};

export const RISK_FLAG_CHANGES: TableSpec = {
  name: 'risk_flag_changes',
  columns: ['seq', 'ts', 'manual_halt', 'manual_close_only', 'pause_funding', 'pause_price_feed'],
};

export const CANDLES: TableSpec = {
  name: 'candles',
  columns: ['interval', 'bucket_ts', 'open', 'high', 'low', 'close', 'updates', 'first_seq', 'last_seq'],
  upsert: {
    key: ['interval', 'bucket_ts'],
    // batches arrive in seq order: the stored open stays, the new close wins
    set: 'high = GREATEST(candles.high, EXCLUDED.high), low = LEAST(candles.low, EXCLUDED.low), '
      + 'close = EXCLUDED.close, updates = candles.updates + EXCLUDED.updates, last_seq = EXCLUDED.last_seq',
  },
};

/** Every table a batch writes, in write order. */
export const TABLES: readonly TableSpec[] = [
  EVENTS, POSITION_HISTORY, TRADES, SETTLEMENTS, LIQUIDATIONS, FUNDING_PAYMENTS, FUNDING_RATES, POOL_HISTORY,
  PRICES, FEE_CHANGES, RISK_PARAM_CHANGES, RISK_FLAG_CHANGES, ORDERS, LEND_ORDERS, CANDLES,
];

export const ORDER_ROW_FIELDS = ORDER_FIELDS;
export const LEND_ROW_FIELDS = LEND_FIELDS;

/** Candle intervals kept (label → bucket width in ms). */
export const CANDLE_INTERVALS: readonly (readonly [string, number])[] = [['1m', 60_000], ['1h', 3_600_000]];
