// Every command of SPEC.md §2 as a discriminated union, and the parser from a raw envelope
// (DESIGN §3) to a typed command or a coded rejection. Range rules that SPEC orders after
// state checks (leverage range, LIMIT price, deposit sign) stay in decide; shape is checked here.
import type { ReasonCode, RejectStatus, SlTp } from './types.js';

export interface CreateTrader {
  account_id: string; position_type: 'LONG' | 'SHORT'; order_type: 'MARKET' | 'LIMIT';
  leverage: number; initial_margin: number; entryprice: number; execution_price: number;
  sltp: SlTp | null;
}
export interface ExecuteTrader {
  account_id: string; uuid: string; order_type: 'MARKET' | 'LIMIT' | 'SLTP'; execution_price: number;
  sltp: SlTp | null;
}
export interface CancelTrader {
  account_id: string; uuid: string; order_type: string | null; sltp_cancel: { sl: boolean; tp: boolean } | null;
}
export interface CreateLend { account_id: string; deposit: number; balance: number }
export interface ExecuteLend { account_id: string; uuid: string }
export interface SetHalt {
  enabled: boolean; cancel_pending_limit_orders: boolean; cancel_settling_limit_orders: boolean;
  pause_funding: boolean | null; pause_price_feed: boolean | null; exit_relayer: boolean;
}

interface ParamsMap {
  CreateTraderOrder: CreateTrader;
  CreateTraderOrderSlTp: CreateTrader;
  ExecuteTraderOrder: ExecuteTrader;
  ExecuteTraderOrderSlTp: ExecuteTrader;
  CancelTraderOrder: CancelTrader;
  CancelTraderOrderSlTp: CancelTrader;
  CreateLendOrder: CreateLend;
  ExecuteLendOrder: ExecuteLend;
  InitPool: { total_locked_value: number; total_pool_share: number; account_id: string };
  PriceTick: { price: number; source: string | null; feed_ts: number | null };
  Heartbeat: Record<string, never>;
  FundingCycle: { boundary: number | null };
  CheckFeed: Record<string, never>;
  UpdateFeedParams: { stale_warn_ms: number | null; stale_halt_ms: number | null };
  Snapshot: Record<string, never>;
  UpdateFees: {
    order_filled_on_market: number; order_filled_on_limit: number;
    order_settled_on_market: number; order_settled_on_limit: number;
  };
  SetMarketHalt: SetHalt;
  SetMarketCloseOnly: { enabled: boolean };
  SetPauseFunding: { enabled: boolean };
  SetPausePriceFeed: { enabled: boolean };
  UpdateRiskParams: Partial<Record<RiskParamKey, number>>;
  RecalculateRiskState: Record<string, never>;
  TriggerPriceCheck: { price: number; check_pending_limit: boolean; check_liquidation: boolean; check_settling_limit: boolean };
}

export type CommandType = keyof ParamsMap;
export type Command = { [K in CommandType]: { id: string; ts: number; type: K; params: ParamsMap[K] } }[CommandType];
export type CommandOf<K extends CommandType> = Extract<Command, { type: K }>;

export const COMMAND_TYPES: readonly CommandType[] = [
  'CreateTraderOrder', 'CreateTraderOrderSlTp', 'ExecuteTraderOrder', 'ExecuteTraderOrderSlTp',
  'CancelTraderOrder', 'CancelTraderOrderSlTp', 'CreateLendOrder', 'ExecuteLendOrder',
  'InitPool', 'PriceTick', 'Heartbeat', 'FundingCycle', 'CheckFeed', 'Snapshot',
  'UpdateFees', 'UpdateFeedParams', 'SetMarketHalt', 'SetMarketCloseOnly', 'SetPauseFunding', 'SetPausePriceFeed',
  'UpdateRiskParams', 'RecalculateRiskState', 'TriggerPriceCheck',
];
const KNOWN = new Set<string>(COMMAND_TYPES);

export const CLIENT_COMMANDS: ReadonlySet<CommandType> = new Set<CommandType>([
  'CreateTraderOrder', 'CreateTraderOrderSlTp', 'ExecuteTraderOrder', 'ExecuteTraderOrderSlTp',
  'CancelTraderOrder', 'CancelTraderOrderSlTp', 'CreateLendOrder', 'ExecuteLendOrder',
]);
export const ADMIN_COMMANDS: ReadonlySet<CommandType> = new Set<CommandType>([
  'UpdateFees', 'SetMarketHalt', 'SetMarketCloseOnly', 'SetPauseFunding', 'SetPausePriceFeed',
  'UpdateRiskParams', 'RecalculateRiskState', 'TriggerPriceCheck', 'UpdateFeedParams',
]);

export const RISK_PARAM_KEYS = ['max_oi_mult', 'max_net_mult', 'max_position_pct', 'min_position_btc', 'max_leverage', 'mm_ratio', 'max_pnl_factor', 'adl_target_factor'] as const;
export type RiskParamKey = typeof RISK_PARAM_KEYS[number];

export const MAX_ID_LENGTH = 128;

/** A refusal found while parsing; decide turns it into a Rejected event. */
export interface ParseFailure {
  type: string | null; id: string | null; ts: number | null;
  status: RejectStatus; code: ReasonCode; reason: string; params: Record<string, unknown> | null;
}

export type ParseResult = { ok: true; cmd: Command } | { ok: false; fail: ParseFailure };

/**
 * The first refusal found in the parameters of the command being parsed. The helpers below record
 * it and return a placeholder instead of throwing, so a refused command unwinds nothing (a throw
 * cost about a third of a refusal); parseEnvelope reads it after parseParams returns. Later
 * helpers never overwrite it, so the first failure in SPEC order wins as before. Single-threaded
 * and reset by every parse.
 */
let refusal: { code: ReasonCode; message: string; status: RejectStatus } | null = null;

function refuse(code: ReasonCode, message: string, status: RejectStatus = 'CANCELLED'): void {
  if (refusal === null) refusal = { code, message, status };
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Deepest nesting a refusal quotes in full; JSON.stringify recurses, so deeper values are named. */
const QUOTE_DEPTH = 32;

/**
 * An offending input value as a refusal quotes it: its JSON text, or for an array or object
 * nested deeper than QUOTE_DEPTH just its kind (docs/decisions.md D54: JSON.stringify of a value
 * 10 000 deep overflows the stack, and a record that throws would stop the loop on every restart).
 * The depth is measured with an explicit stack, never by recursion.
 */
export function quote(v: unknown): string {
  if (typeof v !== 'object' || v === null) return JSON.stringify(v) ?? String(v);
  const stack: Array<{ x: unknown; d: number }> = [{ x: v, d: 1 }];
  while (stack.length > 0) {
    const { x, d } = stack.pop()!;
    if (d > QUOTE_DEPTH) return Array.isArray(v) ? `an array nested deeper than ${QUOTE_DEPTH}` : `an object nested deeper than ${QUOTE_DEPTH}`;
    for (const c of Object.values(x as object)) if (typeof c === 'object' && c !== null) stack.push({ x: c, d: d + 1 });
  }
  return JSON.stringify(v);
}

/**
 * Upper bounds that keep every derived figure finite (docs/decisions.md D23): sats amounts at most
 * the 21 M BTC supply, prices at most 1e9 USD, everything else at most 1e12.
 */
export const MAX_SATS = 2.1e15;
export const MAX_PRICE = 1e9;
export const MAX_OTHER = 1e12;
const PRICE_FIELDS = new Set(['entryprice', 'execution_price', 'price', 'sl', 'tp']);
const SATS_FIELDS = new Set(['initial_margin', 'deposit', 'balance', 'total_locked_value', 'total_pool_share', 'min_position_btc']);

function bound(k: string): number {
  return PRICE_FIELDS.has(k) ? MAX_PRICE : SATS_FIELDS.has(k) ? MAX_SATS : MAX_OTHER;
}

function num(p: Record<string, unknown>, k: string, dflt?: number): number {
  const v = p[k];
  if (v === undefined || v === null) {
    if (dflt !== undefined) return dflt;
    refuse('INVALID_PARAMS', `${k} is required`);
    return 0;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) { refuse('INVALID_PARAMS', `${k} must be a finite number`); return 0; }
  if (Math.abs(v) > bound(k)) { refuse('INVALID_PARAMS', `${k} must be at most ${bound(k)} in magnitude`); return 0; }
  return v;
}
function nonNeg(p: Record<string, unknown>, k: string): number {
  const v = num(p, k);
  if (v < 0) refuse('INVALID_PARAMS', `${k} must be >= 0`);
  return v;
}
function positive(p: Record<string, unknown>, k: string, dflt?: number): number {
  const v = num(p, k, dflt);
  if (v <= 0) refuse('INVALID_PARAMS', `${k} must be > 0`);
  return v;
}
function str(p: Record<string, unknown>, k: string, dflt?: string): string {
  const v = p[k];
  if (v === undefined || v === null) {
    if (dflt !== undefined) return dflt;
    refuse('INVALID_PARAMS', `${k} is required`);
    return '';
  }
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ID_LENGTH) {
    refuse('INVALID_PARAMS', `${k} must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
    return '';
  }
  return v;
}
function bool(p: Record<string, unknown>, k: string, dflt: boolean | null): boolean | null {
  const v = p[k];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') { refuse('INVALID_PARAMS', `${k} must be a boolean`); return null; }
  return v;
}
function reqBool(p: Record<string, unknown>, k: string): boolean {
  const v = bool(p, k, null);
  if (v === null) { refuse('INVALID_PARAMS', `${k} is required`); return false; }
  return v;
}
function side(p: Record<string, unknown>): 'LONG' | 'SHORT' {
  const v = p['position_type'];
  if (v === 'LONG' || v === 'SHORT') return v;
  refuse('INVALID_PARAMS', 'position_type must be LONG or SHORT');
  return 'LONG';
}
function legs(v: unknown): SlTp | null {
  if (v === undefined || v === null) return null;
  if (!isObj(v)) { refuse('INVALID_SLTP', 'sltp must be an object {sl, tp}'); return null; }
  const leg = (k: string): number | null => {
    const x = v[k];
    if (x === undefined || x === null) return null;
    if (typeof x !== 'number' || !Number.isFinite(x)) { refuse('INVALID_SLTP', `sltp.${k} must be a number or null`); return null; }
    if (Math.abs(x) > MAX_PRICE) { refuse('INVALID_SLTP', `sltp.${k} must be at most ${MAX_PRICE}`); return null; }
    return x;
  };
  return { sl: leg('sl'), tp: leg('tp') };
}

/** Unwraps `{"create_trader_order":{…},"sltp":…}`-style bodies (§2.1–§2.3). */
function unwrap(p: Record<string, unknown>, key: string, extra: string): Record<string, unknown> {
  const inner = p[key];
  if (!isObj(inner)) return p;
  const out: Record<string, unknown> = { ...inner };
  if (p[extra] !== undefined) out[extra] = p[extra];
  return out;
}

/** `{"data":"<hex>"}` bodies of the legacy binary encoding (§2). */
function isHexBody(p: Record<string, unknown>): boolean {
  return typeof p['data'] === 'string' && p['account_id'] === undefined && p['uuid'] === undefined
    && p['create_trader_order'] === undefined && p['execute_trader_order'] === undefined;
}

function openType(p: Record<string, unknown>): 'MARKET' | 'LIMIT' {
  const t = p['order_type'];
  if (t === 'MARKET' || t === 'LIMIT') return t;
  refuse('UNSUPPORTED_ORDER_TYPE', `order_type ${quote(t ?? null)} cannot open a position (MARKET or LIMIT)`);
  return 'MARKET';
}

/** What parseParams returns once a refusal is recorded; parseEnvelope never lets it through. */
const REFUSED = {} as ParamsMap[CommandType];

function hexBody(): ParamsMap[CommandType] {
  refuse('UNSUPPORTED_ENCODING', 'hex-encoded bodies are not supported; send JSON', 'Error');
  return REFUSED;
}

function parseParams(type: CommandType, raw: Record<string, unknown>): ParamsMap[CommandType] {
  switch (type) {
    case 'CreateTraderOrder': case 'CreateTraderOrderSlTp': {
      if (isHexBody(raw)) return hexBody();
      const p = unwrap(raw, 'create_trader_order', 'sltp');
      const order_type = openType(p);
      return {
        account_id: str(p, 'account_id'), position_type: side(p), order_type,
        leverage: num(p, 'leverage'), initial_margin: num(p, 'initial_margin'),
        entryprice: num(p, 'entryprice', 0), execution_price: num(p, 'execution_price', 0),
        sltp: type === 'CreateTraderOrderSlTp' ? legs(p['sltp']) : null,
      } satisfies CreateTrader;
    }
    case 'ExecuteTraderOrder': case 'ExecuteTraderOrderSlTp': {
      if (isHexBody(raw)) return hexBody();
      const p = unwrap(raw, 'execute_trader_order', 'sltp');
      const t = p['order_type'];
      if (t !== 'MARKET' && t !== 'LIMIT' && t !== 'SLTP') {
        refuse('UNSUPPORTED_ORDER_TYPE', `order_type ${quote(t ?? null)} cannot close a position (MARKET, LIMIT or SLTP)`);
        return REFUSED;
      }
      return {
        account_id: str(p, 'account_id'), uuid: str(p, 'uuid'), order_type: t,
        execution_price: num(p, 'execution_price', 0),
        sltp: type === 'ExecuteTraderOrderSlTp' ? legs(p['sltp']) : null,
      } satisfies ExecuteTrader;
    }
    case 'CancelTraderOrder': case 'CancelTraderOrderSlTp': {
      if (isHexBody(raw)) return hexBody();
      const p = unwrap(raw, 'cancel_trader_order', 'sltp_cancel');
      const t = p['order_type'];
      if (t !== undefined && t !== null && typeof t !== 'string') { refuse('INVALID_PARAMS', 'order_type must be a string'); return REFUSED; }
      const c = p['sltp_cancel'];
      let sltp_cancel: { sl: boolean; tp: boolean } | null = null;
      if (c !== undefined && c !== null) {
        if (!isObj(c)) { refuse('INVALID_SLTP', 'sltp_cancel must be an object {sl, tp}'); return REFUSED; }
        sltp_cancel = { sl: bool(c, 'sl', false) === true, tp: bool(c, 'tp', false) === true };
      }
      return {
        account_id: str(p, 'account_id'), uuid: str(p, 'uuid'), order_type: typeof t === 'string' ? t : null,
        sltp_cancel: type === 'CancelTraderOrderSlTp' ? sltp_cancel : null,
      } satisfies CancelTrader;
    }
    case 'CreateLendOrder':
      if (isHexBody(raw)) return hexBody();
      return { account_id: str(raw, 'account_id'), deposit: num(raw, 'deposit'), balance: num(raw, 'balance', 0) } satisfies CreateLend;
    case 'ExecuteLendOrder':
      if (isHexBody(raw)) return hexBody();
      return { account_id: str(raw, 'account_id'), uuid: str(raw, 'uuid') } satisfies ExecuteLend;
    case 'InitPool':
      return {
        total_locked_value: positive(raw, 'total_locked_value', 10_000_000_000),
        total_pool_share: positive(raw, 'total_pool_share', 1_000_000),
        account_id: str(raw, 'account_id', 'operator'),
      };
    case 'PriceTick': {
      const source = raw['source'];
      const feedTs = raw['feed_ts'];
      return {
        price: positive(raw, 'price'),
        source: typeof source === 'string' ? source : null,
        feed_ts: typeof feedTs === 'number' && Number.isFinite(feedTs) ? feedTs : null,
      };
    }
    case 'Heartbeat': case 'Snapshot': case 'RecalculateRiskState': case 'CheckFeed':
      return {};
    case 'FundingCycle': {
      const b = raw['boundary'];
      if (b !== undefined && b !== null && (typeof b !== 'number' || !Number.isSafeInteger(b))) {
        refuse('INVALID_PARAMS', 'boundary must be an integer (ms)');
        return REFUSED;
      }
      return { boundary: typeof b === 'number' ? b : null };
    }
    case 'UpdateFeedParams': {
      const opt = (k: string): number | null => (raw[k] === undefined || raw[k] === null ? null : positive(raw, k));
      return { stale_warn_ms: opt('stale_warn_ms'), stale_halt_ms: opt('stale_halt_ms') };
    }
    case 'UpdateFees':
      return {
        order_filled_on_market: nonNeg(raw, 'order_filled_on_market'),
        order_filled_on_limit: nonNeg(raw, 'order_filled_on_limit'),
        order_settled_on_market: nonNeg(raw, 'order_settled_on_market'),
        order_settled_on_limit: nonNeg(raw, 'order_settled_on_limit'),
      };
    case 'SetMarketHalt':
      return {
        enabled: reqBool(raw, 'enabled'),
        cancel_pending_limit_orders: bool(raw, 'cancel_pending_limit_orders', false) === true,
        cancel_settling_limit_orders: bool(raw, 'cancel_settling_limit_orders', false) === true,
        pause_funding: bool(raw, 'pause_funding', null),
        pause_price_feed: bool(raw, 'pause_price_feed', null),
        exit_relayer: bool(raw, 'exit_relayer', false) === true,
      } satisfies SetHalt;
    case 'SetMarketCloseOnly': case 'SetPauseFunding': case 'SetPausePriceFeed':
      return { enabled: reqBool(raw, 'enabled') };
    case 'UpdateRiskParams': {
      const out: Partial<Record<RiskParamKey, number>> = {};
      for (const k of RISK_PARAM_KEYS) if (raw[k] !== undefined && raw[k] !== null) out[k] = nonNeg(raw, k);
      return out;
    }
    case 'TriggerPriceCheck':
      return {
        price: positive(raw, 'price'),
        check_pending_limit: bool(raw, 'check_pending_limit', true) === true,
        check_liquidation: bool(raw, 'check_liquidation', true) === true,
        check_settling_limit: bool(raw, 'check_settling_limit', true) === true,
      };
    default: {
      const never: never = type;
      throw new Error(`unhandled command ${String(never)}`);
    }
  }
}

/** Parses a decoded JSON value as a command envelope (§12 envelope errors). */
export function parseEnvelope(raw: unknown): ParseResult {
  if (!isObj(raw)) {
    return { ok: false, fail: { type: null, id: null, ts: null, status: 'CANCELLED', code: 'INVALID_PARAMS', reason: 'a command must be a JSON object', params: null } };
  }
  const id = typeof raw['id'] === 'string' ? raw['id'] : null;
  const type = typeof raw['type'] === 'string' ? raw['type'] : null;
  const ts = typeof raw['ts'] === 'number' && Number.isSafeInteger(raw['ts']) ? raw['ts'] : null;
  const params = isObj(raw['params']) ? raw['params'] : raw['params'] === undefined ? {} : null;
  const fail = (reason: string, code: ReasonCode = 'INVALID_PARAMS', status: RejectStatus = 'CANCELLED'): ParseResult =>
    ({ ok: false, fail: { type, id, ts, status, code, reason, params: params ?? null } });
  if (raw['v'] !== undefined && raw['v'] !== 1) return fail(`unsupported envelope version ${quote(raw['v'])}`);
  if (id === null || id.length === 0 || id.length > MAX_ID_LENGTH) return fail(`id must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  if (ts === null) return fail('ts must be an integer (milliseconds)');
  if (type === null || !KNOWN.has(type)) return fail(`unknown command type ${quote(raw['type'] ?? null)}`);
  if (params === null) return fail('params must be a JSON object');
  refusal = null;
  const parsed = parseParams(type as CommandType, params);
  if (refusal !== null) {
    const r: { code: ReasonCode; message: string; status: RejectStatus } = refusal;
    refusal = null;
    return fail(r.message, r.code, r.status);
  }
  return { ok: true, cmd: { id, ts, type, params: parsed } as Command };
}
