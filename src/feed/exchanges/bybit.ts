// Bybit v5 public spot stream, `publicTrade` topic: subscribe with `{"op":"subscribe","args":
// ["publicTrade.BTCUSDT"]}`; trades come as `{"topic":"publicTrade.BTCUSDT","type":"snapshot",
// "ts":…,"data":[{"T":ms,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"65000.5",…}]}`. Replies carry
// `op` (`subscribe`, `pong`). Bybit wants `{"op":"ping"}` every 20 s.
import { parsePrice } from '../aggtrade.js';
import { isObject, json, msOf, type Exchange } from './types.js';

export const bybit: Exchange = {
  name: 'bybit',
  defaultUrl: () => 'wss://stream.bybit.com/v5/public/spot',
  subscribe: (symbol) => [JSON.stringify({ op: 'subscribe', args: [`publicTrade.${symbol}`] })],
  appPing: { everyMs: 20_000, text: JSON.stringify({ op: 'ping' }) },
  parse(text) {
    const j = json(text);
    if (!j.ok) return { kind: 'malformed', reason: 'not JSON' };
    const m = j.value;
    if (!isObject(m)) return { kind: 'malformed', reason: 'not a JSON object' };
    if (typeof m['op'] === 'string') return { kind: 'ignored', what: m['op'] };
    const topic = m['topic'];
    if (typeof topic !== 'string') return { kind: 'malformed', reason: 'neither a reply "op" nor a "topic"' };
    if (!topic.startsWith('publicTrade.')) return { kind: 'ignored', what: topic };
    const data = m['data'];
    const last: unknown = Array.isArray(data) ? data[data.length - 1] : undefined;
    if (!isObject(last)) return { kind: 'malformed', reason: 'no trade in data' };
    const price = parsePrice(last['p']);
    if (typeof price === 'string') return { kind: 'malformed', reason: price };
    return { kind: 'trade', price, ts: msOf(last['T']) };
  },
};
