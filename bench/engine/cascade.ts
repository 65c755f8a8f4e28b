// engine.cascade: one price tick that liquidates 10 000 long positions at once, on the market the
// earlier scenarios used, flattened first so that only the resting book remains besides them.
// Each run opens the positions again (unmeasured), then times the tick.
import { execute, type State } from '../../src/engine/index.js';
import { nsSince, round3, runsOf, warmThenMeasure } from './measure.js';
import { result, type Result } from './report.js';
import { flatten, MID, priceTick, type Clock } from './workload.js';

const hr = process.hrtime.bigint;

/** Below every liquidation price of the positions opened at MID with leverage 30–50 (all ≥ 57 900). */
const CRASH = 57_000;

export interface CascadePlan {
  positions: number;
  warmup: number;
  runs: number;
}

export function benchCascade(plan: CascadePlan, state: State, clock: Clock): Result {
  flatten(state, clock);
  const ms = warmThenMeasure(plan.warmup, plan.runs, (run) => {
    openPositions(state, clock, plan.positions, run);
    const tick = priceTick(`crash-${run}`, clock.tick(), CRASH);
    const t0 = hr();
    const events = execute(state, tick);
    const took = nsSince(t0) / 1e6;
    let liquidated = 0;
    for (const e of events) if (e.type === 'TraderOrderLiquidated') liquidated++;
    if (liquidated !== plan.positions) throw new Error(`cascade liquidated ${liquidated} of ${plan.positions} positions`);
    execute(state, priceTick(`recover-${run}`, clock.tick(), MID));
    return took;
  });
  const r = runsOf(ms);
  return result(
    'engine.cascade',
    {
      ms: round3(r.median),
      positions: plan.positions,
      orders: state.orders.size,
      runs: r.runs,
      spread_pct: Math.round(r.spread_pct * 10) / 10,
    },
    { metric: 'ms', op: '<=', value: 10 },
  );
}

/**
 * `n` MARKET longs at MID, leverage 30–50 and margins that vary, a quarter with a stop-loss below
 * CRASH and a take-profit; ids and accounts start with `name` (the cascade's and the ADL bench's).
 */
export function openPositions(state: State, clock: Clock, n: number, run: number, name = 'cascade'): void {
  execute(state, priceTick(`${name}-fresh-${run}`, clock.tick(), MID));
  for (let i = 0; i < n; i++) {
    const withLegs = i % 4 === 0;
    const events = execute(state, {
      id: `${name}-${run}-${i}`,
      ts: clock.tick(),
      type: withLegs ? 'CreateTraderOrderSlTp' : 'CreateTraderOrder',
      params: {
        account_id: `${name}-acc-${i}`,
        position_type: 'LONG',
        order_type: 'MARKET',
        leverage: 30 + (i % 21),
        initial_margin: 20_000 + (i % 1_000) * 50,
        entryprice: 0,
        execution_price: 0,
        sltp: withLegs ? { sl: 50_000, tp: 70_000 } : null,
      },
    });
    if (events[0]!.type !== 'TraderOrderOpened') throw new Error(`${name} position ${i} did not open: ${JSON.stringify(events[0]!.data)}`);
  }
}
