// The index feed's runner as the in-process feed tests drive it: no logs, started at 1, recorded
// (commands carry the recording's times), every command it appends parsed into a list to compare.
import type { GateOptions } from '../../src/feed/gate.js';
import { FeedRunner, type RunnerOptions } from '../../src/feed/runner.js';
import { silentLogger } from '../../src/infra/logger.js';

/** A command as the runner appends it. */
export interface FedCommand {
  id: string;
  type: string;
  params: Record<string, unknown>;
}

/** An index runner appending into `into`; `extra` adds options (an `onEvent`, say). */
export function collectingIndexRunner(gate: GateOptions, into: FedCommand[], extra: Partial<RunnerOptions> = {}): FeedRunner {
  return new FeedRunner({
    source: 'index',
    startedAt: 1,
    gate,
    log: silentLogger(),
    recorded: true,
    append: (raws) => {
      into.push(...raws.map((r) => JSON.parse(r) as FedCommand));
    },
    ...extra,
  });
}
