// Every command of SPEC §2 described once, as data: its fields (kind, bounds, default, order), how
// its body may be nested, and who may send it. The engine's parser (commands.ts) walks this table;
// the gateway builds its field checks and messages from it (src/api/schemas.ts) and the OpenRPC
// document follows from those. Plain data, so nothing here runs on the hot path but lookups.
import type { ReasonCode } from './types.js';

/** Upper bounds that keep every derived figure finite (docs/decisions.md D23). */
const MAX_SATS = 2.1e15;
export const MAX_PRICE = 1e9;
const MAX_OTHER = 1e12;
export const MAX_ID_LENGTH = 128;

/** Who may send a command: a client key, an admin key, or only the relayer itself (feed, timers, operator). */
export type CommandClass = 'client' | 'admin' | 'system';

/**
 * One field. Absent (undefined or null) means: `dflt` when given (null included); left out of the
 * parsed params when `omit`; otherwise the field is required.
 */
export type FieldSpec =
  /** a non-empty string of at most MAX_ID_LENGTH characters */
  | { name: string; kind: 'id'; dflt?: string; doc?: string }
  /** a finite number of magnitude at most `max`; `sign` narrows it */
  | { name: string; kind: 'num'; sign: 'any' | 'nonneg' | 'positive'; max: number; dflt?: number | null; omit?: true; doc?: string }
  | { name: string; kind: 'bool'; dflt?: boolean | null; doc?: string }
  /** one of `values`; with `purpose`, a refusal with code UNSUPPORTED_ORDER_TYPE quoting the value */
  | { name: string; kind: 'enum'; values: readonly string[]; purpose?: string; doc?: string }
  /** any string or nothing (null) */
  | { name: string; kind: 'text'; doc?: string }
  /** an integer that is safe in a double, or nothing (null) */
  | { name: string; kind: 'int'; unit: string; doc?: string }
  /** an annotation: a value of another type is dropped (null), never refused */
  | { name: string; kind: 'hint'; of: 'string' | 'number'; doc?: string }
  /** stop loss / take profit prices `{sl, tp}`, each a number or null (code INVALID_SLTP) */
  | { name: string; kind: 'legs'; doc?: string }
  /** which legs to cancel `{sl, tp}`, each a boolean (code INVALID_SLTP for the object) */
  | { name: string; kind: 'flags'; doc?: string };

/** How the parser treats a field beyond its kind. */
interface FieldUse {
  /** checked before the other fields: what the order type is decides what the rest means (SPEC order) */
  first?: true;
  /** 'skip': not read by this command (parsed as null); 'check': checked, then parsed as null */
  engine?: 'skip' | 'check';
}

export type Field = FieldSpec & FieldUse;

export interface CommandSpec {
  class: CommandClass;
  /** in the order of the parsed params (the order events that copy them keep) */
  fields: readonly Field[];
  /** SPEC §2.1–§2.3: the body may be `{"<key>": {…fields}, "<extra>": …}` */
  nested?: readonly [key: string, extra: string];
  /** a `{"data": "<hex>"}` body of the legacy binary encoding is refused as UNSUPPORTED_ENCODING */
  hex?: true;
  /** the gateway refuses the command unless at least one field is given (the engine accepts none) */
  needsOne?: true;
}

const id = (name: string, doc?: string): Field => (doc === undefined ? { name, kind: 'id' } : { name, kind: 'id', doc });
const num = (name: string, sign: 'any' | 'nonneg' | 'positive', max: number, extra: { dflt?: number | null; omit?: true; doc?: string } = {}): Field => ({
  name,
  kind: 'num',
  sign,
  max,
  ...extra,
});
const bool = (name: string, dflt?: boolean | null): Field => (dflt === undefined ? { name, kind: 'bool' } : { name, kind: 'bool', dflt });

const openFields = (legs: Field): readonly Field[] => [
  id('account_id', 'the trading account; it holds at most one active trader order (PENDING or FILLED) at a time'),
  { name: 'position_type', kind: 'enum', values: ['LONG', 'SHORT'] },
  { name: 'order_type', kind: 'enum', values: ['MARKET', 'LIMIT'], purpose: 'open a position', first: true },
  num('leverage', 'any', MAX_OTHER, { doc: '1 to the max_leverage risk parameter (default 50)' }),
  num('initial_margin', 'any', MAX_SATS, { doc: 'margin posted, in sats (1 BTC = 100 000 000 sats)' }),
  num('entryprice', 'any', MAX_PRICE, { dflt: 0, doc: 'LIMIT: the limit price in USD per BTC; MARKET: ignored (the current price)' }),
  num('execution_price', 'any', MAX_PRICE, { dflt: 0, doc: 'ignored on open' }),
  legs,
];
const OPEN_LEGS_DOC = 'optional stop loss / take profit prices (USD) placed with the order';

const closeFields = (legs: Field): readonly Field[] => [
  id('account_id'),
  id('uuid', 'the order to close'),
  { name: 'order_type', kind: 'enum', values: ['MARKET', 'LIMIT', 'SLTP'], purpose: 'close a position', first: true },
  num('execution_price', 'any', MAX_PRICE, { dflt: 0, doc: 'LIMIT: the close limit price in USD per BTC' }),
  legs,
];

const cancelFields = (engine: 'check' | undefined): readonly Field[] => [
  id('account_id'),
  id('uuid', 'the order: a PENDING limit order is cancelled; for a FILLED one, its close limit (or sltp_cancel legs)'),
  { name: 'order_type', kind: 'text', first: true },
  engine === undefined ? { name: 'sltp_cancel', kind: 'flags', first: true } : { name: 'sltp_cancel', kind: 'flags', first: true, engine },
];

const fee = (name: string): Field => num(name, 'nonneg', MAX_OTHER);

/** The risk parameters UpdateRiskParams may change, each optional (docs/decisions.md D23 bounds). */
const RISK_PARAM_KEYS = [
  'max_oi_mult',
  'max_net_mult',
  'max_position_pct',
  'min_position_btc',
  'max_leverage',
  'mm_ratio',
  'max_pnl_factor',
  'adl_target_factor',
] as const;
export type RiskParamKey = (typeof RISK_PARAM_KEYS)[number];
/** min_position_btc is an amount in sats; the others are ratios and counts. */
const riskField = (name: RiskParamKey): Field => num(name, 'nonneg', name === 'min_position_btc' ? MAX_SATS : MAX_OTHER, { omit: true });
const flag: readonly Field[] = [bool('enabled')];

const CREATE_NESTED = ['create_trader_order', 'sltp'] as const;
const EXECUTE_NESTED = ['execute_trader_order', 'sltp'] as const;
const CANCEL_NESTED = ['cancel_trader_order', 'sltp_cancel'] as const;

/**
 * The table. Client and admin entries keep the order the API lists its methods in; the type union
 * and COMMAND_TYPES follow from the keys.
 */
export const COMMAND_TABLE = {
  CreateTraderOrder: {
    class: 'client',
    nested: CREATE_NESTED,
    hex: true,
    fields: openFields({ name: 'sltp', kind: 'legs', doc: OPEN_LEGS_DOC, engine: 'skip' }),
  },
  CreateTraderOrderSlTp: { class: 'client', nested: CREATE_NESTED, hex: true, fields: openFields({ name: 'sltp', kind: 'legs', doc: OPEN_LEGS_DOC }) },
  ExecuteTraderOrder: { class: 'client', nested: EXECUTE_NESTED, hex: true, fields: closeFields({ name: 'sltp', kind: 'legs', engine: 'skip' }) },
  ExecuteTraderOrderSlTp: { class: 'client', nested: EXECUTE_NESTED, hex: true, fields: closeFields({ name: 'sltp', kind: 'legs' }) },
  CancelTraderOrder: { class: 'client', nested: CANCEL_NESTED, hex: true, fields: cancelFields('check') },
  CancelTraderOrderSlTp: { class: 'client', nested: CANCEL_NESTED, hex: true, fields: cancelFields(undefined) },
  CreateLendOrder: {
    class: 'client',
    hex: true,
    fields: [
      id('account_id'),
      num('deposit', 'any', MAX_SATS, { doc: 'deposit into the lending pool, in sats' }),
      num('balance', 'any', MAX_SATS, { dflt: 0 }),
    ],
  },
  ExecuteLendOrder: { class: 'client', hex: true, fields: [id('account_id'), id('uuid')] },

  UpdateFees: {
    class: 'admin',
    fields: [fee('order_filled_on_market'), fee('order_filled_on_limit'), fee('order_settled_on_market'), fee('order_settled_on_limit')],
  },
  SetMarketHalt: {
    class: 'admin',
    fields: [
      bool('enabled'),
      bool('cancel_pending_limit_orders', false),
      bool('cancel_settling_limit_orders', false),
      bool('pause_funding', null),
      bool('pause_price_feed', null),
      bool('exit_relayer', false),
    ],
  },
  SetMarketCloseOnly: { class: 'admin', fields: flag },
  SetPauseFunding: { class: 'admin', fields: flag },
  SetPausePriceFeed: { class: 'admin', fields: flag },
  UpdateRiskParams: {
    class: 'admin',
    needsOne: true,
    fields: RISK_PARAM_KEYS.map(riskField),
  },
  RecalculateRiskState: { class: 'admin', fields: [] },
  TriggerPriceCheck: {
    class: 'admin',
    fields: [num('price', 'positive', MAX_PRICE), bool('check_pending_limit', true), bool('check_liquidation', true), bool('check_settling_limit', true)],
  },
  UpdateFeedParams: {
    class: 'admin',
    fields: [num('stale_warn_ms', 'positive', MAX_OTHER, { dflt: null }), num('stale_halt_ms', 'positive', MAX_OTHER, { dflt: null })],
  },

  InitPool: {
    class: 'system',
    fields: [
      num('total_locked_value', 'positive', MAX_SATS, { dflt: 10_000_000_000 }),
      num('total_pool_share', 'positive', MAX_SATS, { dflt: 1_000_000 }),
      { name: 'account_id', kind: 'id', dflt: 'operator' },
    ],
  },
  PriceTick: {
    class: 'system',
    fields: [num('price', 'positive', MAX_PRICE), { name: 'source', kind: 'hint', of: 'string' }, { name: 'feed_ts', kind: 'hint', of: 'number' }],
  },
  Heartbeat: { class: 'system', fields: [] },
  FundingCycle: { class: 'system', fields: [{ name: 'boundary', kind: 'int', unit: 'ms' }] },
  CheckFeed: { class: 'system', fields: [] },
  Snapshot: { class: 'system', fields: [] },
} as const satisfies Record<string, CommandSpec>;

/** The reason code of a refused enum field. */
export const enumCode = (f: { purpose?: string | null }): ReasonCode =>
  f.purpose === undefined || f.purpose === null ? 'INVALID_PARAMS' : 'UNSUPPORTED_ORDER_TYPE';

/** `A or B`, `A, B or C`: the values of an enum as messages list them. */
export function choices(values: readonly string[]): string {
  return values.length < 2 ? values.join('') : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}
