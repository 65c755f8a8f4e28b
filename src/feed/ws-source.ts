// The exchange WebSocket source (SPEC §8): an aggTrade stream. Reconnects after any close or
// error with jittered exponential backoff (from `reconnectMs`, SPEC's 2 s, doubling up to
// `reconnectMaxMs`, each delay drawn in [½, 1] of its step), pings every 30 s and drops a
// connection whose pong does not come back before the next ping. Malformed messages are counted
// and skipped; the connection stays up.
import WebSocket from 'ws';
import type { Logger } from '../infra/logger.js';
import { parseAggTrade } from './aggtrade.js';
import type { FeedRunner } from './runner.js';

const DEFAULT_WS_URL = 'wss://stream.binance.com:9443/ws/btcusdt@aggTrade';

export interface WsOptions {
  url: string;
  reconnectMs: number;
  reconnectMaxMs: number;
  pingMs: number;
  handshakeMs: number;
  log: Logger;
  /** [0, 1) source of the jitter (tests pass a fixed one). */
  random?: () => number;
}

export const DEFAULT_WS = { url: DEFAULT_WS_URL, reconnectMs: 2000, reconnectMaxMs: 30_000, pingMs: 30_000, handshakeMs: 10_000 };

/** The n-th retry delay (n from 0): base·2ⁿ capped at max, scaled into [½, 1] by the jitter. */
export function backoffMs(n: number, base: number, max: number, r: number): number {
  const step = Math.min(max, base * 2 ** Math.min(n, 30));
  return Math.round(step * (0.5 + 0.5 * r));
}

/** Runs until `signal` aborts; every trade price goes to the runner. */
export function runWs(runner: FeedRunner, opts: WsOptions, signal: AbortSignal): Promise<void> {
  const random = opts.random ?? Math.random;
  return new Promise<void>((resolve) => {
    let failures = 0;
    let sock: WebSocket | null = null;
    let retry: NodeJS.Timeout | null = null;
    let counts = { trades: 0, ignored: 0, malformed: 0 };

    const connect = (): void => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const ws = new WebSocket(opts.url, { handshakeTimeout: opts.handshakeMs });
      sock = ws;
      let pinger: NodeJS.Timeout | null = null;
      let alive = true;
      let why = 'closed';
      counts = { trades: 0, ignored: 0, malformed: 0 };

      ws.on('open', () => {
        failures = 0;
        opts.log.info({ url: opts.url }, 'feed connected');
        runner.event('connected', { url: opts.url });
        pinger = setInterval(() => {
          if (!alive) {
            why = 'no pong';
            ws.terminate();
            return;
          }
          alive = false;
          ws.ping();
        }, opts.pingMs);
      });
      ws.on('pong', () => {
        alive = true;
      });
      ws.on('message', (data: WebSocket.RawData) => {
        alive = true;
        const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
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
      });
      ws.on('error', (err) => {
        why = err.message;
      });
      ws.on('close', (code) => {
        if (pinger !== null) clearInterval(pinger);
        sock = null;
        if (signal.aborted) {
          resolve();
          return;
        }
        runner.event('disconnected', { url: opts.url, code, reason: why, ...counts });
        const delay = backoffMs(failures, opts.reconnectMs, opts.reconnectMaxMs, random());
        failures++;
        runner.reconnecting(failures, delay, why);
        retry = setTimeout(connect, delay);
      });
    };

    signal.addEventListener(
      'abort',
      () => {
        if (retry !== null) clearTimeout(retry);
        if (sock === null) resolve();
        else sock.terminate(); // its close event resolves
      },
      { once: true },
    );
    connect();
  });
}
