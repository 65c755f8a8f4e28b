// Coinbase Exchange WebSocket feed, `ticker` channel: subscribe with `{"type":"subscribe",
// "product_ids":["BTC-USD"],"channels":["ticker"]}`; each trade brings `{"type":"ticker",
// "product_id":"BTC-USD","price":"65000.01","time":"2024-…Z","trade_id":…,…}`. Other types
// (`subscriptions`, `heartbeat`, `error`) carry no price.
import { parsePrice } from '../aggtrade.js';
import { isObject, json, type Exchange } from './types.js';

export const coinbase: Exchange = {
  name: 'coinbase',
  defaultUrl: () => 'wss://ws-feed.exchange.coinbase.com',
  subscribe: (symbol) => [JSON.stringify({ type: 'subscribe', product_ids: [symbol], channels: ['ticker'] })],
  appPing: null,
  parse(text) {
    const j = json(text);
    if (!j.ok) return { kind: 'malformed', reason: 'not JSON' };
    const m = j.value;
    if (!isObject(m)) return { kind: 'malformed', reason: 'not a JSON object' };
    if (typeof m['type'] !== 'string') return { kind: 'malformed', reason: 'no message "type"' };
    if (m['type'] !== 'ticker') return { kind: 'ignored', what: m['type'] };
    const price = parsePrice(m['price']);
    if (typeof price === 'string') return { kind: 'malformed', reason: price };
    const t = typeof m['time'] === 'string' ? Date.parse(m['time']) : NaN;
    return { kind: 'trade', price, ts: Number.isFinite(t) ? t : null };
  },
};
