// Client and admin writes: a JSON-RPC params object → a command envelope for the input log. The
// body is kept as the client sent it (SPEC's bodies unchanged) minus the gateway's own fields
// (`request_id`, `wait`); the id is the client's `request_id` or a fresh uuid. The gateway's zod
// check (built from the engine's command table) runs first with field-level messages, then the
// engine's own envelope parser as a guard, so nothing the engine would refuse at parse time ever
// reaches the log.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { COMMAND_TABLE, HEX_REASON, isHexBody, isObj, parseEnvelope, unwrap, type CommandClass, type CommandType } from '../engine/index.js';
import { DEFAULT_MARKET } from '../engine/market.js';
import { MAX_RECORD_BYTES } from '../runtime/record.js';
import { RPC, RpcError } from './errors.js';
import * as S from './schemas.js';

export interface PreparedWrite {
  id: string;
  type: CommandType;
  /** The envelope text appended to the input log. */
  raw: string;
  /** The account the command acts for (null for admin commands). */
  account: string | null;
  wait: boolean;
}

interface WriteSpec {
  schema: z.ZodType;
  /** `{"<key>":{…},"<extra>":…}` nested form of SPEC §2.1–§2.3. */
  nested?: readonly [key: string, extra: string];
}

/** The commands of one class from the engine's table, in its order. */
function writes(cls: CommandClass): Readonly<Record<string, WriteSpec>> {
  const out: Record<string, WriteSpec> = {};
  for (const type of Object.keys(COMMAND_TABLE) as CommandType[]) {
    const spec: { class: CommandClass; nested?: readonly [string, string] } = COMMAND_TABLE[type];
    if (spec.class !== cls) continue;
    out[type] = spec.nested === undefined ? { schema: S.WRITE_SCHEMAS[type]! } : { schema: S.WRITE_SCHEMAS[type]!, nested: spec.nested };
  }
  return out;
}

export const CLIENT_WRITES = writes('client');
export const ADMIN_WRITES = writes('admin');

/** Who may act: a client key's accounts, or null for an admin key (no account binding). */
export type Accounts = ReadonlySet<string> | null;

/**
 * Validates a write and builds its envelope. `accounts` binds a client key: the body's account_id
 * must be one of them (FORBIDDEN otherwise, and nothing is logged).
 */
export function prepareWrite(type: CommandType, spec: WriteSpec, params: unknown, accounts: Accounts, market: string = DEFAULT_MARKET): PreparedWrite {
  if (params === undefined || params === null) params = {};
  if (!isObj(params)) throw new RpcError(RPC.INVALID_PARAMS, 'Invalid params: params must be a JSON object (the request body of SPEC §2)');
  // the engine refuses a hex body of any trader command; a nested cancel body goes to the field
  // checks first (the engine's guard in build still refuses it with the same message)
  if (spec.nested !== undefined && isHexBody(params) && params['cancel_trader_order'] === undefined) {
    throw new RpcError(RPC.INVALID_PARAMS, `Invalid params: ${HEX_REASON}`, { reason_code: 'UNSUPPORTED_ENCODING' });
  }
  let view: Record<string, unknown> = params;
  let prefix = '';
  if (spec.nested !== undefined && isObj(params[spec.nested[0]])) {
    const [key, extra] = spec.nested;
    view = unwrap(params, key, extra);
    delete view['request_id'];
    delete view['wait'];
    prefix = key;
    // the gateway's own fields live on the outer object
    S.check(S.gatewayFields, { request_id: params['request_id'], wait: params['wait'] });
  }
  const parsed = S.check(spec.schema, view, prefix) as Record<string, unknown>;
  const account = typeof parsed['account_id'] === 'string' ? parsed['account_id'] : null;
  if (accounts !== null && (account === null || !accounts.has(account))) {
    throw new RpcError(RPC.FORBIDDEN, `this key may not act for account ${JSON.stringify(account)}`, undefined, 403);
  }
  return build(type, params, account, accounts, market);
}

/** Private `submit_order`: a CreateTraderOrder body without account_id; the account is the key's. */
export function prepareSubmitOrder(params: unknown, accounts: ReadonlySet<string>, at: string, market: string = DEFAULT_MARKET): PreparedWrite {
  if (!isObj(params)) throw new RpcError(RPC.INVALID_PARAMS, `Invalid params: ${at} must be a JSON object (a CreateTraderOrder body)`);
  const p = S.check(S.submitOrder, params, at === 'params' ? '' : at) as { account_id?: string; sltp?: unknown };
  let account = p.account_id;
  if (account === undefined) {
    if (accounts.size !== 1) throw new RpcError(RPC.INVALID_PARAMS, `Invalid params: this key is bound to ${accounts.size} accounts; give account_id`);
    account = [...accounts][0]!;
  } else if (!accounts.has(account)) {
    throw new RpcError(RPC.FORBIDDEN, `this key may not act for account ${JSON.stringify(account)}`, undefined, 403);
  }
  const body = { ...params, account_id: account };
  const legs = p.sltp !== undefined && p.sltp !== null;
  return build(legs ? 'CreateTraderOrderSlTp' : 'CreateTraderOrder', body, account, accounts, market);
}

function build(type: CommandType, params: Record<string, unknown>, account: string | null, accounts: Accounts, market: string): PreparedWrite {
  const body: Record<string, unknown> = { ...params };
  const requestId = typeof body['request_id'] === 'string' ? body['request_id'] : null;
  const wait = body['wait'] === true;
  delete body['request_id'];
  delete body['wait'];
  const id = requestId ?? randomUUID();
  // the engine's parser is the authority on what it accepts; the gateway never logs a command it
  // would refuse at parse time (zod above gives the field-level message first)
  const guard = parseEnvelope({ v: 1, id, ts: 0, type, params: body });
  if (!guard.ok) throw new RpcError(RPC.INVALID_PARAMS, `Invalid params: ${guard.fail.reason}`, { reason_code: guard.fail.code });
  // the envelope names its market (D160) unless it is BTC-USD: BTC-USD's records stay byte for byte as before
  const raw = JSON.stringify(market === DEFAULT_MARKET ? { v: 1, id, type, params: body } : { v: 1, id, market, type, params: body });
  if (Buffer.byteLength(raw, 'utf8') > MAX_RECORD_BYTES)
    throw new RpcError(RPC.INVALID_PARAMS, `Invalid params: the command exceeds ${MAX_RECORD_BYTES} bytes`);
  return { id, type, raw, account: accounts === null ? null : account, wait };
}
