// What the `relayer feed` variants share: numeric flags, the engine's committed view (for the
// pause and resync rules), and the status lines on stdout.
import { usage } from '../errors.js';
import type { EngineView, FeedStats } from '../feed/runner.js';
import type { Logger } from '../infra/logger.js';
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
