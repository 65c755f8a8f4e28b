// The WebSocket loop every live feed source runs (SPEC §8, §14): dial, ping every `pingMs` and drop
// a connection whose pong does not come back before the next ping, hand each text message on, and
// after any close or error dial again with jittered exponential backoff (from `reconnectMs`,
// doubling up to `reconnectMaxMs`, each delay drawn in [½, 1] of its step). What a message means,
// and what the source reports, is the caller's.
import WebSocket from 'ws';

export interface SocketOptions {
  reconnectMs: number;
  reconnectMaxMs: number;
  pingMs: number;
  handshakeMs: number;
  /** [0, 1) source of the jitter (tests pass a fixed one). */
  random?: () => number;
}

export interface SocketHooks {
  /** The connection is up (the backoff is reset). */
  opened(ws: WebSocket): void;
  message(text: string): void;
  /** The connection closed, not by the abort; `reason` is why, as far as it is known. */
  closed(code: number, reason: string): void;
  /** The `attempt`-th dial in a row is due in `delayMs`. */
  reconnecting(attempt: number, delayMs: number, reason: string): void;
}

/** The n-th retry delay (n from 0): base·2ⁿ capped at max, scaled into [½, 1] by the jitter. */
export function backoffMs(n: number, base: number, max: number, r: number): number {
  const step = Math.min(max, base * 2 ** Math.min(n, 30));
  return Math.round(step * (0.5 + 0.5 * r));
}

/** Runs until `signal` aborts. */
export function runSocket(url: string, opts: SocketOptions, hooks: SocketHooks, signal: AbortSignal): Promise<void> {
  const random = opts.random ?? Math.random;
  return new Promise<void>((resolve) => {
    let failures = 0;
    let sock: WebSocket | null = null;
    let retry: NodeJS.Timeout | null = null;

    const connect = (): void => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const ws = new WebSocket(url, { handshakeTimeout: opts.handshakeMs });
      sock = ws;
      let pinger: NodeJS.Timeout | null = null;
      let alive = true;
      let why = 'closed';

      ws.on('open', () => {
        failures = 0;
        hooks.opened(ws);
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
        hooks.message(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8'));
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
        hooks.closed(code, why);
        const delay = backoffMs(failures, opts.reconnectMs, opts.reconnectMaxMs, random());
        failures++;
        hooks.reconnecting(failures, delay, why);
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
