// engine.soak: the mixed stream for many commands at a steady open interest (a fixed set of
// traders and lenders), heap used after a full GC at the 2 M mark and at the end. SPEC §12
// bounded memory says state grows with open interest, never with history: the end must be within
// 10 % of the mark. The generator's own market is the one measured (it executes every command).
// Ids reach their cap (1 000 000) at 1 M commands and closed orders theirs at about 2.5 M (40 % of
// the stream's commands close an order), so the result also gives the heap once both caps are
// full and the growth from there.
import { collectGarbage } from './measure.js';
import { result, type Result } from './report.js';
import { Clock, MixedGenerator, preparedState } from './workload.js';

export interface SoakPlan {
  commands: number;
  mark: number;
}

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
  // the first million mark where both caps (ids, closed orders) are full: from there, flat
  let atCaps = NaN;
  let capsAt = NaN;
  const capped = (): boolean => state.seen.size >= state.config.dedupe_max_ids && state.closed.size >= state.config.history_max_orders;
  const t0 = process.hrtime.bigint();
  while (done < plan.commands) {
    const n = Math.min(100_000, plan.commands - done, done < plan.mark ? plan.mark - done : Infinity);
    gen.segment(n);
    done += n;
    if (done === plan.mark) start = heapMb();
    if (done % 1_000_000 === 0) {
      const mb = heapMb();
      if (Number.isNaN(atCaps) && capped()) {
        atCaps = mb;
        capsAt = done;
      }
      note(`soak ${done / 1_000_000} M commands, heap ${mb} MB, ${state.orders.size} active, ${state.closed.size} closed, ${state.seen.size} ids`);
    }
  }
  const end = heapMb();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return result(
    'engine.soak',
    {
      heap_mb_start: start,
      heap_mb_end: end,
      growth_pct: Math.round(((end - start) / start) * 1000) / 10,
      caps_full_at: Number.isNaN(capsAt) ? null : capsAt,
      heap_mb_at_caps: Number.isNaN(atCaps) ? null : atCaps,
      growth_after_caps_pct: Number.isNaN(atCaps) ? null : Math.round(((end - atCaps) / atCaps) * 1000) / 10,
      commands: plan.commands,
      mark: plan.mark,
      active_orders: state.orders.size,
      closed_kept: state.closed.size,
      ids_kept: state.seen.size,
      ops_per_s: Math.round(plan.commands / secs),
    },
    { metric: 'growth_pct', op: '<=', value: 10 },
  );
}
