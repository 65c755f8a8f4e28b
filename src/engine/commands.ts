// Every command of SPEC.md §2 as a discriminated union, and the parser from a raw envelope
// (DESIGN §3) to a typed command or a coded rejection. The parser walks the command table
// (command-table.ts); range rules that SPEC orders after state checks (leverage range, LIMIT
// price, deposit sign) stay in decide; shape is checked here.
import { choices, COMMAND_TABLE, enumCode, MAX_ID_LENGTH, MAX_PRICE, type Field, type RiskParamKey } from './command-table.js';
import type { ReasonCode, RejectStatus, SlTp } from './types.js';

export { COMMAND_TABLE, MAX_ID_LENGTH, MAX_PRICE, choices, type CommandClass, type FieldSpec } from './command-table.js';

export interface CreateTrader {
  account_id: string;
  position_type: 'LONG' | 'SHORT';
  order_type: 'MARKET' | 'LIMIT';
  leverage: number;
  initial_margin: number;
  entryprice: number;
  execution_price: number;
  sltp: SlTp | null;
}
export interface ExecuteTrader {
  account_id: string;
  uuid: string;
  order_type: 'MARKET' | 'LIMIT' | 'SLTP';
  execution_price: number;
  sltp: SlTp | null;
}
export interface CancelTrader {
  account_id: string;
  uuid: string;
  order_type: string | null;
  sltp_cancel: { sl: boolean; tp: boolean } | null;
}
export interface CreateLend {
  account_id: string;
  deposit: number;
  balance: number;
}
export interface ExecuteLend {
  account_id: string;
  uuid: string;
}
interface SetHalt {
  enabled: boolean;
  cancel_pending_limit_orders: boolean;
  cancel_settling_limit_orders: boolean;
  pause_funding: boolean | null;
  pause_price_feed: boolean | null;
  exit_relayer: boolean;
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
    order_filled_on_market: number;
    order_filled_on_limit: number;
    order_settled_on_market: number;
    order_settled_on_limit: number;
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
/** `market`: the envelope's market as sent (absent = BTC-USD); execute checks it against the engine's (§13). */
export type Command = { [K in CommandType]: { id: string; ts: number; type: K; params: ParamsMap[K]; market?: unknown } }[CommandType];
export type CommandOf<K extends CommandType> = Extract<Command, { type: K }>;

/** The table describes exactly the commands of the union (a compile error otherwise). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
true satisfies Same<keyof typeof COMMAND_TABLE, CommandType>;

export const COMMAND_TYPES = Object.keys(COMMAND_TABLE) as readonly CommandType[];
const KNOWN = new Set<string>(COMMAND_TYPES);

/**
 * A table field in the one shape the parser reads (every step has the same properties, so the
 * reads below stay monomorphic on the hot path). Built once from the table.
 */
interface Step {
  name: string;
  kind: number;
  max: number;
  sign: 'any' | 'nonneg' | 'positive';
  /** undefined: required; null or a value: what an absent field parses as */
  dflt: unknown;
  omit: boolean;
  values: readonly string[];
  purpose: string | null;
  unit: string;
  of: 'string' | 'number';
  use: 'read' | 'skip' | 'check';
}
interface Walk {
  first: readonly Step[];
  steps: readonly Step[];
  hex: boolean;
  nested: readonly [string, string] | null;
}

/** Field kinds as small integers: the switch in read compares numbers, not strings. */
const ID = 0,
  NUM = 1,
  BOOL = 2,
  ENUM = 3,
  TEXT = 4,
  INT = 5,
  HINT = 6,
  LEGS = 7,
  FLAGS = 8;
const KIND: Record<Field['kind'], number> = { id: ID, num: NUM, bool: BOOL, enum: ENUM, text: TEXT, int: INT, hint: HINT, legs: LEGS, flags: FLAGS };

function step(f: Field): Step {
  const s: Step = {
    name: f.name,
    kind: KIND[f.kind],
    max: 0,
    sign: 'any',
    dflt: undefined,
    omit: false,
    values: [],
    purpose: null,
    unit: '',
    of: 'string',
    use: f.engine === undefined ? 'read' : f.engine,
  };
  if (f.kind === 'num') {
    s.max = f.max;
    s.sign = f.sign;
    s.dflt = f.dflt;
    s.omit = f.omit === true;
  }
  if (f.kind === 'id' || f.kind === 'bool') s.dflt = f.dflt;
  if (f.kind === 'enum') {
    s.values = f.values;
    s.purpose = f.purpose ?? null;
  }
  if (f.kind === 'int') s.unit = f.unit;
  if (f.kind === 'hint') s.of = f.of;
  return s;
}

const WALKS = new Map<string, Walk>();
for (const type of COMMAND_TYPES) {
  const spec: { fields: readonly Field[]; hex?: true; nested?: readonly [string, string] } = COMMAND_TABLE[type];
  const steps = spec.fields.map(step);
  WALKS.set(type, { first: steps.filter((_, i) => spec.fields[i]!.first === true), steps, hex: spec.hex === true, nested: spec.nested ?? null });
}

/** A refusal found while parsing; decide turns it into a Rejected event. */
interface ParseFailure {
  type: string | null;
  id: string | null;
  ts: number | null;
  status: RejectStatus;
  code: ReasonCode;
  reason: string;
  params: Record<string, unknown> | null;
}

export type ParseResult = { ok: true; cmd: Command } | { ok: false; fail: ParseFailure };

/**
 * The first refusal found in the parameters of the command being parsed. The readers below record
 * it and return a placeholder instead of throwing, so a refused command unwinds nothing (a throw
 * cost about a third of a refusal); parseEnvelope reads it after parseParams returns. Later
 * readers never overwrite it, so the first failure in SPEC order wins. Single-threaded and reset
 * by every parse.
 */
let refusal: { code: ReasonCode; message: string; status: RejectStatus } | null = null;

function refuse(code: ReasonCode, message: string, status: RejectStatus = 'CANCELLED'): void {
  if (refusal === null) refusal = { code, message, status };
}

export const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

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

function num(p: Record<string, unknown>, k: string, max: number, dflt: number | undefined): number {
  const v = p[k];
  if (v === undefined || v === null) {
    if (dflt !== undefined) return dflt;
    refuse('INVALID_PARAMS', `${k} is required`);
    return 0;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    refuse('INVALID_PARAMS', `${k} must be a finite number`);
    return 0;
  }
  if (Math.abs(v) > max) {
    refuse('INVALID_PARAMS', `${k} must be at most ${max} in magnitude`);
    return 0;
  }
  return v;
}
function str(p: Record<string, unknown>, k: string, dflt: string | undefined): string {
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
  if (typeof v !== 'boolean') {
    refuse('INVALID_PARAMS', `${k} must be a boolean`);
    return null;
  }
  return v;
}
function legs(k: string, v: unknown): SlTp | null {
  if (v === undefined || v === null) return null;
  if (!isObj(v)) {
    refuse('INVALID_SLTP', `${k} must be an object {sl, tp}`);
    return null;
  }
  const leg = (l: string): number | null => {
    const x = v[l];
    if (x === undefined || x === null) return null;
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      refuse('INVALID_SLTP', `${k}.${l} must be a number or null`);
      return null;
    }
    if (Math.abs(x) > MAX_PRICE) {
      refuse('INVALID_SLTP', `${k}.${l} must be at most ${MAX_PRICE}`);
      return null;
    }
    return x;
  };
  return { sl: leg('sl'), tp: leg('tp') };
}

/** What read returns for an absent field the table marks `omit`: the key is left out. */
const ABSENT = Symbol('absent');

/** One field's parsed value; a bad value records a refusal and returns a placeholder. */
function read(f: Step, p: Record<string, unknown>): unknown {
  const k = f.name;
  switch (f.kind) {
    case ID:
      return str(p, k, f.dflt as string | undefined);
    case NUM: {
      const given = p[k] !== undefined && p[k] !== null;
      if (!given && f.omit) return ABSENT;
      if (!given && f.dflt === null) return null;
      const v = num(p, k, f.max, f.dflt as number | undefined);
      if (f.sign === 'positive' && v <= 0) refuse('INVALID_PARAMS', `${k} must be > 0`);
      else if (f.sign === 'nonneg' && v < 0) refuse('INVALID_PARAMS', `${k} must be >= 0`);
      return v;
    }
    case BOOL: {
      if (f.dflt === undefined) {
        const v = bool(p, k, null);
        if (v === null) {
          refuse('INVALID_PARAMS', `${k} is required`);
          return false;
        }
        return v;
      }
      const v = bool(p, k, f.dflt as boolean | null);
      return f.dflt === null ? v : v === true;
    }
    case ENUM: {
      const v = p[k];
      if (typeof v === 'string' && f.values.includes(v)) return v;
      refuse(enumCode(f), f.purpose === null ? `${k} must be ${choices(f.values)}` : `${k} ${quote(v ?? null)} cannot ${f.purpose} (${choices(f.values)})`);
      return f.values[0];
    }
    case TEXT: {
      const v = p[k];
      if (v === undefined || v === null) return null;
      if (typeof v !== 'string') {
        refuse('INVALID_PARAMS', `${k} must be a string`);
        return null;
      }
      return v;
    }
    case INT: {
      const v = p[k];
      if (v === undefined || v === null) return null;
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
        refuse('INVALID_PARAMS', `${k} must be an integer (${f.unit})`);
        return null;
      }
      return v;
    }
    case HINT: {
      const v = p[k];
      return f.of === 'string' ? (typeof v === 'string' ? v : null) : typeof v === 'number' && Number.isFinite(v) ? v : null;
    }
    case LEGS:
      return legs(k, p[k]);
    case FLAGS: {
      const c = p[k];
      if (c === undefined || c === null) return null;
      if (!isObj(c)) {
        refuse('INVALID_SLTP', `${k} must be an object {sl, tp}`);
        return null;
      }
      return { sl: bool(c, 'sl', false) === true, tp: bool(c, 'tp', false) === true };
    }
    default:
      return null;
  }
}

/** Unwraps `{"create_trader_order":{…},"sltp":…}`-style bodies (§2.1–§2.3); other bodies as they are. */
export function unwrap(p: Record<string, unknown>, key: string, extra: string): Record<string, unknown> {
  const inner = p[key];
  if (!isObj(inner)) return p;
  const out: Record<string, unknown> = { ...inner };
  if (p[extra] !== undefined) out[extra] = p[extra];
  return out;
}

/** `{"data":"<hex>"}` bodies of the legacy binary encoding (§2). */
export function isHexBody(p: Record<string, unknown>): boolean {
  return (
    typeof p['data'] === 'string' &&
    p['account_id'] === undefined &&
    p['uuid'] === undefined &&
    p['create_trader_order'] === undefined &&
    p['execute_trader_order'] === undefined
  );
}

export const HEX_REASON = 'hex-encoded bodies are not supported; send JSON';

/** What parseParams returns once a refusal is recorded; parseEnvelope never lets it through. */
const REFUSED = {} as ParamsMap[CommandType];

function parseParams(w: Walk, raw: Record<string, unknown>): ParamsMap[CommandType] {
  if (w.hex && isHexBody(raw)) {
    refuse('UNSUPPORTED_ENCODING', HEX_REASON, 'Error');
    return REFUSED;
  }
  const p = w.nested === null ? raw : unwrap(raw, w.nested[0], w.nested[1]);
  for (const f of w.first) read(f, p);
  if (refusal !== null) return REFUSED;
  const out: Record<string, unknown> = {};
  for (const f of w.steps) {
    if (f.use === 'skip') {
      out[f.name] = null;
      continue;
    }
    const v = read(f, p);
    if (v !== ABSENT) out[f.name] = f.use === 'check' ? null : v;
  }
  return out as ParamsMap[CommandType];
}

/** Parses a decoded JSON value as a command envelope (§12 envelope errors). */
export function parseEnvelope(raw: unknown): ParseResult {
  if (!isObj(raw)) {
    return {
      ok: false,
      fail: { type: null, id: null, ts: null, status: 'CANCELLED', code: 'INVALID_PARAMS', reason: 'a command must be a JSON object', params: null },
    };
  }
  const id = typeof raw['id'] === 'string' ? raw['id'] : null;
  const type = typeof raw['type'] === 'string' ? raw['type'] : null;
  const ts = typeof raw['ts'] === 'number' && Number.isSafeInteger(raw['ts']) ? raw['ts'] : null;
  const params = isObj(raw['params']) ? raw['params'] : raw['params'] === undefined ? {} : null;
  const fail = (reason: string, code: ReasonCode = 'INVALID_PARAMS', status: RejectStatus = 'CANCELLED'): ParseResult => ({
    ok: false,
    fail: { type, id, ts, status, code, reason, params: params ?? null },
  });
  if (raw['v'] !== undefined && raw['v'] !== 1) return fail(`unsupported envelope version ${quote(raw['v'])}`);
  if (id === null || id.length === 0 || id.length > MAX_ID_LENGTH) return fail(`id must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  if (ts === null) return fail('ts must be an integer (milliseconds)');
  if (type === null || !KNOWN.has(type)) return fail(`unknown command type ${quote(raw['type'] ?? null)}`);
  if (params === null) return fail('params must be a JSON object');
  refusal = null;
  const parsed = parseParams(WALKS.get(type)!, params);
  if (refusal !== null) {
    const r: { code: ReasonCode; message: string; status: RejectStatus } = refusal;
    refusal = null;
    return fail(r.message, r.code, r.status);
  }
  return { ok: true, cmd: { id, ts, type, params: parsed, market: raw['market'] } as Command };
}
