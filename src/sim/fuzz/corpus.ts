// Valid command envelopes and client bodies the mutators start from: every command type of
// SPEC §2 with plausible parameters, so a mutation lands one step away from something accepted.
export const ACCOUNTS = ['acc-1', 'acc-2', 'acc-3'] as const;

/** The state every fuzz round starts from: a pool, a price, a position, a resting limit, a lender. */
export const SETUP: readonly object[] = [
  { v: 1, id: 'f-pool', type: 'InitPool', params: {} },
  { v: 1, id: 'f-tick', type: 'PriceTick', params: { price: 60000 } },
  {
    v: 1,
    id: 'f-open',
    type: 'CreateTraderOrder',
    params: { account_id: 'acc-1', position_type: 'LONG', order_type: 'MARKET', leverage: 10, initial_margin: 10000, entryprice: 60000 },
  },
  {
    v: 1,
    id: 'f-limit',
    type: 'CreateTraderOrderSlTp',
    params: {
      account_id: 'acc-2',
      position_type: 'SHORT',
      order_type: 'LIMIT',
      leverage: 5,
      initial_margin: 20000,
      entryprice: 62000,
      sltp: { sl: 64000, tp: 55000 },
    },
  },
  { v: 1, id: 'f-lend', type: 'CreateLendOrder', params: { account_id: 'acc-9', balance: 10, order_type: 'LEND', order_status: 'PENDING', deposit: 1000000 } },
];

/** Client bodies by command type (the gateway's write methods). */
export const BODIES: Readonly<Record<string, object>> = {
  CreateTraderOrder: {
    account_id: 'acc-3',
    position_type: 'LONG',
    order_type: 'MARKET',
    leverage: 10,
    initial_margin: 10000,
    available_margin: 10000,
    order_status: 'PENDING',
    entryprice: 65000,
    execution_price: 0,
  },
  CreateTraderOrderSlTp: {
    account_id: 'acc-3',
    position_type: 'SHORT',
    order_type: 'LIMIT',
    leverage: 3,
    initial_margin: 5000,
    entryprice: 61000,
    sltp: { sl: 63000, tp: 50000 },
  },
  ExecuteTraderOrder: { account_id: 'acc-1', uuid: 'f-open-uuid', order_type: 'LIMIT', settle_margin: 0, order_status: 'PENDING', execution_price: 70000 },
  ExecuteTraderOrderSlTp: {
    execute_trader_order: { account_id: 'acc-1', uuid: 'f-open-uuid', order_type: 'SLTP', execution_price: 0 },
    sltp: { sl: null, tp: 72000 },
  },
  CancelTraderOrder: { account_id: 'acc-2', uuid: 'f-limit-uuid', order_type: 'LIMIT', order_status: 'PENDING' },
  CancelTraderOrderSlTp: { account_id: 'acc-1', uuid: 'f-open-uuid', order_type: 'SLTP', order_status: 'FILLED', sltp_cancel: { sl: true, tp: false } },
  CreateLendOrder: { account_id: 'acc-3', balance: 10, order_type: 'LEND', order_status: 'PENDING', deposit: 500000 },
  ExecuteLendOrder: { account_id: 'acc-9', uuid: 'f-lend-uuid', order_type: 'LEND', settle_withdraw: 100, order_status: 'PENDING', poolshare_price: 1.5 },
};

/** System and admin commands (no gateway write for the system ones). */
export const SYSTEM: Readonly<Record<string, object>> = {
  PriceTick: { price: 60500, source: 'fuzz' },
  FundingCycle: {},
  Snapshot: {},
  InitPool: {},
  UpdateFees: { order_filled_on_market: 0.04, order_filled_on_limit: 0.02, order_settled_on_market: 0.04, order_settled_on_limit: 0.02 },
  SetMarketHalt: { enabled: false, pause_funding: false },
  SetMarketCloseOnly: { enabled: false },
  SetPauseFunding: { enabled: false },
  SetPausePriceFeed: { enabled: false },
  UpdateRiskParams: { max_leverage: 50, mm_ratio: 0.4 },
  RecalculateRiskState: {},
  TriggerPriceCheck: { price: 59000, check_pending_limit: true, check_liquidation: true, check_settling_limit: true },
};

export const ALL_TYPES: readonly string[] = [...Object.keys(BODIES), ...Object.keys(SYSTEM)];

export function bodyOf(type: string): object {
  return BODIES[type] ?? SYSTEM[type] ?? {};
}
