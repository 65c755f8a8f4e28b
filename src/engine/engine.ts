// The engine's entry points: a command (or a raw envelope) in, its events out, state advanced.
// Duplicate ids are answered with the original seq and never executed twice (SPEC §2, §12).
import { parseEnvelope, type Command } from './commands.js';
import { Ctx } from './ctx.js';
import { decideInto } from './decide.js';
import type { EventEnvelope } from './events.js';
import { DEFAULT_MARKET, isMarketId } from './market.js';
import type { State } from './state.js';

/** Executes one typed command: decides, applies every event with evolve, returns the events. */
export function execute(state: State, cmd: Command): EventEnvelope[] {
  const ctx = new Ctx(state, cmd.id, cmd.ts, cmd.type);
  // §13: a command for another market reached this engine's log (defence in depth: the writers route)
  const market = cmd.market === undefined ? DEFAULT_MARKET : cmd.market; // absent = BTC-USD
  if (market !== state.config.market) {
    ctx.reject('CANCELLED', 'INVALID_PARAMS', wrongMarket(market, state.config.market), refsOf(cmd.params as Record<string, unknown>));
    return ctx.out;
  }
  const original = state.seen.original(cmd.id, cmd.ts, state.config.dedupe_window_ms);
  if (original !== undefined) {
    const p = cmd.params as { account_id?: unknown; uuid?: unknown; order_type?: unknown };
    ctx.reject(
      'DuplicateOrder',
      'DUPLICATE_REQUEST',
      `command id ${cmd.id} was already executed`,
      {
        order_id: typeof p.uuid === 'string' ? p.uuid : null,
        account_id: typeof p.account_id === 'string' ? p.account_id : null,
        order_type: typeof p.order_type === 'string' ? p.order_type : null,
      },
      original,
    );
    return ctx.out;
  }
  decideInto(ctx, cmd);
  return ctx.out;
}

function wrongMarket(market: unknown, own: string): string {
  return isMarketId(market)
    ? `command for market ${market} sent to the ${own} engine`
    : `malformed market ${JSON.stringify(market) ?? String(market)} in a command sent to the ${own} engine (want BASE-QUOTE, e.g. ${own})`;
}

function refsOf(p: Record<string, unknown>): { order_id: string | null; account_id: string | null; order_type: string | null } {
  return {
    order_id: typeof p['uuid'] === 'string' ? p['uuid'] : null,
    account_id: typeof p['account_id'] === 'string' ? p['account_id'] : null,
    order_type: typeof p['order_type'] === 'string' ? p['order_type'] : null,
  };
}

/** The STYLE.md name for execute: decide(state, cmd) → events (already applied to state). */
export const decide = execute;

/**
 * Executes a decoded JSON value as a command envelope. An envelope that does not parse becomes
 * one Rejected event whose `cmd` is its id when it has one, else `fallbackId` (e.g. `line:7`).
 */
export function executeRaw(state: State, raw: unknown, fallbackId: string): EventEnvelope[] {
  const parsed = parseEnvelope(raw);
  if (parsed.ok) return execute(state, parsed.cmd);
  const f = parsed.fail;
  const id = f.id !== null && f.id.length > 0 && f.id.length <= 128 ? f.id : fallbackId;
  const ts = f.ts ?? state.last_ts;
  const ctx = new Ctx(state, id, ts, f.type);
  const p = f.params ?? {};
  const refs = {
    order_id: typeof p['uuid'] === 'string' ? p['uuid'] : null,
    account_id: typeof p['account_id'] === 'string' ? p['account_id'] : null,
    order_type: typeof p['order_type'] === 'string' ? p['order_type'] : null,
  };
  const original = state.seen.original(id, ts, state.config.dedupe_window_ms);
  if (original !== undefined && id !== fallbackId) {
    ctx.reject('DuplicateOrder', 'DUPLICATE_REQUEST', `command id ${id} was already executed`, refs, original);
  } else {
    ctx.reject(f.status, f.code, f.reason, refs);
  }
  return ctx.out;
}

/** A line that is not JSON at all: one Rejected naming the line and the parse error. */
export function rejectUnparsable(state: State, fallbackId: string, error: string): EventEnvelope[] {
  const ctx = new Ctx(state, fallbackId, state.last_ts, null);
  ctx.reject('CANCELLED', 'INVALID_PARAMS', error);
  return ctx.out;
}
