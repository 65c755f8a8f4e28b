// What an index step changed, told to the operator: a warning line (and a status event) when a
// source is excluded or the quorum is lost, an info line when they come back.
import type { Logger } from '../infra/logger.js';
import type { OracleNote, StepOutcome } from './oracle.js';
import type { FeedRunner } from './runner.js';

/** Sends the step's commands (PriceTick with `sources` and `excluded`, or Heartbeat) and reports its notes. */
export function applyStep(out: StepOutcome, runner: FeedRunner, log: Logger): void {
  for (const { emission, index } of out.sent) runner.sendIndexed(emission, { sources: index.sources, excluded: index.excluded });
  for (const n of out.notes) report(n, out.t, runner, log);
}

function report(n: OracleNote, t: number, runner: FeedRunner, log: Logger): void {
  const { kind, ...fields } = n;
  const at = { ...fields, step: t };
  switch (kind) {
    case 'excluded':
      log.warn(at, `price source ${n.source} excluded from the index (${n.reason})`);
      break;
    case 'quorum_lost':
      log.warn(at, 'index quorum lost; no ticks or heartbeats are sent');
      break;
    default:
      log.info(at, kind === 'included' ? `price source ${n.source} back in the index` : 'index quorum regained');
  }
  runner.event(kind, at);
}
