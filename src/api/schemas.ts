// zod schemas of every method's params (SPEC §2, §2.6, §9). The write schemas are built from the
// engine's command table (src/engine/command-table.ts), so the gateway checks the shapes and bounds
// the engine's parser checks, with field-level messages. Client bodies keep SPEC's shape: unknown
// fields pass (the engine ignores them), ignored fields may hold anything, the nested
// `{"create_trader_order":{…},"sltp":…}` forms are validated through their inner object. Admin
// bodies are strict. Rules SPEC orders after state checks (leverage range, LIMIT price sign,
// deposit sign) stay with the engine, whose refusal is a Rejected event (docs/decisions.md, "API").
import { z } from 'zod';
import { choices, COMMAND_TABLE, MAX_ID_LENGTH, MAX_PRICE, type CommandType, type FieldSpec } from '../engine/index.js';
import { RPC, RpcError } from './errors.js';

const id = z.string().min(1, 'must not be empty').max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`);
const signed = (max: number) => z.number().min(-max, `must be at least -${max}`).max(max, `must be at most ${max}`);
const nonNeg = (max: number) => z.number().min(0, 'must be >= 0').max(max, `must be at most ${max}`);
const positive = (max: number) => z.number().positive('must be > 0').max(max, `must be at most ${max}`);
const optBool = z.boolean().nullable().optional();
const pair = (leg: z.ZodType) => z.object({ sl: leg, tp: leg }, { error: 'must be an object {sl, tp}' }).nullable().optional();

/** Fields of the gateway itself, allowed in every write and removed before the body is logged. */
const gateway = {
  request_id: id
    .optional()
    .describe(
      'the command id (idempotency key): a retry with the same id is answered with the first outcome; default: a fresh uuid. A create mints the order uuid uuidv5(request_id + ":0", 6f2b8f0e-6c1a-4c4e-9a57-3b1d2f6a9e10)',
    ),
  wait: z.boolean().optional().describe('true: answer with the outcome (events, status, uuid) once committed; default: answer RequestSubmitted at once'),
};
/** The gateway's own fields alone (on the outer object of a nested body). */
export const gatewayFields = z.looseObject(gateway);

/** One field of the command table as the gateway checks it. */
function field(f: FieldSpec): z.ZodType {
  const optional = 'dflt' in f && f.dflt !== undefined;
  let s: z.ZodType;
  switch (f.kind) {
    case 'id':
      s = optional ? id.optional() : id;
      break;
    case 'num': {
      const n = f.sign === 'any' ? signed(f.max) : f.sign === 'nonneg' ? nonNeg(f.max) : positive(f.max);
      s = f.omit === true ? n.optional() : optional ? n.nullable().optional() : n;
      break;
    }
    case 'bool':
      s = optional ? optBool : z.boolean();
      break;
    case 'enum': {
      const values = f.values as [string, ...string[]];
      s = f.purpose === undefined ? z.enum(values) : z.enum(values, { error: `must be ${choices(f.values)} to ${f.purpose}` });
      break;
    }
    case 'text':
      s = z.string().nullable().optional();
      break;
    case 'int':
      s = z.number().int().nullable().optional();
      break;
    case 'hint':
      s = z.unknown();
      break;
    case 'legs':
      s = pair(signed(MAX_PRICE).nullable().optional());
      break;
    case 'flags':
      s = pair(optBool);
      break;
  }
  return f.doc === undefined ? s : s.describe(f.doc);
}

/** A write's params: the gateway's fields, then the command's in table order. */
function write(type: CommandType): z.ZodType {
  const spec: { class: string; fields: readonly FieldSpec[]; needsOne?: true } = COMMAND_TABLE[type];
  const shape: Record<string, z.ZodType> = { ...gateway };
  for (const f of spec.fields) shape[f.name] = field(f);
  const obj = spec.class === 'admin' ? z.strictObject(shape) : z.looseObject(shape);
  if (spec.needsOne !== true) return obj;
  const names = spec.fields.map((f) => f.name);
  return obj.refine((p) => names.some((k) => (p as Record<string, unknown>)[k] !== undefined), { message: `give at least one of ${names.join(', ')}` });
}

/** The params schema of every client and admin command, in table order. */
export const WRITE_SCHEMAS: Readonly<Partial<Record<CommandType, z.ZodType>>> = Object.fromEntries(
  (Object.keys(COMMAND_TABLE) as CommandType[]).filter((t) => COMMAND_TABLE[t].class !== 'system').map((t) => [t, write(t)]),
);
const schemaOf = (t: CommandType): z.ZodType => WRITE_SCHEMAS[t]!;

export const createTrader = schemaOf('CreateTraderOrderSlTp') as z.ZodObject;
export const executeTrader = schemaOf('ExecuteTraderOrder');
export const cancelTrader = schemaOf('CancelTraderOrder');
export const createLend = schemaOf('CreateLendOrder');
export const executeLend = schemaOf('ExecuteLendOrder');

/** Private `submit_order`: a CreateTraderOrder body whose account comes from the key. */
export const submitOrder = createTrader.extend({
  account_id: id.optional(),
  request_time: z.unknown().optional(),
  order_kill_time: z.unknown().optional(),
});

// ---- admin -------------------------------------------------------------------------------------

export const updateFees = schemaOf('UpdateFees');
export const setMarketHalt = schemaOf('SetMarketHalt');
export const setFlag = schemaOf('SetMarketCloseOnly');
export const updateRiskParams = schemaOf('UpdateRiskParams');
export const empty = schemaOf('RecalculateRiskState');
export const triggerPriceCheck = schemaOf('TriggerPriceCheck');
export const updateFeedParams = schemaOf('UpdateFeedParams');
/** Read methods without parameters accept none, {} or []. */
export const noParams = z.union([z.undefined(), z.null(), z.strictObject({}), z.array(z.never()).length(0)], { error: 'takes no params' });

// ---- reads -------------------------------------------------------------------------------------

/** A time: epoch milliseconds or an ISO-8601 string; parsed to ms. */
const time = z
  .union([
    z.number().int('must be an integer (ms)').min(0).max(8.64e15),
    z.string().refine((s) => Number.isFinite(Date.parse(s)), 'must be an ISO-8601 time or epoch ms'),
  ])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)));

const limit = (max: number, dflt: number) => z.number().int().min(1).max(max).default(dflt);
const offset = z.number().int().min(0).max(1e9).default(0);

export const range = z.looseObject({ from: time.optional(), to: time.optional(), limit: limit(5000, 500), offset });

export const CANDLE_INTERVALS = {
  ONE_MINUTE: 60_000,
  FIVE_MINUTE: 300_000,
  FIFTEEN_MINUTE: 900_000,
  THIRTY_MINUTE: 1_800_000,
  ONE_HOUR: 3_600_000,
  FOUR_HOUR: 14_400_000,
  EIGHT_HOUR: 28_800_000,
  TWELVE_HOUR: 43_200_000,
  ONE_DAY: 86_400_000,
} as const;
export type CandleInterval = keyof typeof CANDLE_INTERVALS;

export const candles = z.looseObject({
  interval: z.enum(Object.keys(CANDLE_INTERVALS) as [CandleInterval, ...CandleInterval[]]),
  since: time.optional(),
  limit: limit(5000, 500),
  offset,
});

export const listLimit = z
  .union([z.undefined(), z.null(), z.array(z.never()).length(0), z.looseObject({ limit: limit(1000, 100) })])
  .transform((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v.limit : 100));

export const byId = z.looseObject({ id });
export const orderHistory = z.union(
  [
    z.looseObject({ OrderId: id }).transform((v) => ({ order: v.OrderId as string })),
    z.looseObject({ ClientId: z.looseObject({ offset, limit: limit(1000, 100) }) }).transform((v) => ({ offset: v.ClientId.offset, limit: v.ClientId.limit })),
  ],
  { error: 'must be {OrderId: "<uuid>"} or {ClientId: {offset, limit}}' },
);
export const tradeVolume = z
  .looseObject({ start: time, end: time })
  .refine((p) => p.end >= p.start, { message: 'end must not be before start', path: ['end'] });
export const unrealizedPnl = z.union(
  [
    z.literal('All').transform(() => ({ all: true as const })),
    z.looseObject({ OrderId: id }).transform((v) => ({ order: v.OrderId as string })),
    z.looseObject({ PublicKey: id }).transform((v) => ({ account: v.PublicKey as string })),
    z.looseObject({ All: z.unknown() }).transform(() => ({ all: true as const })),
  ],
  { error: 'must be "All", {OrderId: "<uuid>"} or {PublicKey: "<account>"}' },
);
/** GetRecentOrder: the account defaults to the key's own (older clients send no params). */
export const recentOrder = z
  .union(
    [
      z.undefined(),
      z.null(),
      z.array(z.never()).length(0),
      z.looseObject({
        query_trader_order: z
          .looseObject({
            account_id: id.optional().describe("default: the key's account (a key bound to one account)"),
            order_status: z.string().nullable().optional().describe('only an order in this status (PENDING, FILLED, SETTLED, CANCELLED, LIQUIDATE)'),
          })
          .optional(),
      }),
    ],
    { error: 'must be {query_trader_order: {account_id?, order_status?}} or nothing' },
  )
  .transform((v) => {
    const q = v !== null && typeof v === 'object' && !Array.isArray(v) ? v.query_trader_order : undefined;
    return { account_id: q?.account_id, order_status: q?.order_status ?? null };
  });
export const openOrders = z
  .union([z.undefined(), z.null(), z.array(z.never()).length(0), z.looseObject({ account_id: id.optional() })])
  .transform((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v.account_id : undefined));

// ---- checking --------------------------------------------------------------------------------

interface Issue {
  path: string;
  message: string;
}

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
