// engine.adl: one price tick that auto-deleverages 10 000 long positions at once (SPEC §15): the
// PnL cap is set so low that every long is over it and the target 0 settles them all. Same market
// as engine.cascade, flattened first; each run opens the positions again (unmeasured), times the tick.
import { execute, type State } from '../../src/engine/index.js';
import { nsSince, round3, runsOf, warmThenMeasure } from './measure.js';
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
    openPositions(state, clock, plan.positions, run);
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

/** `n` MARKET longs at MID, leverage 30–50 and margins that vary, so the ranking has work to do; a quarter with SL/TP legs. */
function openPositions(state: State, clock: Clock, n: number, run: number): void {
  execute(state, priceTick(`adl-fresh-${run}`, clock.tick(), MID));
  for (let i = 0; i < n; i++) {
    const withLegs = i % 4 === 0;
    const events = execute(state, {
      id: `adl-${run}-${i}`,
      ts: clock.tick(),
      type: withLegs ? 'CreateTraderOrderSlTp' : 'CreateTraderOrder',
      params: {
        account_id: `adl-acc-${i}`,
        position_type: 'LONG',
        order_type: 'MARKET',
        leverage: 30 + (i % 21),
        initial_margin: 20_000 + (i % 1_000) * 50,
        entryprice: 0,
        execution_price: 0,
        sltp: withLegs ? { sl: 50_000, tp: 70_000 } : null,
      },
    });
    if (events[0]!.type !== 'TraderOrderOpened') throw new Error(`ADL position ${i} did not open: ${JSON.stringify(events[0]!.data)}`);
  }
}
