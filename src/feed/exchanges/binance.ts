// Binance spot aggTrade stream (SPEC §8). Subscribes with `{"method":"SUBSCRIBE","params":
// ["btcusdt@aggTrade"],"id":1}` on the raw `/ws` endpoint; trades are the §8 aggTrade objects.
// The server pings at the WebSocket level (answered by the `ws` package); no application ping.
import { parseAggTrade } from '../aggtrade.js';
import type { Exchange } from './types.js';

export const binance: Exchange = {
  name: 'binance',
  defaultUrl: () => 'wss://stream.binance.com:9443/ws',
  subscribe: (symbol) => [JSON.stringify({ method: 'SUBSCRIBE', params: [`${symbol.toLowerCase()}@aggTrade`], id: 1 })],
  appPing: null,
  parse(text) {
    const m = parseAggTrade(text);
    return m.kind === 'trade' ? { kind: 'trade', price: m.price, ts: m.feedTs } : m;
  },
};
