// Reading one exchange trade message (SPEC §8): `{"e":"aggTrade","E":ms,"s":"BTCUSDT","p":"65000.12",
// "T":ms,…}`. Only `e == "aggTrade"` is read and `p` is parsed as a float. A JSON object with
// another `e` (or a subscription reply) is not a trade and is ignored; anything else is malformed.
// Combined-stream frames `{"stream": …, "data": {…}}` are unwrapped.

import { MAX_PRICE } from '../engine/index.js';

export type TradeMessage = { kind: 'trade'; price: number; feedTs: number | null } | { kind: 'ignored'; what: string } | { kind: 'malformed'; reason: string };

export function parseAggTrade(text: string): TradeMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'malformed', reason: 'not JSON' };
  }
  if (!isObject(value)) return { kind: 'malformed', reason: 'not a JSON object' };
  let msg = value;
  if (typeof msg['stream'] === 'string' && isObject(msg['data'])) msg = msg['data'];
  const e = msg['e'];
  if (e === undefined) {
    if ('result' in msg && 'id' in msg) return { kind: 'ignored', what: 'reply' };
    return { kind: 'malformed', reason: 'no event type "e"' };
  }
  if (e !== 'aggTrade') return { kind: 'ignored', what: typeof e === 'string' ? e : 'non-string e' };
  const price = parsePrice(msg['p']);
  if (typeof price === 'string') return { kind: 'malformed', reason: price };
  return { kind: 'trade', price, feedTs: timeOf(msg['T']) ?? timeOf(msg['E']) };
}

/** A price from a decimal string (or a number): finite, > 0, ≤ MAX_PRICE; else the reason. */
export function parsePrice(p: unknown): number | string {
  let x: number;
  if (typeof p === 'number') x = p;
  else if (typeof p === 'string' && p.trim() !== '') x = Number(p);
  else return 'price "p" missing or not a decimal string';
  if (!Number.isFinite(x)) return `price ${JSON.stringify(p)} is not a number`;
  if (x <= 0 || x > MAX_PRICE) return `price ${JSON.stringify(p)} out of range`;
  return x;
}

function timeOf(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
