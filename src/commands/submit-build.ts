// Building command envelopes for `relayer submit`: from flags (one order) or from JSON lines that
// are envelopes ({type, params, id?}), JSON-RPC requests ({method, params, id?}) or anything else,
// which is put on the input log as it is so the engine quarantines it with a reason.
import { randomUUID } from 'node:crypto';
import { COMMAND_TYPES } from '../engine/index.js';
import { usage } from '../errors.js';

const KNOWN = new Set<string>(COMMAND_TYPES);

export interface Built {
  id: string | null;
  raw: string;
}

export function newId(): string {
  return randomUUID();
}

/** One JSON line → the raw record to append (normalised when it is recognisably a command). */
export function fromLine(line: string): Built {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { id: null, raw: line };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { id: null, raw: line };
  const o = v as Record<string, unknown>;
  // a complete envelope is stored byte for byte: what the client sent is what the log keeps
  if (typeof o['id'] === 'string' && o['id'].length > 0 && typeof o['type'] === 'string' && (o['v'] === undefined || o['v'] === 1)) {
    return { id: o['id'], raw: line };
  }
  const type = typeof o['type'] === 'string' ? o['type'] : typeof o['method'] === 'string' ? o['method'] : null;
  if (type === null) return { id: typeof o['id'] === 'string' ? o['id'] : null, raw: line };
  const params = (o['params'] ?? {}) as Record<string, unknown>;
  const requestId = typeof params['request_id'] === 'string' ? params['request_id'] : null;
  const id = typeof o['id'] === 'string' && o['id'].length > 0 ? o['id'] : (requestId ?? newId());
  return { id, raw: JSON.stringify({ v: 1, id, type, params }) };
}

export interface OrderFlags {
  id?: string;
  account?: string;
  uuid?: string;
  long?: boolean;
  short?: boolean;
  /** `--market` alone: a market order; `--market ETH-USD`: the market to submit to (D170). */
  market?: boolean | string;
  limit?: boolean;
  leverage?: string;
  margin?: string;
  price?: string;
  sl?: string;
  tp?: string;
  deposit?: string;
  params?: string;
}

function num(v: string | undefined, flag: string): number {
  if (v === undefined) throw usage(`--${flag} is required`);
  const n = Number(v);
  if (!Number.isFinite(n)) throw usage(`--${flag} must be a number`);
  return n;
}
function need(v: string | undefined, flag: string): string {
  if (v === undefined || v === '') throw usage(`--${flag} is required`);
  return v;
}
const optNum = (v: string | undefined, flag: string): number | null => (v === undefined ? null : num(v, flag));

/** `relayer submit <kind> [flags]` → one envelope. */
export function fromFlags(kind: string, f: OrderFlags): Built {
  const id = f.id ?? newId();
  const env = (type: string, params: object): Built => ({ id, raw: JSON.stringify({ v: 1, id, type, params }) });
  const legs = f.sl !== undefined || f.tp !== undefined ? { sl: optNum(f.sl, 'sl'), tp: optNum(f.tp, 'tp') } : null;
  switch (kind) {
    case 'open': {
      if (f.long === f.short) throw usage('give exactly one of --long / --short');
      if (f.market === true && f.limit) throw usage('give at most one of --market / --limit');
      const orderType = f.limit ? 'LIMIT' : 'MARKET';
      return env(legs ? 'CreateTraderOrderSlTp' : 'CreateTraderOrder', {
        account_id: need(f.account, 'account'),
        position_type: f.long ? 'LONG' : 'SHORT',
        order_type: orderType,
        leverage: num(f.leverage, 'leverage'),
        initial_margin: num(f.margin, 'margin'),
        available_margin: num(f.margin, 'margin'),
        order_status: 'PENDING',
        entryprice: orderType === 'LIMIT' ? num(f.price, 'price') : 0,
        execution_price: 0,
        ...(legs ? { sltp: legs } : {}),
      });
    }
    case 'close': {
      const orderType = legs ? 'SLTP' : f.limit ? 'LIMIT' : 'MARKET';
      return env(legs ? 'ExecuteTraderOrderSlTp' : 'ExecuteTraderOrder', {
        account_id: need(f.account, 'account'),
        uuid: need(f.uuid, 'uuid'),
        order_type: orderType,
        settle_margin: 0,
        order_status: 'FILLED',
        execution_price: orderType === 'LIMIT' ? num(f.price, 'price') : 0,
        ...(legs ? { sltp: legs } : {}),
      });
    }
    case 'cancel': {
      const sltp = f.sl !== undefined || f.tp !== undefined;
      return env(sltp ? 'CancelTraderOrderSlTp' : 'CancelTraderOrder', {
        account_id: need(f.account, 'account'),
        uuid: need(f.uuid, 'uuid'),
        order_type: sltp ? 'SLTP' : 'LIMIT',
        order_status: 'PENDING',
        ...(sltp ? { sltp_cancel: { sl: f.sl !== undefined, tp: f.tp !== undefined } } : {}),
      });
    }
    case 'lend':
      return env('CreateLendOrder', {
        account_id: need(f.account, 'account'),
        balance: 0,
        order_type: 'LEND',
        order_status: 'PENDING',
        deposit: num(f.deposit, 'deposit'),
      });
    case 'withdraw':
      return env('ExecuteLendOrder', {
        account_id: need(f.account, 'account'),
        uuid: need(f.uuid, 'uuid'),
        order_type: 'LEND',
        settle_withdraw: 0,
        order_status: 'PENDING',
        poolshare_price: 0,
      });
    case 'tick':
      return env('PriceTick', { price: num(f.price, 'price'), source: 'cli' });
    default: {
      if (!KNOWN.has(kind)) throw usage(`unknown command kind ${kind} (open, close, cancel, lend, withdraw, tick, or a command type such as FundingCycle)`);
      let params: unknown = {};
      if (f.params !== undefined) {
        try {
          params = JSON.parse(f.params);
        } catch {
          throw usage('--params must be a JSON object');
        }
      }
      return env(kind, params as object);
    }
  }
}
