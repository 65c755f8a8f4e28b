// The exchange WebSocket source (SPEC §8): an aggTrade stream over reconnecting-socket.ts (backoff
// from SPEC's 2 s, pings every 30 s). Malformed messages are counted and skipped; the connection
// stays up.
import type { Logger } from '../infra/logger.js';
import { parseAggTrade } from './aggtrade.js';
import { runSocket, type SocketOptions } from './reconnecting-socket.js';
import type { FeedRunner } from './runner.js';

const DEFAULT_WS_URL = 'wss://stream.binance.com:9443/ws/btcusdt@aggTrade';

export interface WsOptions extends SocketOptions {
  url: string;
  log: Logger;
}

export const DEFAULT_WS = { url: DEFAULT_WS_URL, reconnectMs: 2000, reconnectMaxMs: 30_000, pingMs: 30_000, handshakeMs: 10_000 };

/** Runs until `signal` aborts; every trade price goes to the runner. */
export function runWs(runner: FeedRunner, opts: WsOptions, signal: AbortSignal): Promise<void> {
  // what this connection brought, reported when it closes
  let counts = { trades: 0, ignored: 0, malformed: 0 };
  return runSocket(
    opts.url,
    opts,
    {
      opened: () => {
        opts.log.info({ url: opts.url }, 'feed connected');
        runner.event('connected', { url: opts.url });
      },
      message: (text) => {
        const m = parseAggTrade(text);
        if (m.kind === 'trade') {
          counts.trades++;
          runner.offer(m.price, m.feedTs);
          return;
        }
        if (m.kind === 'ignored') {
          counts.ignored++;
          opts.log.debug({ what: m.what }, 'feed message ignored');
          return;
        }
        counts.malformed++;
        runner.rejected(m.reason, text);
      },
      closed: (code, reason) => {
        runner.event('disconnected', { url: opts.url, code, reason, ...counts });
        counts = { trades: 0, ignored: 0, malformed: 0 };
      },
      reconnecting: (attempt, delayMs, reason) => runner.reconnecting(attempt, delayMs, reason),
    },
    signal,
  );
}
