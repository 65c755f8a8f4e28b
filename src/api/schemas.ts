// zod schemas of every method's params (SPEC §2, §2.6, §9). Client bodies keep SPEC's shape: unknown
// fields pass (the engine ignores them), ignored fields may hold anything, the nested
// `{"create_trader_order":{…},"sltp":…}` forms are validated through their inner object. The
// gateway checks shape and bounds (what the engine's envelope parser checks); rules SPEC orders
// after state checks (leverage range, LIMIT price sign, deposit sign) stay with the engine, whose
// refusal is a Rejected event (docs/decisions.md, "API").
import { z } from 'zod';
import { MAX_ID_LENGTH, MAX_OTHER, MAX_PRICE, MAX_SATS, RISK_PARAM_KEYS } from '../engine/index.js';
import { RPC, RpcError } from './errors.js';

const id = z.string().min(1, 'must not be empty').max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`);
const signed = (max: number) => z.number().min(-max, `must be at least -${max}`).max(max, `must be at most ${max}`);
const nonNeg = (max: number) => z.number().min(0, 'must be >= 0').max(max, `must be at most ${max}`);
const positive = (max: number) => z.number().positive('must be > 0').max(max, `must be at most ${max}`);
const optNum = (max: number) => signed(max).nullable().optional();
const optBool = z.boolean().nullable().optional();

/** Fields of the gateway itself, allowed in every write and removed before the body is logged. */
const gateway = {
  request_id: id.optional().describe('the command id (idempotency key): a retry with the same id is answered with the first outcome; default: a fresh uuid. A create mints the order uuid uuidv5(request_id + ":0", 6f2b8f0e-6c1a-4c4e-9a57-3b1d2f6a9e10)'),
  wait: z.boolean().optional().describe('true: answer with the outcome (events, status, uuid) once committed; default: answer RequestSubmitted at once'),
};

const legs = z.object({ sl: optNum(MAX_PRICE), tp: optNum(MAX_PRICE) }, { error: 'must be an object {sl, tp}' }).nullable().optional();

export const createTrader = z.looseObject({
  ...gateway,
  account_id: id.describe('the trading account; it holds at most one active trader order (PENDING or FILLED) at a time'),
  position_type: z.enum(['LONG', 'SHORT']),
  order_type: z.enum(['MARKET', 'LIMIT'], { error: 'must be MARKET or LIMIT to open a position' }),
  leverage: signed(MAX_OTHER).describe('1 to the max_leverage risk parameter (default 50)'),
  initial_margin: signed(MAX_SATS).describe('margin posted, in sats (1 BTC = 100 000 000 sats)'),
  entryprice: optNum(MAX_PRICE).describe('LIMIT: the limit price in USD per BTC; MARKET: ignored (the current price)'),
  execution_price: optNum(MAX_PRICE).describe('ignored on open'),
  sltp: legs.describe('optional stop loss / take profit prices (USD) placed with the order'),
});

export const executeTrader = z.looseObject({
  ...gateway,
  account_id: id,
  uuid: id.describe('the order to close'),
  order_type: z.enum(['MARKET', 'LIMIT', 'SLTP'], { error: 'must be MARKET, LIMIT or SLTP to close a position' }),
  execution_price: optNum(MAX_PRICE).describe('LIMIT: the close limit price in USD per BTC'),
  sltp: legs,
});

export const cancelTrader = z.looseObject({
  ...gateway,
  account_id: id,
  uuid: id.describe('the order: a PENDING limit order is cancelled; for a FILLED one, its close limit (or sltp_cancel legs)'),
  order_type: z.string().nullable().optional(),
  sltp_cancel: z.object({ sl: optBool, tp: optBool }, { error: 'must be an object {sl, tp}' }).nullable().optional(),
});

export const createLend = z.looseObject({
  ...gateway,
  account_id: id,
  deposit: signed(MAX_SATS).describe('deposit into the lending pool, in sats'),
  balance: optNum(MAX_SATS),
});

export const executeLend = z.looseObject({ ...gateway, account_id: id, uuid: id });

/** Private `submit_order`: a CreateTraderOrder body whose account comes from the key. */
export const submitOrder = createTrader.extend({
  account_id: id.optional(),
  request_time: z.unknown().optional(),
  order_kill_time: z.unknown().optional(),
});

// ---- admin -------------------------------------------------------------------------------------

const fee = nonNeg(MAX_OTHER);
export const updateFees = z.strictObject({
  ...gateway,
  order_filled_on_market: fee, order_filled_on_limit: fee, order_settled_on_market: fee, order_settled_on_limit: fee,
});
export const setMarketHalt = z.strictObject({
  ...gateway,
  enabled: z.boolean(),
  cancel_pending_limit_orders: optBool, cancel_settling_limit_orders: optBool,
  pause_funding: optBool, pause_price_feed: optBool, exit_relayer: optBool,
});
export const setFlag = z.strictObject({ ...gateway, enabled: z.boolean() });
const riskShape: Record<string, z.ZodType> = {};
for (const k of RISK_PARAM_KEYS) riskShape[k] = nonNeg(MAX_OTHER).optional();
export const updateRiskParams = z.strictObject({ ...gateway, ...riskShape })
  .refine((p) => RISK_PARAM_KEYS.some((k) => (p as Record<string, unknown>)[k] !== undefined), { message: `give at least one of ${RISK_PARAM_KEYS.join(', ')}` });
export const empty = z.strictObject({ ...gateway });
export const triggerPriceCheck = z.strictObject({
  ...gateway,
  price: positive(MAX_PRICE),
  check_pending_limit: optBool, check_liquidation: optBool, check_settling_limit: optBool,
});
export const updateFeedParams = z.strictObject({
  ...gateway,
  stale_warn_ms: positive(MAX_OTHER).nullable().optional(),
  stale_halt_ms: positive(MAX_OTHER).nullable().optional(),
});
/** Read methods without parameters accept none, {} or []. */
export const noParams = z.union([z.undefined(), z.null(), z.strictObject({}), z.array(z.never()).length(0)], { error: 'takes no params' });

// ---- reads -------------------------------------------------------------------------------------

/** A time: epoch milliseconds or an ISO-8601 string; parsed to ms. */
export const time = z.union([
  z.number().int('must be an integer (ms)').min(0).max(8.64e15),
  z.string().refine((s) => Number.isFinite(Date.parse(s)), 'must be an ISO-8601 time or epoch ms'),
]).transform((v) => (typeof v === 'number' ? v : Date.parse(v)));

const limit = (max: number, dflt: number) => z.number().int().min(1).max(max).default(dflt);
const offset = z.number().int().min(0).max(1e9).default(0);

export const range = z.looseObject({ from: time.optional(), to: time.optional(), limit: limit(5000, 500), offset });

export const CANDLE_INTERVALS = {
  ONE_MINUTE: 60_000, FIVE_MINUTE: 300_000, FIFTEEN_MINUTE: 900_000, THIRTY_MINUTE: 1_800_000,
  ONE_HOUR: 3_600_000, FOUR_HOUR: 14_400_000, EIGHT_HOUR: 28_800_000, TWELVE_HOUR: 43_200_000, ONE_DAY: 86_400_000,
} as const;
export type CandleInterval = keyof typeof CANDLE_INTERVALS;

export const candles = z.looseObject({
  interval: z.enum(Object.keys(CANDLE_INTERVALS) as [CandleInterval, ...CandleInterval[]]),
  since: time.optional(),
  limit: limit(5000, 500),
  offset,
});

export const listLimit = z.union([z.undefined(), z.null(), z.array(z.never()).length(0), z.looseObject({ limit: limit(1000, 100) })])
  .transform((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v.limit : 100));

export const byId = z.looseObject({ id });
export const orderHistory = z.union([
  z.looseObject({ OrderId: id }).transform((v) => ({ order: v.OrderId as string })),
  z.looseObject({ ClientId: z.looseObject({ offset, limit: limit(1000, 100) }) }).transform((v) => ({ offset: v.ClientId.offset, limit: v.ClientId.limit })),
], { error: 'must be {OrderId: "<uuid>"} or {ClientId: {offset, limit}}' });
export const tradeVolume = z.looseObject({ start: time, end: time }).refine((p) => p.end >= p.start, { message: 'end must not be before start', path: ['end'] });
export const unrealizedPnl = z.union([
  z.literal('All').transform(() => ({ all: true as const })),
  z.looseObject({ OrderId: id }).transform((v) => ({ order: v.OrderId as string })),
  z.looseObject({ PublicKey: id }).transform((v) => ({ account: v.PublicKey as string })),
  z.looseObject({ All: z.unknown() }).transform(() => ({ all: true as const })),
], { error: 'must be "All", {OrderId: "<uuid>"} or {PublicKey: "<account>"}' });
/** GetRecentOrder: the account defaults to the key's own (older clients send no params). */
export const recentOrder = z.union([
  z.undefined(), z.null(), z.array(z.never()).length(0),
  z.looseObject({
    query_trader_order: z.looseObject({
      account_id: id.optional().describe("default: the key's account (a key bound to one account)"),
      order_status: z.string().nullable().optional().describe('only an order in this status (PENDING, FILLED, SETTLED, CANCELLED, LIQUIDATE)'),
    }).optional(),
  }),
], { error: 'must be {query_trader_order: {account_id?, order_status?}} or nothing' })
  .transform((v) => {
    const q = v !== null && typeof v === 'object' && !Array.isArray(v) ? v.query_trader_order : undefined;
    return { account_id: q?.account_id, order_status: q?.order_status ?? null };
  });
export const openOrders = z.union([z.undefined(), z.null(), z.array(z.never()).length(0), z.looseObject({ account_id: id.optional() })])
  .transform((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v.account_id : undefined));

// ---- checking --------------------------------------------------------------------------------

export interface Issue { path: string; message: string }

function pathText(path: readonly PropertyKey[], prefix: string): string {
  const parts = path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)));
  const text = parts.reduce((acc, p) => (p.startsWith('[') ? acc + p : acc === '' ? p : `${acc}.${p}`), '');
  return prefix === '' ? (text === '' ? '(params)' : text) : text === '' ? prefix : `${prefix}.${text}`;
}

/** Parses `value` or throws INVALID_PARAMS with one message per field. */
export function check<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues: Issue[] = r.error.issues.map((i) => ({ path: pathText(i.path, prefix), message: i.message }));
  throw new RpcError(RPC.INVALID_PARAMS, `Invalid params: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}
