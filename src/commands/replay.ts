// `relayer replay`: rebuild state from the newest valid snapshot and the event log (or from seq 1),
// optionally up to a seq; prints the state summary, the state hash, and which path rebuilt it
// (evolving events, or re-executing the input log: --path inputs, or --path auto where that is
// faster and reproduces the stored tail, D281) and how long it took.
import { usage } from '../errors.js';
import { progressBar } from '../runtime/progress.js';
import { recover } from '../runtime/recover.js';
import { summarize } from '../runtime/summary.js';
import { createLogger } from '../infra/logger.js';
import { openBackend, type BackendOptions } from './backend.js';
import { marketOf } from './market.js';
import { printJson, printRecord } from './print.js';

export interface ReplayOptions extends BackendOptions {
  toSeq?: string;
  fromScratch?: boolean;
  json?: boolean;
  path?: string;
}

export async function replay(opts: ReplayOptions): Promise<void> {
  const toSeq = opts.toSeq === undefined ? undefined : Number(opts.toSeq);
  if (toSeq !== undefined && (!Number.isInteger(toSeq) || toSeq < 0)) throw usage('--to-seq must be a non-negative integer');
  const path = opts.path ?? 'events';
  if (path !== 'events' && path !== 'inputs' && path !== 'auto') throw usage('--path must be events, inputs or auto');
  if (path === 'inputs' && toSeq !== undefined) throw usage('--path inputs rebuilds the committed head only; drop --to-seq');
  const store = await openBackend(opts);
  const bar = progressBar('replay');
  try {
    const t0 = performance.now();
    const rec = await recover(store, {
      log: createLogger('warn'),
      market: marketOf(opts),
      fromScratch: opts.fromScratch === true,
      path,
      onProgress: (d, t) => bar.update(d, t),
      ...(toSeq !== undefined ? { toSeq } : {}),
    });
    bar.stop();
    const ms = performance.now() - t0;
    const s = summarize(rec.state, true);
    const result = {
      ...s,
      snapshot: rec.snapshot?.id ?? null,
      snapshot_seq: rec.snapshot?.seq ?? 0,
      replayed: rec.replayed,
      path: rec.path,
      ...(rec.path === 'inputs' ? { commands: rec.commands } : {}),
      ms: Math.round(ms),
      events_per_s: ms > 0 ? Math.round((rec.replayed * 1000) / ms) : null,
    };
    if (opts.json) printJson(result);
    else printRecord(result);
  } finally {
    bar.stop();
    await store.close();
  }
}
