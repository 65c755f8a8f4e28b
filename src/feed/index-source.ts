// The live index feed (SPEC §14): one connection per source, every message stamped with its local
// arrival time (never going back), recorded if asked, and read by the oracle; a timer runs the
// oracle's steps on the `stepMs` grid. A step at time s runs once the clock has passed s, so every
// message that arrives later carries a time after s, exactly as a replay will see it.
import type { Logger } from '../infra/logger.js';
import { runConnection, type ConnectionOptions } from './exchange-connection.js';
import type { SourceSpec } from './exchanges/index.js';
import { applyStep } from './index-notes.js';
import { stepAtOrAfter, type Oracle } from './oracle.js';
import type { Recorder } from './recording.js';
import type { FeedRunner } from './runner.js';

export interface IndexSourceOptions {
  sources: SourceSpec[];
  stepMs: number;
  /** The first step (on the grid); the recording's header names it too. */
  firstStep: number;
  connection: ConnectionOptions;
  log: Logger;
  recorder?: Recorder | null;
  now?: () => number;
}

/** Runs until `signal` aborts; returns the last step run. */
export async function runIndex(runner: FeedRunner, oracle: Oracle, opts: IndexSourceOptions, signal: AbortSignal): Promise<number | null> {
  const now = opts.now ?? Date.now;
  let lastAt = -Infinity;
  let lastStep: number | null = null;
  let next = opts.firstStep;
  let timer: NodeJS.Timeout | null = null;

  const runDue = (): void => {
    const wall = now();
    while (next < wall && !signal.aborted) {
      applyStep(oracle.step(next), runner, opts.log);
      lastStep = next;
      next += opts.stepMs;
    }
    if (!signal.aborted) timer = setTimeout(runDue, Math.max(0, next + 1 - now()));
  };

  const hooks = {
    onMessage(name: string, text: string): void {
      if (signal.aborted) return;
      const at = Math.max(now(), lastAt, (lastStep ?? -Infinity) + 1);
      lastAt = at;
      opts.recorder?.message(name, at, text);
      const m = oracle.message(name, text, at);
      if (m.kind === 'malformed') runner.rejected(`${name}: ${m.reason}`, text);
      else if (m.kind === 'ignored') opts.log.debug({ feed_source: name, what: m.what }, 'feed message ignored');
    },
    onEvent(name: string, event: string, fields: Record<string, unknown>): void {
      if (event === 'reconnecting') {
        oracle.stats[name]!.reconnects++;
        runner.stats.reconnects++;
      }
      runner.event(event, { source: name, ...fields });
    },
  };

  timer = setTimeout(runDue, Math.max(0, stepAtOrAfter(opts.firstStep, opts.stepMs) + 1 - now()));
  const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  const conns = opts.sources.map((s) => runConnection(s, opts.connection, hooks, signal));
  await stopped;
  if (timer !== null) clearTimeout(timer);
  await Promise.all(conns);
  return lastStep;
}
