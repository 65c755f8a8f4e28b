// zod schemas of what each method answers, for the OpenRPC document (src/api/openrpc.ts) only:
// the handlers build their answers from the read models and the engine's types, and
// test/api/openrpc.test.ts checks answers against these shapes. Units (SPEC §1): prices in USD per
// BTC, margins / fees / payments / values in sats, position sizes in sats·USD.
import { z } from 'zod';

const sats = (what: string) => z.number().describe(`${what}, in sats (1 BTC = 100 000 000 sats)`);
const usd = (what: string) => z.number().describe(`${what}, in USD per BTC`);
const iso = z.string().describe('ISO-8601 time (UTC)');
const ms = z.number().int().describe('epoch milliseconds');

export const traderOrder = z
  .looseObject({
    uuid: z
      .string()
      .describe('the order id: uuidv5(request_id + ":0", 6f2b8f0e-6c1a-4c4e-9a57-3b1d2f6a9e10) on BTC-USD, the market\'s own namespace on another (SPEC §13)'),
    account_id: z.string(),
    position_type: z.enum(['LONG', 'SHORT']),
    order_status: z.enum(['PENDING', 'FILLED', 'SETTLED', 'CANCELLED', 'LIQUIDATE']),
    order_type: z.enum(['MARKET', 'LIMIT']),
    entryprice: usd('entry price'),
    execution_price: usd('execution price'),
    positionsize: z.number().describe('position size = initial_margin × leverage × entryprice, in sats·USD'),
    leverage: z.number(),
    initial_margin: sats('initial margin'),
    available_margin: sats('available margin (initial margin less fees and funding; paid out on settlement)'),
    timestamp: iso,
    bankruptcy_price: usd('bankruptcy price'),
    bankruptcy_value: sats('bankruptcy value'),
    maintenance_margin: sats('maintenance margin'),
    liquidation_price: usd('liquidation price'),
    unrealized_pnl: sats('unrealized PnL (set on settlement)'),
    settlement_price: usd('settlement price'),
    entry_nonce: z.number().int(),
    exit_nonce: z.number().int(),
    entry_sequence: z.number().int(),
    fee_filled: sats('fee paid on fill'),
    fee_settled: sats('fee paid on settlement'),
    close_limit_price: usd('resting close limit').nullable(),
    stop_loss_price: usd('stop loss').nullable(),
    take_profit_price: usd('take profit').nullable(),
    sltp_on_fill: z.object({ sl: z.number().nullable(), tp: z.number().nullable() }).nullable(),
  })
  .describe('a trader order (SPEC §3)');

export const lendOrder = z
  .looseObject({
    uuid: z.string(),
    account_id: z.string(),
    balance: sats('balance'),
    order_status: z.enum(['FILLED', 'SETTLED']),
    order_type: z.literal('LEND'),
    entry_nonce: z.number().int(),
    exit_nonce: z.number().int(),
    deposit: sats('deposit'),
    new_lend_state_amount: sats('pool value credited'),
    timestamp: iso,
    npoolshare: z.number().describe('pool shares'),
    nwithdraw: sats('withdrawn amount'),
    payment: sats('payment'),
    entry_sequence: z.number().int(),
  })
  .describe('a lend order (SPEC §3)');

const event = z
  .looseObject({
    v: z.number().int(),
    seq: z.number().int(),
    ts: ms,
    cmd: z.string().describe('the request_id'),
    type: z.string().describe('event type (SPEC §3): TraderOrderOpened, TraderOrderPending, TraderOrderSettled, Rejected, …'),
    data: z.record(z.string(), z.unknown()),
    prev: z.string(),
    hash: z.string(),
  })
  .describe('one committed event, as in the event log (SPEC §12)');

export const submitted = z.object({
  request_id: z.string().describe('the command id: your params.request_id, or a fresh uuid'),
  status: z
    .string()
    .describe(
      '"RequestSubmitted" without wait; with wait the outcome: the client status of the first event (e.g. FILLED, PENDING, SETTLED, CANCELLED, RejectedByRiskEngine)',
    ),
  uuid: z
    .string()
    .optional()
    .describe('the order uuid: with wait once the order exists; without wait on a create, the uuid the order gets if the engine accepts it'),
  events: z.array(event).optional().describe('with wait: the committed events of this command'),
  reason_code: z.string().optional().describe('with wait, when rejected: the reason code (SPEC §2.7)'),
  reason: z.string().optional(),
  timed_out: z.boolean().optional().describe('with wait: true when the events did not commit within the wait timeout'),
  reply: z.record(z.string(), z.unknown()).optional().describe('SetMarketHalt only: its reply (SPEC §2.6)'),
});

export const markets = z.array(
  z.object({
    id: z.string().describe('market id (BASE-QUOTE), the value of the market param'),
    tick_size: z.number().int().describe('price tick in USD: metadata for clients and the book (the engine keeps SPEC §4 rounding)'),
    created_at: z.string().nullable().describe('when the market was created (ISO); null for the implicit BTC-USD'),
    served: z.boolean().describe('whether this gateway routes the market'),
    status: z
      .string()
      .nullable()
      .describe("the market's risk status from its read model (HEALTHY, CLOSE_ONLY, HALT); null when not served or not projected yet"),
  }),
);

export const serverTime = z.object({ iso, epoch: z.string().describe('epoch microseconds, as a string') });

const level = z.object({ price: usd('price level'), positionsize: z.number().describe('summed position size at this price, sats·USD') });
export const orderBook = z.object({
  bid: z.array(level).describe('pending LONG limit orders by price, best (highest) first'),
  ask: z.array(level).describe('pending SHORT limit orders by price, best (lowest) first'),
});

export const openLimitOrders = z.object({
  bid: z.array(level.extend({ orders: z.number().int() })),
  ask: z.array(level.extend({ orders: z.number().int() })),
});

export const price = z.looseObject({
  price: usd('current price P (integer)').nullable(),
  previous_price: z.number().nullable().optional(),
  feed_price: usd('last feed price').optional(),
  timestamp: iso.nullable(),
  ts: ms.nullable(),
  seq: z.number().int().nullable(),
});
export const fundingRate = z.looseObject({ funding_rate: z.number(), price: z.number().nullable(), timestamp: iso.nullable(), ts: ms.nullable() });
export const positionSize = z.object({
  total_long_position_size: z.number().describe('sats·USD'),
  total_short_position_size: z.number().describe('sats·USD'),
  total_position_size: z.number().describe('sats·USD'),
});
export const marketStats = z
  .looseObject({
    pool_equity_btc: sats('pool equity'),
    open_interest_btc: sats('open interest (entry value)'),
    status: z.string(),
    params: z.record(z.string(), z.number()),
    flags: z.record(z.string(), z.boolean()),
    max_pnl_factor: z.number().optional().describe('PnL cap factor of TLV (SPEC §15); 0 = off'),
    adl_target_factor: z.number().optional().describe('ADL stops once a side is at or below this factor of TLV'),
    pnl_cap_btc: sats('max_pnl_factor × TLV, null while the cap is off').nullable().optional(),
    adl_target_btc: sats('adl_target_factor × TLV, null while the cap is off').nullable().optional(),
    traders_pnl_long: sats("longs' net unrealized PnL Π_long at P; null before the first price").nullable().optional(),
    traders_pnl_short: sats("shorts' net unrealized PnL Π_short at P; null before the first price").nullable().optional(),
    as_of: z.object({ seq: z.number().int(), ts: ms.nullable() }),
  })
  .describe('risk state of the market; *_btc fields are in sats');
export const trade = z.looseObject({
  kind: z.string(),
  side: z.string(),
  order_type: z.string(),
  price: usd('price'),
  positionsize: z.number(),
  entry_value: sats('entry value'),
  close_type: z.string().nullable().describe('settlements: MARKET, LIMIT, StopLoss, TakeProfit or ADL (auto-deleveraging, SPEC §15); null otherwise'),
  timestamp: iso,
  ts: ms,
  seq: z.number().int(),
});
export const priceRow = z.object({ price: z.number(), feed_price: z.number(), timestamp: iso, ts: ms, seq: z.number().int() });
export const fundingRow = z.looseObject({ funding_rate: z.number(), price: z.number(), timestamp: iso, ts: ms, seq: z.number().int() });
export const candle = z.object({
  interval: z.string(),
  start: iso,
  end: iso,
  start_ms: ms,
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  updates: z.number().int(),
});
export const historyRow = z
  .looseObject({ uuid: z.string(), seq: z.number().int(), ts: ms, timestamp: iso })
  .describe('one change of an order (position_history)');
export const tradeVolume = z.looseObject({
  start: iso,
  end: iso,
  trades: z.number().int(),
  volume: sats('summed entry value'),
  positionsize: z.number(),
  fee: sats('summed fees'),
  by_kind: z.record(z.string(), z.unknown()),
});
export const unrealized = z.object({
  price: z.number().nullable(),
  timestamp: iso.nullable(),
  orders: z.array(z.looseObject({ uuid: z.string(), account_id: z.string(), unrealized_pnl: sats('unrealized PnL at price').nullable() })),
  total_unrealized_pnl: sats('total').nullable(),
});
export const openOrders = z.object({ trader_orders: z.array(traderOrder), lend_orders: z.array(lendOrder) });
export const riskParams = z.looseObject({
  params: z.record(z.string(), z.number()),
  fees: z.record(z.string(), z.number()),
  flags: z.record(z.string(), z.boolean()),
  status: z.string(),
  status_reason: z.string().nullable(),
  as_of: z.object({ seq: z.number().int(), ts: ms.nullable() }),
});
