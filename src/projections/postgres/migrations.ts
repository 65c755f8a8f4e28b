// Versioned migrations of the PostgreSQL read model, applied in order on start inside the
// projection's schema (search_path is set to it). Version N is never edited once released: a
// change is a new entry. A schema whose version is above the last one here was written by a newer
// binary and is refused (see model.ts).

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const V1 = `
CREATE TABLE projection_checkpoint (
  id smallint PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL,
  hash text NOT NULL,
  ts bigint,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO projection_checkpoint (id, seq, hash) VALUES (1, 0, repeat('0', 64));

-- moves the checkpoint from p_from to p_to inside the batch's transaction, or aborts it
CREATE FUNCTION advance_checkpoint(p_from bigint, p_to bigint, p_hash text, p_ts bigint) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
  UPDATE projection_checkpoint SET seq = p_to, hash = p_hash, ts = p_ts, updated_at = now() WHERE id = 1 AND seq = p_from;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'relayer projection checkpoint is not at seq %', p_from USING ERRCODE = 'RL001';
  END IF;
END
$fn$;

-- the event log, one row per event; data is the event's data member as the log stored it
CREATE TABLE events (
  seq bigint PRIMARY KEY,
  ts bigint NOT NULL,
  cmd text NOT NULL,
  type text NOT NULL,
  account text,
  data json NOT NULL,
  hash text NOT NULL
);

-- every trader order in its current state (active ones as the engine holds them, terminal ones final)
CREATE TABLE orders (
  uuid text PRIMARY KEY,
  account_id text NOT NULL,
  position_type text NOT NULL,
  order_status text NOT NULL,
  order_type text NOT NULL,
  entryprice float8 NOT NULL,
  execution_price float8 NOT NULL,
  positionsize float8 NOT NULL,
  leverage float8 NOT NULL,
  initial_margin float8 NOT NULL,
  available_margin float8 NOT NULL,
  "timestamp" text NOT NULL,
  bankruptcy_price float8 NOT NULL,
  bankruptcy_value float8 NOT NULL,
  maintenance_margin float8 NOT NULL,
  liquidation_price float8 NOT NULL,
  unrealized_pnl float8 NOT NULL,
  settlement_price float8 NOT NULL,
  entry_nonce bigint NOT NULL,
  exit_nonce bigint NOT NULL,
  entry_sequence bigint NOT NULL,
  fee_filled float8 NOT NULL,
  fee_settled float8 NOT NULL,
  close_limit_price float8,
  stop_loss_price float8,
  take_profit_price float8,
  sltp_on_fill json,
  created_seq bigint NOT NULL,
  updated_seq bigint NOT NULL,
  updated_ts bigint NOT NULL
);
CREATE INDEX orders_by_account ON orders (account_id, entry_sequence DESC);
CREATE INDEX orders_open_limits ON orders (position_type, entryprice) WHERE order_status = 'PENDING';

-- the order after every event that changed it; funding_rate/funding_payment only on funding rows
CREATE TABLE position_history (
  seq bigint PRIMARY KEY,
  ts bigint NOT NULL,
  event text NOT NULL,
  uuid text NOT NULL,
  account_id text NOT NULL,
  order_status text NOT NULL,
  position_type text NOT NULL,
  order_type text NOT NULL,
  entryprice float8 NOT NULL,
  leverage float8 NOT NULL,
  initial_margin float8 NOT NULL,
  available_margin float8 NOT NULL,
  positionsize float8 NOT NULL,
  maintenance_margin float8 NOT NULL,
  liquidation_price float8 NOT NULL,
  unrealized_pnl float8 NOT NULL,
  settlement_price float8 NOT NULL,
  fee_filled float8 NOT NULL,
  fee_settled float8 NOT NULL,
  close_limit_price float8,
  stop_loss_price float8,
  take_profit_price float8,
  funding_rate float8,
  funding_payment float8
);
CREATE INDEX position_history_by_order ON position_history (uuid, seq);

-- opens and fills at the market, settlements and liquidations
CREATE TABLE trades (
  seq bigint PRIMARY KEY,
  ts bigint NOT NULL,
  kind text NOT NULL,
  uuid text NOT NULL,
  account_id text NOT NULL,
  position_type text NOT NULL,
  order_type text NOT NULL,
  price float8 NOT NULL,
  positionsize float8 NOT NULL,
  entry_value float8 NOT NULL,
  leverage float8 NOT NULL,
  fee float8 NOT NULL,
  payment float8,
  close_type text,
  "trigger" text
);
CREATE INDEX trades_by_ts ON trades (ts);
CREATE INDEX trades_by_account ON trades (account_id, ts);

CREATE TABLE settlements (
  seq bigint PRIMARY KEY,
  ts bigint NOT NULL,
  uuid text NOT NULL,
  account_id text NOT NULL,
  position_type text NOT NULL,
  order_type text NOT NULL,
  close_type text NOT NULL,
  "trigger" text NOT NULL,
  settlement_price float8 NOT NULL,
  entryprice float8 NOT NULL,
  positionsize float8 NOT NULL,
  initial_margin float8 NOT NULL,
  available_margin float8 NOT NULL,
  unrealized_pnl float8 NOT NULL,
  payment float8 NOT NULL,
  fee_rate float8 NOT NULL,
  fee_settled float8 NOT NULL,
  total_locked_value float8 NOT NULL,
  total_pool_share float8 NOT NULL,
  nonce bigint NOT NULL
);
CREATE INDEX settlements_by_order ON settlements (uuid);

CREATE TABLE liquidations (
  seq bigint PRIMARY KEY,
  ts bigint NOT NULL,
  uuid text NOT NULL,
  account_id text NOT NULL,
  position_type text NOT NULL,
  "trigger" text NOT NULL,
  price float8 NOT NULL,
  entryprice float8 NOT NULL,
  positionsize float8 NOT NULL,
  initial_margin float8 NOT NULL,
  payment float8 NOT NULL,
  total_locked_value float8 NOT NULL,
  total_pool_share float8 NOT NULL,
  nonce bigint NOT NULL
);
CREATE INDEX liquidations_by_order ON liquidations (uuid);

-- funding payments are the history rows of TraderOrderFundingApplied (stored once)
CREATE VIEW funding_payments AS
  SELECT seq, ts, uuid, account_id, position_type, funding_rate, funding_payment, available_margin, maintenance_margin, liquidation_price
  FROM position_history WHERE event = 'TraderOrderFundingApplied';

CREATE TABLE funding_rates (
  seq bigint PRIMARY KEY,
  ts bigint NOT NULL,
  funding_rate float8 NOT NULL,
  price float8 NOT NULL,
  long_position_size float8 NOT NULL,
  short_position_size float8 NOT NULL,
  total_position_size float8 NOT NULL
);
CREATE INDEX funding_rates_by_ts ON funding_rates (ts);

CREATE TABLE lend_orders (
  uuid text PRIMARY KEY,
  account_id text NOT NULL,
  balance float8 NOT NULL,
  order_status text NOT NULL,
  order_type text NOT NULL,
  entry_nonce bigint NOT NULL,
  exit_nonce bigint NOT NULL,
  deposit float8 NOT NULL,
  new_lend_state_amount float8 NOT NULL,
  "timestamp" text NOT NULL,
  npoolshare float8 NOT NULL,
  nwithdraw float8 NOT NULL,
  payment float8 NOT NULL,
  tlv0 float8 NOT NULL,
  tps0 float8 NOT NULL,
  tlv1 float8 NOT NULL,
  tps1 float8 NOT NULL,
  tlv2 float8 NOT NULL,
  tps2 float8 NOT NULL,
  tlv3 float8 NOT NULL,
  tps3 float8 NOT NULL,
  entry_sequence bigint NOT NULL,
  created_seq bigint NOT NULL,
  updated_seq bigint NOT NULL,
  updated_ts bigint NOT NULL
);
CREATE INDEX lend_orders_by_account ON lend_orders (account_id, entry_sequence DESC);

-- the pool after every event that moved it (genesis, deposits, withdrawals, settlements, liquidations)
CREATE TABLE pool_history (
  seq bigint PRIMARY KEY,
  ts bigint NOT NULL,
  cause text NOT NULL,
  uuid text,
  total_locked_value float8 NOT NULL,
  total_pool_share float8 NOT NULL,
  nonce bigint NOT NULL,
  share_price float8
);
CREATE INDEX pool_history_by_ts ON pool_history (ts);

CREATE TABLE prices (
  seq bigint PRIMARY KEY,
  ts bigint NOT NULL,
  price float8 NOT NULL,
  previous_price float8,
  feed_price float8 NOT NULL
);
CREATE INDEX prices_by_ts ON prices (ts);

CREATE TABLE fee_changes (
  seq bigint PRIMARY KEY,
  ts bigint NOT NULL,
  order_filled_on_market float8 NOT NULL,
  order_filled_on_limit float8 NOT NULL,
  order_settled_on_market float8 NOT NULL,
  order_settled_on_limit float8 NOT NULL
);

CREATE TABLE risk_param_changes (
  seq bigint PRIMARY KEY,
  ts bigint NOT NULL,
  max_oi_mult float8 NOT NULL,
  max_net_mult float8 NOT NULL,
  max_position_pct float8 NOT NULL,
  min_position_btc float8 NOT NULL,
  max_leverage float8 NOT NULL,
  mm_ratio float8 NOT NULL
);

CREATE TABLE risk_flag_changes (
  seq bigint PRIMARY KEY,
  ts bigint NOT NULL,
  manual_halt boolean NOT NULL,
  manual_close_only boolean NOT NULL,
  pause_funding boolean NOT NULL,
  pause_price_feed boolean NOT NULL
);

-- OHLC of the price events; bucket_ts is the bucket's start (ms), the primary key serves ranges
CREATE TABLE candles (
  "interval" text NOT NULL,
  bucket_ts bigint NOT NULL,
  open float8 NOT NULL,
  high float8 NOT NULL,
  low float8 NOT NULL,
  close float8 NOT NULL,
  updates integer NOT NULL,
  first_seq bigint NOT NULL,
  last_seq bigint NOT NULL,
  PRIMARY KEY ("interval", bucket_ts)
);
`;

// SPEC §15: the PnL cap and the ADL target (0 = off, also for the rows written before them)
const V2 = `
ALTER TABLE risk_param_changes
  ADD COLUMN max_pnl_factor float8 NOT NULL DEFAULT 0,
  ADD COLUMN adl_target_factor float8 NOT NULL DEFAULT 0;
`;

// Every row names its market (SPEC §13). A schema holds one market's read model (D182), so the
// column is that market for every row, fixed by a default and a check; the market comes from the
// session setting relayer.market that migrate() sets. Existing BTC-USD schemas get 'BTC-USD'.
const V3 = `
DO $m$
DECLARE
  m text := current_setting('relayer.market');
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['events', 'orders', 'position_history', 'trades', 'settlements', 'liquidations',
    'funding_rates', 'lend_orders', 'pool_history', 'prices', 'fee_changes', 'risk_param_changes',
    'risk_flag_changes', 'candles'] LOOP
    EXECUTE format('ALTER TABLE %I ADD COLUMN market text NOT NULL DEFAULT %L CHECK (market = %L)', t, m, m);
  END LOOP;
END
$m$;
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'read model tables', sql: V1 },
  { version: 2, name: 'PnL cap and ADL target parameters', sql: V2 },
  { version: 3, name: 'the market of every row', sql: V3 },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
