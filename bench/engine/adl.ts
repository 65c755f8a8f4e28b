// engine.adl: one price tick that auto-deleverages 10 000 long positions at once (SPEC §15): the
// PnL cap is set so low that every long is over it and the target 0 settles them all. Same market
// as engine.cascade, flattened first; each run opens the positions again (unmeasured), times the tick.
import { execute, type State } from '../../src/engine/index.js';
import { nsSince, round3, runsOf, warmThenMeasure } from './measure.js';
import { openPositions } from './cascade.js';
import { result, type Result } from './report.js';
import { flatten, MID, priceTick, type Clock } from './workload.js';

const hr = process.hrtime.bigint;

/** 5 % up: every long is in profit, below every take-profit (70 000) and every resting order (≥ 65 000). */
const RALLY = 63_000;

export interface AdlPlan {
  positions: number;
  warmup: number;
  runs: number;
}

export function benchAdl(plan: AdlPlan, state: State, clock: Clock): Result {
  flatten(state, clock);
  setCap(state, clock, 1e-9, 0);
  const ms = warmThenMeasure(plan.warmup, plan.runs, (run) => {
    openPositions(state, clock, plan.positions, run, 'adl');
    const tick = priceTick(`rally-${run}`, clock.tick(), RALLY);
    const t0 = hr();
    const events = execute(state, tick);
    const took = nsSince(t0) / 1e6;
    let settled = 0;
    for (const e of events) if (e.type === 'TraderOrderSettled' && e.data.close_type === 'ADL') settled++;
    if (settled !== plan.positions) throw new Error(`ADL settled ${settled} of ${plan.positions} positions`);
    execute(state, priceTick(`calm-${run}`, clock.tick(), MID));
    return took;
  });
  setCap(state, clock, 0, 0);
  const r = runsOf(ms);
  return result(
    'engine.adl',
    {
      ms: round3(r.median),
      positions: plan.positions,
      orders: state.orders.size,
      runs: r.runs,
      spread_pct: Math.round(r.spread_pct * 10) / 10,
    },
    { metric: 'ms', op: '<=', value: 20 },
  );
}

function setCap(state: State, clock: Clock, max: number, target: number): void {
  const ts = clock.tick();
  const events = execute(state, { id: `adl-cap-${ts}`, ts, type: 'UpdateRiskParams', params: { max_pnl_factor: max, adl_target_factor: target } });
  if (events[0]!.type !== 'RiskParamsUpdated') throw new Error(`could not set the PnL cap: ${JSON.stringify(events[0]!.data)}`);
}
