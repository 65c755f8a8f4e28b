// engine.soak: the mixed stream for many commands at a steady open interest (a fixed set of
// traders and lenders), heap used after a full GC at the 2 M mark and at the end. SPEC §12
// bounded memory says state grows with open interest, never with history: the end must be within
// 10 % of the mark. The generator's own market is the one measured (it executes every command).
import { collectGarbage } from './measure.js';
import { result, type Result } from './report.js';
import { Clock, MixedGenerator, preparedState } from './workload.js';

export interface SoakPlan { commands: number; mark: number }

const heapMb = (): number => {
  collectGarbage();
  return Math.round((process.memoryUsage().heapUsed / 1_048_576) * 10) / 10;
};

export function benchSoak(plan: SoakPlan, note: (s: string) => void): Result {
  const clock = new Clock();
  const gen = new MixedGenerator(preparedState(0, clock), clock);
  const state = gen.state;
  let done = 0;
  let start = NaN;
  const t0 = process.hrtime.bigint();
  while (done < plan.commands) {
    const n = Math.min(100_000, plan.commands - done, done < plan.mark ? plan.mark - done : Infinity);
    gen.segment(n);
    done += n;
    if (done === plan.mark) start = heapMb();
    if (done % 1_000_000 === 0) note(`soak ${done / 1_000_000} M commands, heap ${heapMb()} MB, ${state.orders.size} active, ${state.closed.size} closed, ${state.seen.size} ids`);
  }
  const end = heapMb();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return result('engine.soak', {
    heap_mb_start: start, heap_mb_end: end, growth_pct: Math.round(((end - start) / start) * 1000) / 10,
    commands: plan.commands, mark: plan.mark, active_orders: state.orders.size, closed_kept: state.closed.size,
    ids_kept: state.seen.size, ops_per_s: Math.round(plan.commands / secs),
  }, { metric: 'growth_pct', op: '<=', value: 10 });
}
