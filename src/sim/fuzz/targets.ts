// What the fuzzer feeds: the input parser plus engine (one raw input record, as the loop runs it)
// and the gateway's request handling (a write method's params → the envelope it would log). Each
// check turns a misbehaviour into a finding: an exception, a record with no outcome, a refusal
// without a code and a reason, or a refused input that changed the engine state.
import { mintedUuid } from '../../engine/util/uuid.js';
import { emptyState, type EventEnvelope, type State } from '../../engine/index.js';
import { RpcError, RPC } from '../../api/errors.js';
import { ADMIN_WRITES, CLIENT_WRITES, prepareSubmitOrder, prepareWrite } from '../../api/writes.js';
import { runRecord } from '../../runtime/record.js';
import { SETUP } from './corpus.js';

export type FindingKind = 'crash' | 'hang' | 'no-outcome' | 'unclear-refusal' | 'state-changed';

export interface Finding {
  kind: FindingKind;
  target: 'engine' | 'gateway' | 'http';
  index: number;
  message: string;
  input: string;
}

const RPC_CODES = new Set<number>(Object.values(RPC));

/** The engine state a refusal must leave alone: everything but the log position, the clock and the ids seen. */
export function businessDigest(s: State): string {
  return JSON.stringify([
    s.pool,
    s.pool_account,
    s.price,
    s.funding_rate,
    s.funding_boundary,
    s.feed,
    s.fees,
    s.params,
    s.risk,
    s.trader_seq,
    s.lend_seq,
    s.ps_long,
    s.ps_short,
    [...s.orders.values()],
    [...s.closed.entries()],
    [...s.trader_by_account.entries()],
    [...s.lends.values()],
    [...s.lend_by_account.entries()],
    s.config,
  ]);
}

export function placeholders(text: string): string {
  return text
    .replaceAll('f-open-uuid', mintedUuid('f-open', 0))
    .replaceAll('f-limit-uuid', mintedUuid('f-limit', 0))
    .replaceAll('f-lend-uuid', mintedUuid('f-lend', 0));
}

/** The input parser and the engine, one raw record at a time, from the SETUP state. */
export class EngineTarget {
  state: State = emptyState();
  private pos = 0;
  private ts = 0;

  /** Back to the SETUP state, clock included, so a block replays exactly from its start. */
  reset(): void {
    this.state = emptyState();
    this.pos = 0;
    this.ts = 1_732_492_800_000;
    for (const c of SETUP) this.run(JSON.stringify(c));
  }

  run(raw: string): EventEnvelope[] {
    this.pos++;
    this.ts += 7;
    return runRecord(this.state, { position: String(this.pos), ts: this.ts, raw });
  }

  /** Runs one record and checks it; a finding or null. */
  feed(index: number, raw: string): Finding | null {
    const before = businessDigest(this.state);
    let out: EventEnvelope[];
    try {
      out = this.run(raw);
    } catch (e) {
      return finding('crash', 'engine', index, raw, e);
    }
    if (out.length === 0) {
      // only system ticks may be silent (an unchanged price); everything else answers
      const t = typeOf(raw);
      if (t !== 'PriceTick' && t !== 'FundingCycle')
        return { kind: 'no-outcome', target: 'engine', index, message: `no event for a ${t ?? 'non-command'} record`, input: clip(raw) };
      return null;
    }
    let accepted = false;
    for (const e of out) {
      if (e.type !== 'Rejected') {
        accepted = true;
        continue;
      }
      const d = e.data;
      if (typeof d.reason_code !== 'string' || (d.reason_code as string) === '' || typeof d.reason !== 'string' || d.reason === '') {
        return { kind: 'unclear-refusal', target: 'engine', index, message: `Rejected without a code or reason: ${JSON.stringify(d)}`, input: clip(raw) };
      }
    }
    if (!accepted && businessDigest(this.state) !== before) {
      return {
        kind: 'state-changed',
        target: 'engine',
        index,
        message: `refused (${out.map((e) => (e.type === 'Rejected' ? e.data.reason_code : e.type)).join(',')}) yet the state changed`,
        input: clip(raw),
      };
    }
    return null;
  }
}

function typeOf(raw: string): string | null {
  try {
    const v = JSON.parse(raw) as { type?: unknown };
    return typeof v?.type === 'string' ? v.type : null;
  } catch {
    return null;
  }
}

export function clip(s: string, n = 300): string {
  return s.length <= n ? s : `${s.slice(0, n)}… (${s.length} chars)`;
}

export function finding(kind: FindingKind, target: Finding['target'], index: number, input: string, e: unknown): Finding {
  const err = e as Error;
  return { kind, target, index, message: `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`, input: clip(input) };
}

const CLIENT_KEY = new Set(['acc-1', 'acc-2', 'acc-3']);

/**
 * The gateway's handling of one write: refused with an RpcError (a JSON-RPC code and a message)
 * and nothing to log, or accepted with an envelope the engine then runs. Returns the accepted raw.
 */
export function gatewayWrite(index: number, method: string, paramsText: string, engine: EngineTarget): Finding | null {
  let params: unknown;
  try {
    params = JSON.parse(paramsText);
  } catch {
    return null;
  } // the HTTP layer answers PARSE_ERROR
  let raw: string;
  try {
    if (method === 'submit_order') raw = prepareSubmitOrder(params, CLIENT_KEY, 'params').raw;
    else {
      const spec = CLIENT_WRITES[method] ?? ADMIN_WRITES[method];
      if (spec === undefined) return null;
      raw = prepareWrite(method as never, spec, params, CLIENT_WRITES[method] !== undefined ? CLIENT_KEY : null).raw;
    }
  } catch (e) {
    if (e instanceof RpcError && RPC_CODES.has(e.code) && e.message.length > 0) return null;
    return finding(e instanceof RpcError ? 'unclear-refusal' : 'crash', 'gateway', index, `${method} ${paramsText}`, e);
  }
  // the gateway names a command without request_id with a random uuid; a fixed one keeps replays exact
  const env = JSON.parse(raw) as { id: string };
  if (!paramsText.includes(env.id)) {
    env.id = `gw-${index}`;
    raw = JSON.stringify(env);
  }
  // what the gateway accepts must not break the loop either, and must get an outcome
  const f = engine.feed(index, raw);
  return f === null ? null : { ...f, target: 'gateway', message: `accepted by the gateway, then: ${f.message}` };
}
