// Shrinking a failing schedule to the fewest faults that still fail: drop faults one at a time
// (the traffic is drawn from the seed alone, so it stays the same) until no single fault can go.
import type { Fault } from './faults.js';
import { simulate, type SimOptions, type SimResult } from './simulate.js';

export interface Shrunk {
  result: SimResult;
  runs: number;
}

export async function shrink(o: SimOptions, failing: SimResult, budget = 60): Promise<Shrunk> {
  let best = failing;
  let faults: Fault[] = [...o.faults];
  let runs = 0;
  // first try with no faults at all: a bug that needs none is the plainest report
  if (faults.length > 0) {
    const r = await simulate({ ...o, faults: [] });
    runs++;
    if (r.violations.length > 0) return { result: r, runs };
  }
  let progress = true;
  while (progress && runs < budget) {
    progress = false;
    for (let i = faults.length - 1; i >= 0 && runs < budget; i--) {
      const fewer = faults.filter((_, j) => j !== i);
      const r = await simulate({ ...o, faults: fewer });
      runs++;
      if (r.violations.length > 0) {
        faults = fewer;
        best = r;
        progress = true;
      }
    }
  }
  return { result: best, runs };
}
