// One exchange source's connection (SPEC §14): dials the stream, sends the subscription, keeps
// the connection alive (WebSocket pings, plus the exchange's own ping message where it wants one),
// and hands every text message with its arrival time to `onMessage`. After any close or error it
// reconnects with the same jittered backoff as the single `ws` source. It never parses: the oracle
// does, so a recording of what arrived replays through the same code.
import WebSocket from 'ws';
import { EXCHANGES, type SourceSpec } from './exchanges/index.js';
import { backoffMs, type WsOptions } from './ws-source.js';

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
  const random = opts.random ?? Math.random;
  const log = opts.log.child({ feed_source: src.name });
  return new Promise<void>((resolve) => {
    let failures = 0;
    let sock: WebSocket | null = null;
    let retry: NodeJS.Timeout | null = null;

    const connect = (): void => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const ws = new WebSocket(src.url, { handshakeTimeout: opts.handshakeMs });
      sock = ws;
      const timers: NodeJS.Timeout[] = [];
      let alive = true;
      let why = 'closed';
      let messages = 0;

      ws.on('open', () => {
        failures = 0;
        log.info({ url: src.url }, 'feed source connected');
        hooks.onEvent(src.name, 'connected', { url: src.url });
        for (const text of ex.subscribe(src.symbol)) ws.send(text);
        timers.push(
          setInterval(() => {
            if (!alive) {
              why = 'no pong';
              ws.terminate();
              return;
            }
            alive = false;
            ws.ping();
          }, opts.pingMs),
        );
        if (ex.appPing !== null) {
          const text = ex.appPing.text;
          timers.push(
            setInterval(() => {
              if (ws.readyState === WebSocket.OPEN) ws.send(text);
            }, opts.appPingMs ?? ex.appPing.everyMs),
          );
        }
      });
      ws.on('pong', () => {
        alive = true;
      });
      ws.on('message', (data: WebSocket.RawData) => {
        alive = true;
        messages++;
        const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
        hooks.onMessage(src.name, text);
      });
      ws.on('error', (err) => {
        why = err.message;
      });
      ws.on('close', (code) => {
        for (const t of timers) clearInterval(t);
        sock = null;
        if (signal.aborted) {
          resolve();
          return;
        }
        hooks.onEvent(src.name, 'disconnected', { url: src.url, code, reason: why, messages });
        const delay = backoffMs(failures, opts.reconnectMs, opts.reconnectMaxMs, random());
        failures++;
        log.warn({ attempt: failures, delay_ms: delay, reason: why }, 'feed source reconnecting');
        hooks.onEvent(src.name, 'reconnecting', { attempt: failures, delay_ms: delay, reason: why });
        retry = setTimeout(connect, delay);
      });
    };

    signal.addEventListener(
      'abort',
      () => {
        if (retry !== null) clearTimeout(retry);
        if (sock === null) resolve();
        else sock.terminate();
      },
      { once: true },
    );
    connect();
  });
}
