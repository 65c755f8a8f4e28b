// One exchange source's connection (SPEC §14): dials the stream, sends the subscription, keeps
// the connection alive (WebSocket pings, plus the exchange's own ping message where it wants one),
// and hands every text message with its arrival time to `onMessage`. After any close or error it
// reconnects as the single `ws` source does (reconnecting-socket.ts). It never parses: the oracle
// does, so a recording of what arrived replays through the same code.
import WebSocket from 'ws';
import { EXCHANGES, type SourceSpec } from './exchanges/index.js';
import { runSocket } from './reconnecting-socket.js';
import type { WsOptions } from './ws-source.js';

/** The single `ws` source's connection settings (pings, handshake, backoff); the URL is the exchange's. */
export interface ConnectionOptions extends Omit<WsOptions, 'url'> {
  /** Overrides the exchange's application ping interval (tests). */
  appPingMs?: number;
}

export interface ConnectionHooks {
  onMessage(name: string, text: string): void;
  onEvent(name: string, event: 'connected' | 'disconnected' | 'reconnecting', fields: Record<string, unknown>): void;
}

/** Runs until `signal` aborts. */
export function runConnection(src: SourceSpec, opts: ConnectionOptions, hooks: ConnectionHooks, signal: AbortSignal): Promise<void> {
  const ex = EXCHANGES[src.exchange]!;
  const log = opts.log.child({ feed_source: src.name });
  // messages on this connection, reported when it closes
  let messages = 0;
  return runSocket(
    src.url,
    opts,
    {
      opened: (ws) => {
        log.info({ url: src.url }, 'feed source connected');
        hooks.onEvent(src.name, 'connected', { url: src.url });
        for (const text of ex.subscribe(src.symbol)) ws.send(text);
        if (ex.appPing === null) return;
        const text = ex.appPing.text;
        const appPing = setInterval(() => {
          if (ws.readyState === WebSocket.OPEN) ws.send(text);
        }, opts.appPingMs ?? ex.appPing.everyMs);
        ws.once('close', () => clearInterval(appPing));
      },
      message: (text) => {
        messages++;
        hooks.onMessage(src.name, text);
      },
      closed: (code, reason) => {
        hooks.onEvent(src.name, 'disconnected', { url: src.url, code, reason, messages });
        messages = 0;
      },
      reconnecting: (attempt, delayMs, reason) => {
        log.warn({ attempt, delay_ms: delayMs, reason }, 'feed source reconnecting');
        hooks.onEvent(src.name, 'reconnecting', { attempt, delay_ms: delayMs, reason });
      },
    },
    signal,
  );
}
