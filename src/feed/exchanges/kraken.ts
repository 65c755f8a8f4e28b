// Kraken WebSocket API v1 (public, `XBT/USD` pair names): subscribe with `{"event":"subscribe",
// "pair":["XBT/USD"],"subscription":{"name":"trade"}}`; trades come as arrays
// `[channelID, [[price, volume, time, side, orderType, misc], …], "trade", "XBT/USD"]` (strings;
// time in seconds with a fraction), the newest last. Objects are events (`heartbeat`,
// `systemStatus`, `subscriptionStatus`, `pong`). Kraken closes idle connections, so the feed sends
// `{"event":"ping"}` now and then.
import { parsePrice } from '../aggtrade.js';
import { isObject, json, type Exchange } from './types.js';

export const kraken: Exchange = {
  name: 'kraken',
  defaultUrl: () => 'wss://ws.kraken.com',
  subscribe: (symbol) => [JSON.stringify({ event: 'subscribe', pair: [symbol], subscription: { name: 'trade' } })],
  appPing: { everyMs: 30_000, text: JSON.stringify({ event: 'ping' }) },
  parse(text) {
    const j = json(text);
    if (!j.ok) return { kind: 'malformed', reason: 'not JSON' };
    const m = j.value;
    if (isObject(m)) {
      if (typeof m['event'] !== 'string') return { kind: 'malformed', reason: 'no "event"' };
      return { kind: 'ignored', what: m['event'] };
    }
    if (!Array.isArray(m) || m.length < 4) return { kind: 'malformed', reason: 'not an event object or a channel array' };
    const name = m[m.length - 2];
    if (name !== 'trade') return { kind: 'ignored', what: typeof name === 'string' ? name : 'channel' };
    const trades = m[1];
    if (!Array.isArray(trades) || trades.length === 0) return { kind: 'malformed', reason: 'no trades' };
    const last: unknown = trades[trades.length - 1];
    if (!Array.isArray(last) || last.length < 3) return { kind: 'malformed', reason: 'trade is not [price, volume, time, …]' };
    const price = parsePrice(last[0]);
    if (typeof price === 'string') return { kind: 'malformed', reason: price };
    const secs = typeof last[2] === 'string' ? Number(last[2]) : NaN;
    return { kind: 'trade', price, ts: Number.isFinite(secs) ? Math.round(secs * 1000) : null };
  },
};
