// Domain vocabulary of SPEC.md §1–§3: sides, statuses, reason codes, order and pool records.

export type PositionType = 'LONG' | 'SHORT';
export type OpenOrderType = 'MARKET' | 'LIMIT';
export type CloseOrderType = 'MARKET' | 'LIMIT' | 'SLTP';
export type CloseType = 'MARKET' | 'LIMIT' | 'StopLoss' | 'TakeProfit' | 'ADL';
export type TraderStatus = 'PENDING' | 'FILLED' | 'SETTLED' | 'CANCELLED' | 'LIQUIDATE';
export type LendStatus = 'FILLED' | 'SETTLED';

/** §2.7: the status field of a Rejected event. */
export type RejectStatus = 'RejectedByRiskEngine' | 'CANCELLED' | 'DuplicateOrder' | 'OrderNotFound' | 'Error';

/** §2.7: every reason code the engine can emit. */
export type ReasonCode =
  | 'NO_PRICE'
  | 'PRICE_FEED_PAUSED'
  | 'HALT:MANUAL_HALT'
  | 'HALT:POOL_EQUITY_INVALID'
  | 'CLOSE_ONLY:MANUAL_CLOSE_ONLY'
  | 'INVALID_PARAMS'
  | 'LEVERAGE_TOO_HIGH'
  | 'BELOW_MIN_SIZE'
  | 'SIZE_TOO_LARGE'
  | 'OI_LIMIT_REACHED'
  | 'SKEW_LIMIT_REACHED'
  | 'LIMIT_REACHED'
  | 'UNSUPPORTED_ORDER_TYPE'
  | 'INVALID_SLTP'
  | 'BELOW_MIN_DEPOSIT'
  | 'DUPLICATE_ORDER'
  | 'DUPLICATE_REQUEST'
  | 'ORDER_NOT_FOUND'
  | 'INVALID_STATUS'
  | 'NO_CLOSE_LIMIT'
  | 'NO_STOP_LOSS'
  | 'NO_TAKE_PROFIT'
  | 'INSUFFICIENT_POOL_FUNDS'
  | 'POOL_EXISTS'
  | 'UNSUPPORTED_ENCODING'
  | 'PNL_CAP_REACHED';

export interface SlTp {
  sl: number | null;
  tp: number | null;
}

/** §3 TraderOrder snapshot; key order here is the order on the wire. */
export interface TraderOrder {
  uuid: string;
  account_id: string;
  position_type: PositionType;
  order_status: TraderStatus;
  order_type: OpenOrderType;
  entryprice: number;
  execution_price: number;
  positionsize: number;
  leverage: number;
  initial_margin: number;
  available_margin: number;
  timestamp: string;
  bankruptcy_price: number;
  bankruptcy_value: number;
  maintenance_margin: number;
  liquidation_price: number;
  unrealized_pnl: number;
  settlement_price: number;
  entry_nonce: number;
  exit_nonce: number;
  entry_sequence: number;
  fee_filled: number;
  fee_settled: number;
  close_limit_price: number | null;
  stop_loss_price: number | null;
  take_profit_price: number | null;
  sltp_on_fill: SlTp | null;
}

/** A TraderOrder's fields in SPEC §3's order (snapshot rows, read-model rows, API answers). */
export const TRADER_ORDER_FIELDS = [
  'uuid',
  'account_id',
  'position_type',
  'order_status',
  'order_type',
  'entryprice',
  'execution_price',
  'positionsize',
  'leverage',
  'initial_margin',
  'available_margin',
  'timestamp',
  'bankruptcy_price',
  'bankruptcy_value',
  'maintenance_margin',
  'liquidation_price',
  'unrealized_pnl',
  'settlement_price',
  'entry_nonce',
  'exit_nonce',
  'entry_sequence',
  'fee_filled',
  'fee_settled',
  'close_limit_price',
  'stop_loss_price',
  'take_profit_price',
  'sltp_on_fill',
] as const satisfies readonly (keyof TraderOrder)[];

/** §3 LendOrder snapshot. */
export interface LendOrder {
  uuid: string;
  account_id: string;
  balance: number;
  order_status: LendStatus;
  order_type: 'LEND';
  entry_nonce: number;
  exit_nonce: number;
  deposit: number;
  new_lend_state_amount: number;
  timestamp: string;
  npoolshare: number;
  nwithdraw: number;
  payment: number;
  tlv0: number;
  tps0: number;
  tlv1: number;
  tps1: number;
  tlv2: number;
  tps2: number;
  tlv3: number;
  tps3: number;
  entry_sequence: number;
}

export interface Pool {
  total_locked_value: number;
  total_pool_share: number;
  nonce: number;
}

/** Fee rates in percent (§4 defaults 0.04 / 0.02 / 0.04 / 0.02). */
export interface Fees {
  order_filled_on_market: number;
  order_filled_on_limit: number;
  order_settled_on_market: number;
  order_settled_on_limit: number;
}

/**
 * §6.2 / §4 / §15 risk parameters. The two §15 factors are absent until an UpdateRiskParams sets
 * them (absent = 0 = off), so a state that never touched them encodes and hashes as before (D101).
 */
export interface RiskParams {
  max_oi_mult: number;
  max_net_mult: number;
  max_position_pct: number;
  min_position_btc: number;
  max_leverage: number;
  mm_ratio: number;
  max_pnl_factor?: number;
  adl_target_factor?: number;
}

/** §6.1 exposure totals (sats of EV). */
export interface RiskTotals {
  total_long_btc: number;
  total_short_btc: number;
  total_pending_long_btc: number;
  total_pending_short_btc: number;
}

export interface RiskFlags {
  manual_halt: boolean;
  manual_close_only: boolean;
  pause_funding: boolean;
  pause_price_feed: boolean;
}

export type MarketStatus = 'HEALTHY' | 'CLOSE_ONLY' | 'HALT';

export const DEFAULT_FEES: Readonly<Fees> = Object.freeze({
  order_filled_on_market: 0.04,
  order_filled_on_limit: 0.02,
  order_settled_on_market: 0.04,
  order_settled_on_limit: 0.02,
});

export const DEFAULT_RISK_PARAMS: Readonly<RiskParams> = Object.freeze({
  max_oi_mult: 4.0,
  max_net_mult: 0.8,
  max_position_pct: 0.02,
  min_position_btc: 0,
  max_leverage: 50,
  mm_ratio: 0.4,
});

/**
 * The four limits of SPEC §12 "Bounded memory" (defaults §2, §12): how long and how many command
 * ids and closed orders the engine remembers. Engine parameters, never process flags; a state
 * that uses other values carries them in its snapshot header (and so in its hash).
 */
export interface EngineConfig {
  dedupe_window_ms: number;
  dedupe_max_ids: number;
  history_window_ms: number;
  history_max_orders: number;
  /** The market this engine runs (SPEC §13); BTC-USD by default. */
  market: string;
}

export const DEFAULT_CONFIG: Readonly<EngineConfig> = Object.freeze({
  dedupe_window_ms: 24 * 3600 * 1000,
  dedupe_max_ids: 1_000_000,
  history_window_ms: 24 * 3600 * 1000,
  history_max_orders: 1_000_000,
  market: 'BTC-USD',
});

/** Feed staleness thresholds (SPEC §4 defaults: warn 10 s, halt 30 s); changed by UpdateFeedParams. */
export interface FeedParams {
  stale_warn_ms: number;
  stale_halt_ms: number;
}

export const DEFAULT_FEED_PARAMS: Readonly<FeedParams> = Object.freeze({
  stale_warn_ms: 10_000,
  stale_halt_ms: 30_000,
});

/** Hard leverage cap of §2.1 rule 4 whatever max_leverage says. */
export const HARD_MAX_LEVERAGE = 50;

/** uuidv5 namespace of §2. */
export const UUID_NAMESPACE = '6f2b8f0e-6c1a-4c4e-9a57-3b1d2f6a9e10';
