// Local fake exchanges for feed tests (loopback only): a WebSocket server that speaks one
// exchange's public stream the way its documentation describes it. It checks the subscription the
// feed sends, acknowledges it, answers the exchange's own ping message, and lets the test send
// trades in that exchange's format, garbage, or drop every connection.
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export type ExchangeName = 'binance' | 'coinbase' | 'kraken' | 'okx' | 'bybit';

export const SYMBOLS: Record<ExchangeName, string> = {
  binance: 'btcusdt',
  coinbase: 'BTC-USD',
  kraken: 'XBT/USD',
  okx: 'BTC-USDT',
  bybit: 'BTCUSDT',
};

let seq = 0;

/** One trade at `price` (a decimal string), time `ts` ms, in the exchange's own message format. */
export function tradeMessage(ex: ExchangeName, price: string, ts: number): string {
  seq++;
  switch (ex) {
    case 'binance':
      return JSON.stringify({ e: 'aggTrade', E: ts + 2, s: 'BTCUSDT', a: seq, p: price, q: '0.010', f: seq, l: seq, T: ts, m: false, M: true });
    case 'coinbase':
      return JSON.stringify({
        type: 'ticker',
        sequence: seq,
        product_id: 'BTC-USD',
        price,
        open_24h: '64000.00',
        volume_24h: '1000.1',
        low_24h: '63000.00',
        high_24h: '66000.00',
        volume_30d: '30000.3',
        best_bid: price,
        best_bid_size: '0.1',
        best_ask: price,
        best_ask_size: '0.1',
        side: 'buy',
        time: new Date(ts).toISOString(),
        trade_id: seq,
        last_size: '0.001',
      });
    case 'kraken':
      return JSON.stringify([
        119930881,
        [
          ['1.00000', '0.1', ((ts - 5) / 1000).toFixed(6), 'b', 'm', ''],
          [price, '0.02', (ts / 1000).toFixed(6), 's', 'l', ''],
        ],
        'trade',
        'XBT/USD',
      ]);
    case 'okx':
      return JSON.stringify({
        arg: { channel: 'trades', instId: 'BTC-USDT' },
        data: [{ instId: 'BTC-USDT', tradeId: String(seq), px: price, sz: '0.01', side: 'buy', ts: String(ts), count: '1' }],
      });
    case 'bybit':
      return JSON.stringify({
        topic: 'publicTrade.BTCUSDT',
        type: 'snapshot',
        ts: ts + 1,
        data: [{ T: ts, s: 'BTCUSDT', S: 'Buy', v: '0.001', p: price, L: 'PlusTick', i: String(seq), BT: false }],
      });
  }
}

/** The reply to a subscription, or to the exchange's ping message; null when `text` is neither. */
function reply(ex: ExchangeName, text: string): { subscribed: boolean; text: string } | null {
  if (ex === 'okx' && text === 'ping') return { subscribed: false, text: 'pong' };
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  const sym = SYMBOLS[ex];
  switch (ex) {
    case 'binance':
      if (m['method'] === 'SUBSCRIBE' && JSON.stringify(m['params']) === JSON.stringify([`${sym}@aggTrade`]))
        return { subscribed: true, text: JSON.stringify({ result: null, id: m['id'] }) };
      return null;
    case 'coinbase':
      if (m['type'] === 'subscribe' && JSON.stringify(m['product_ids']) === JSON.stringify([sym]) && JSON.stringify(m['channels']) === '["ticker"]') {
        return { subscribed: true, text: JSON.stringify({ type: 'subscriptions', channels: [{ name: 'ticker', product_ids: [sym] }] }) };
      }
      return null;
    case 'kraken':
      if (m['event'] === 'ping') return { subscribed: false, text: JSON.stringify({ event: 'pong', reqid: m['reqid'] }) };
      if (m['event'] === 'subscribe' && JSON.stringify(m['pair']) === JSON.stringify([sym]) && JSON.stringify(m['subscription']) === '{"name":"trade"}') {
        return {
          subscribed: true,
          text: JSON.stringify({
            channelID: 119930881,
            channelName: 'trade',
            event: 'subscriptionStatus',
            pair: sym,
            status: 'subscribed',
            subscription: { name: 'trade' },
          }),
        };
      }
      return null;
    case 'okx':
      if (m['op'] === 'subscribe' && JSON.stringify(m['args']) === JSON.stringify([{ channel: 'trades', instId: sym }])) {
        return { subscribed: true, text: JSON.stringify({ event: 'subscribe', arg: { channel: 'trades', instId: sym }, connId: 'a4d3ae55' }) };
      }
      return null;
    case 'bybit':
      if (m['op'] === 'ping') return { subscribed: false, text: JSON.stringify({ op: 'pong', args: [String(Date.now())], conn_id: 'c1' }) };
      if (m['op'] === 'subscribe' && JSON.stringify(m['args']) === JSON.stringify([`publicTrade.${sym}`])) {
        return { subscribed: true, text: JSON.stringify({ success: true, ret_msg: 'subscribe', conn_id: 'c1', op: 'subscribe' }) };
      }
      return null;
  }
}

export class FakeExchange {
  /** Connections that have subscribed correctly. */
  readonly subscribed = new Set<WebSocket>();
  connections = 0;
  pings = 0;
  /** Frames the feed sent that were neither a correct subscription nor a ping. */
  readonly unexpected: string[] = [];
  private clock = 1_732_492_800_000;

  private constructor(
    readonly exchange: ExchangeName,
    private readonly server: WebSocketServer,
  ) {
    server.on('connection', (ws) => {
      this.connections++;
      ws.on('message', (data) => {
        const text = String(data);
        const r = reply(exchange, text);
        if (r === null) {
          this.unexpected.push(text);
          return;
        }
        if (r.subscribed) this.subscribed.add(ws);
        else this.pings++;
        ws.send(r.text);
      });
      ws.on('close', () => this.subscribed.delete(ws));
    });
  }

  static async start(exchange: ExchangeName): Promise<FakeExchange> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return new FakeExchange(exchange, server);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  /** The `--source` flag that points the feed here. */
  get flag(): string {
    return `${this.exchange}:${SYMBOLS[this.exchange]}@${this.url}`;
  }

  /** Sends a trade at `price` to every subscribed connection; resolves once written. */
  trade(price: string): Promise<void> {
    this.clock += 100;
    return this.raw(tradeMessage(this.exchange, price, this.clock));
  }

  /** Sends any text (garbage, another message kind) to every subscribed connection. */
  raw(text: string | Buffer): Promise<void> {
    return Promise.all([...this.subscribed].map((ws) => new Promise<void>((resolve, reject) => ws.send(text, (e) => (e ? reject(e) : resolve()))))).then(
      () => undefined,
    );
  }

  /** Drops every connection abruptly (no close frame). */
  drop(): void {
    for (const ws of this.server.clients) ws.terminate();
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
