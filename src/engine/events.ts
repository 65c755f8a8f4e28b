// Every event of SPEC.md §3 as a discriminated union, plus the envelope of DESIGN §3.
import type {
  CloseType,
  FeedParams,
  Fees,
  LendOrder,
  Pool,
  PositionType,
  ReasonCode,
  RejectStatus,
  RiskFlags,
  RiskParams,
  RiskTotals,
  TraderOrder,
} from './types.js';

export type LegKind = 'CloseLimit' | 'StopLoss' | 'TakeProfit';
export type LegRemoveReason = 'USER' | 'SETTLED' | 'LIQUIDATED' | 'ADMIN';

export interface LegPlaced {
  order_id: string;
  account_id: string;
  position_type: PositionType;
  price: number;
  old_price: number | null;
}
export interface LegRemoved {
  order_id: string;
  account_id: string;
  position_type: PositionType;
  old_price: number;
  reason: LegRemoveReason;
}

/** What caused a settlement: a command, a fired leg on a tick, or auto-deleveraging (§15). */
export type SettleTrigger = 'REQUEST' | 'PRICE_TICK' | 'ADL';

/** §15: the cap was exceeded on one side; the ADL settlements of that side follow. */
export interface AdlTriggeredData {
  side: PositionType;
  traders_pnl: number;
  tlv: number;
  max_pnl_factor: number;
  adl_target_factor: number;
}

export interface RejectedData {
  command: string | null;
  status: RejectStatus;
  reason_code: ReasonCode;
  reason: string;
  order_id: string | null;
  account_id: string | null;
  order_type: string | null;
  original_seq?: number;
}

export interface EventMap {
  TraderOrderOpened: { order: TraderOrder; converted_from_limit: boolean };
  TraderOrderPending: { order: TraderOrder };
  TraderOrderFilled: { order: TraderOrder; fill_price: number };
  TraderOrderCancelled: { order: TraderOrder; by: 'USER' | 'ADMIN_HALT' };
  TraderOrderSettled: {
    order: TraderOrder;
    payment: number;
    close_type: CloseType;
    trigger: SettleTrigger;
    fee_rate: number;
    pool: Pool;
  };
  AdlTriggered: AdlTriggeredData;
  TraderOrderLiquidated: { order: TraderOrder; payment: number; trigger: 'PRICE_TICK' | 'FUNDING'; price: number; pool: Pool };
  TraderOrderFundingApplied: { order: TraderOrder; funding_rate: number; funding_payment: number };
  CloseLimitPlaced: LegPlaced;
  StopLossPlaced: LegPlaced;
  TakeProfitPlaced: LegPlaced;
  CloseLimitRemoved: LegRemoved;
  StopLossRemoved: LegRemoved;
  TakeProfitRemoved: LegRemoved;
  LendOrderCreated: { lend_order: LendOrder; pool: Pool };
  LendOrderSettled: { lend_order: LendOrder; withdraw: number; pool: Pool };
  PoolInitialized: { pool: Pool; account_id: string };
  PriceUpdated: { price: number; previous_price: number | null; feed_price: number };
  FundingRateUpdated: {
    funding_rate: number;
    price: number;
    long_position_size: number;
    short_position_size: number;
    total_position_size: number;
    boundary?: number;
  };
  FundingCycleSkipped: { reason: 'PAUSED' | 'NO_PRICE'; boundary?: number };
  PriceStale: { price: number; price_ts: number; age_ms: number; stale_warn_ms: number; stale_halt_ms: number; halted: boolean };
  FeedParamsUpdated: FeedParams;
  FeesUpdated: Fees;
  RiskFlagsUpdated: RiskFlags;
  RiskParamsUpdated: { params: RiskParams };
  ExposureRecalculated: { before: RiskTotals; after: RiskTotals };
  PriceCheckTriggered: { price: number; check_pending_limit: boolean; check_liquidation: boolean; check_settling_limit: boolean };
  SnapshotRequested: Record<string, never>;
  ShutdownRequested: Record<string, never>;
  Rejected: RejectedData;
}

export type EventType = keyof EventMap;

/** An event body: the type tag plus its data. */
export type Event = { [K in EventType]: { type: K; data: EventMap[K] } }[EventType];

/** DESIGN §3 event envelope before the writer adds `prev`/`hash`. */
export type EventEnvelope = { [K in EventType]: { v: 1; seq: number; ts: number; cmd: string; type: K; data: EventMap[K] } }[EventType];

export type EnvelopeOf<K extends EventType> = Extract<EventEnvelope, { type: K }>;

/** The client-facing status each event stands for (§3 table). */
export function clientStatus(e: Event): string | null {
  switch (e.type) {
    case 'TraderOrderOpened':
    case 'TraderOrderFilled':
    case 'TraderOrderFundingApplied':
      return 'FILLED';
    case 'TraderOrderPending':
      return 'PENDING';
    case 'TraderOrderCancelled':
      return 'CANCELLED';
    case 'TraderOrderSettled':
      return 'SETTLED';
    case 'TraderOrderLiquidated':
      return 'LIQUIDATE';
    case 'CloseLimitPlaced':
      return e.data.old_price === null ? 'LimitPriceAdded' : 'LimitPriceUpdated';
    case 'StopLossPlaced':
      return e.data.old_price === null ? 'StopLossAdded' : 'StopLossUpdated';
    case 'TakeProfitPlaced':
      return e.data.old_price === null ? 'TakeProfitAdded' : 'TakeProfitUpdated';
    case 'CloseLimitRemoved':
      return 'CancelledLimitClose';
    case 'StopLossRemoved':
      return 'CancelledStopLoss';
    case 'TakeProfitRemoved':
      return 'CancelledTakeProfit';
    case 'LendOrderCreated':
      return 'FILLED';
    case 'LendOrderSettled':
      return 'SETTLED';
    case 'Rejected':
      return e.data.status;
    case 'PoolInitialized':
    case 'PriceUpdated':
    case 'FundingRateUpdated':
    case 'FundingCycleSkipped':
    case 'FeesUpdated':
    case 'RiskFlagsUpdated':
    case 'RiskParamsUpdated':
    case 'ExposureRecalculated':
    case 'PriceCheckTriggered':
    case 'SnapshotRequested':
    case 'ShutdownRequested':
    case 'PriceStale':
    case 'FeedParamsUpdated':
    case 'AdlTriggered':
      return null;
    default:
      return unreachable(e);
  }
}

export function unreachable(x: never): never {
  throw new Error(`unhandled variant ${JSON.stringify(x)}`);
}

/** The account an event's data concerns, or null (`events --account`, read models, stores). */
export function accountOfData(data: unknown): string | null {
  const d = data as { order?: { account_id?: string }; lend_order?: { account_id?: string }; account_id?: string | null } | null;
  if (d === null || typeof d !== 'object') return null;
  return d.order?.account_id ?? d.lend_order?.account_id ?? d.account_id ?? null;
}

/** The account an event concerns, for filtering. */
export function accountOf(e: { data: unknown }): string | null {
  return accountOfData(e.data);
}
