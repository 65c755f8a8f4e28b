// What one exchange adapter knows: its default public stream, the subscription to send once
// connected, an application-level ping (where the exchange wants one besides WebSocket pings), and
// how to read one message into a trade price. Adapters are pure: the parsers take the text only,
// so a recorded message parses the same way on replay (SPEC §14).

export type Parsed = { kind: 'trade'; price: number; ts: number | null } | { kind: 'ignored'; what: string } | { kind: 'malformed'; reason: string };

export interface Exchange {
  /** The name used in `--source <name>:<symbol>`, in PriceTick.sources and in metrics. */
  name: string;
  /** The public stream when `--source …@url` does not override it. */
  defaultUrl(symbol: string): string;
  /** Text frames to send once connected (the subscription). */
  subscribe(symbol: string): string[];
  /** A text frame the exchange expects every `everyMs` to keep the connection (null: WebSocket pings suffice). */
  appPing: { everyMs: number; text: string } | null;
  parse(text: string): Parsed;
}

export function json(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** ms since the epoch from a number or a numeric string; null otherwise. */
export function msOf(v: unknown): number | null {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : null;
}
