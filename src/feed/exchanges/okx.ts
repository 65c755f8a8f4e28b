// OKX v5 public WebSocket, `trades` channel: subscribe with `{"op":"subscribe","args":[{"channel":
// "trades","instId":"BTC-USDT"}]}`; trades come as `{"arg":{…},"data":[{"instId":"BTC-USDT",
// "px":"65000.1","sz":"0.01","side":"buy","ts":"1700000000000",…}]}`. Replies are `{"event":
// "subscribe"|"error",…}`. OKX drops a connection silent for 30 s; the feed sends the text `ping`
// and the server answers the text `pong`.
import { parsePrice } from '../aggtrade.js';
import { isObject, json, msOf, type Exchange } from './types.js';

export const okx: Exchange = {
  name: 'okx',
  defaultUrl: () => 'wss://ws.okx.com:8443/ws/v5/public',
  subscribe: (symbol) => [JSON.stringify({ op: 'subscribe', args: [{ channel: 'trades', instId: symbol }] })],
  appPing: { everyMs: 25_000, text: 'ping' },
  parse(text) {
    if (text === 'pong') return { kind: 'ignored', what: 'pong' };
    const j = json(text);
    if (!j.ok) return { kind: 'malformed', reason: 'not JSON' };
    const m = j.value;
    if (!isObject(m)) return { kind: 'malformed', reason: 'not a JSON object' };
    if (typeof m['event'] === 'string') return { kind: 'ignored', what: m['event'] };
    const data = m['data'];
    if (!isObject(m['arg']) || !Array.isArray(data)) return { kind: 'malformed', reason: 'neither an event nor {arg, data}' };
    if (m['arg']['channel'] !== 'trades') return { kind: 'ignored', what: String(m['arg']['channel']) };
    const last: unknown = data[data.length - 1];
    if (!isObject(last)) return { kind: 'malformed', reason: 'no trade in data' };
    const price = parsePrice(last['px']);
    if (typeof price === 'string') return { kind: 'malformed', reason: price };
    return { kind: 'trade', price, ts: msOf(last['ts']) };
  },
};
