// What the `relayer feed` variants share: numeric flags (and the gate's and the connection's made
// of them), the engine's committed view (for the pause and resync rules), the status lines on
// stdout and the /metrics endpoint.
import { CliError, usage } from '../errors.js';
import { DEFAULT_GATE, type GateOptions } from '../feed/gate.js';
import type { FeedMetrics } from '../feed/metrics.js';
import type { SocketOptions } from '../feed/reconnecting-socket.js';
import type { EngineView, FeedStats } from '../feed/runner.js';
import { DEFAULT_WS } from '../feed/ws-source.js';
import type { Logger } from '../infra/logger.js';
import type { MetricsServer } from '../infra/metrics-server.js';
import type { StateSummary } from '../runtime/summary.js';
import type { Backend } from '../store/types.js';
import { openBackend, type BackendOptions } from './backend.js';

/** A numeric flag, or its default; a usage error (exit 2) names the flag. */
export function num(v: string | undefined, name: string, dflt: number, opts: { integer?: boolean; positive?: boolean } = {}): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  const ok = v.trim() !== '' && Number.isFinite(n) && (opts.positive ? n > 0 : n >= 0) && (!opts.integer || Number.isInteger(n));
  if (!ok) throw usage(`--${name} must be a ${opts.positive ? 'positive' : 'non-negative'} ${opts.integer ? 'integer' : 'number'}`);
  return n;
}

/** The tick gate from --tick-ms, --heartbeat-ms and --tick-size. */
export function gateFlags(opts: { tickMs?: string; heartbeatMs?: string; tickSize?: string }): GateOptions {
  return {
    tickMs: num(opts.tickMs, 'tick-ms', DEFAULT_GATE.tickMs),
    heartbeatMs: num(opts.heartbeatMs, 'heartbeat-ms', DEFAULT_GATE.heartbeatMs),
    tickSize: num(opts.tickSize, 'tick-size', DEFAULT_GATE.tickSize),
  };
}

/** A live source's connection from --reconnect-ms, --reconnect-max-ms and --ping-ms. */
export function connectionFlags(opts: { reconnectMs?: string; reconnectMaxMs?: string; pingMs?: string }): SocketOptions {
  return {
    reconnectMs: num(opts.reconnectMs, 'reconnect-ms', DEFAULT_WS.reconnectMs, { positive: true }),
    reconnectMaxMs: num(opts.reconnectMaxMs, 'reconnect-max-ms', DEFAULT_WS.reconnectMaxMs, { positive: true }),
    pingMs: num(opts.pingMs, 'ping-ms', DEFAULT_WS.pingMs, { positive: true }),
    handshakeMs: DEFAULT_WS.handshakeMs,
  };
}

/** Serves `metrics` on --metrics-port (a port it cannot take is a usage error); null without metrics. */
export async function serveFeedMetrics(metrics: FeedMetrics | null, port: string | undefined): Promise<MetricsServer | null> {
  if (metrics === null) return null;
  try {
    return await metrics.serve(port!);
  } catch (e) {
    throw new CliError(`--metrics-port: ${(e as Error).message}`, 2);
  }
}

/** The engine's committed `pause_price_feed` and P (null before its first commit). */
export async function engineView(store: Backend): Promise<EngineView | null> {
  const c = await store.lastCommitted();
  if (c.summary === null) return null;
  const s = JSON.parse(c.summary) as StateSummary;
  return { paused: s.flags.pause_price_feed === true, price: s.price, position: c.position };
}

export function statusOf(s: FeedStats): Record<string, unknown> {
  return { ...s };
}

/** Status lines on stdout: one JSON object per line with --json, else `feed <event> k=v …`. */
export function reporter(source: string, json: boolean, log: Logger): (event: string, fields: Record<string, unknown>) => void {
  return (event, fields) => {
    if (event === 'status') log.debug(fields, 'feed status');
    if (json) {
      process.stdout.write(`${JSON.stringify({ event, source, ts: Date.now(), ...fields })}\n`);
      return;
    }
    const parts = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    process.stdout.write(`feed ${source} ${event}${parts.length > 0 ? ` ${parts.join(' ')}` : ''}\n`);
  };
}

/** Signals are the feed's from here on (one during start-up, while Kafka opens, stops it too); then
 * opens the input log. `release` gives the signals back. */
export async function openWithSignals(opts: BackendOptions, log: Logger): Promise<{ stop: AbortController; store: Backend; release: () => void }> {
  const stop = new AbortController();
  const onSignal = (sig: string): void => {
    log.info({ signal: sig }, 'feed stopping');
    stop.abort();
  };
  const onTerm = (): void => onSignal('SIGTERM');
  const onInt = (): void => onSignal('SIGINT');
  const release = (): void => {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
  };
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInt);
  try {
    return { stop, store: await openBackend(opts, { mustExist: true, log }), release };
  } catch (e) {
    release();
    throw e;
  }
}
