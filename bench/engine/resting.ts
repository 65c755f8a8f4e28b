// engine.memory and engine.tick_idle (PnL cap off, then on: §15's check must stay O(1)), measured
// on one state holding many resting limit orders.
// They run in a child process started with --expose-gc: the heap holds nothing but that state,
// so heap-used after a full collection, less the heap before, is what the orders cost.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { execute, type Command } from '../../src/engine/index.js';
import { NODE_FLAGS } from '../../src/infra/node-flags.js';
import { Latencies, round1, round3 } from './measure.js';
import { result, type Metrics, type Result } from './report.js';
import { Clock, MID, preparedState, priceTick, Rng } from './workload.js';

export interface RestingPlan {
  orders: number;
  ticks: number;
  warmTicks: number;
  note: string | null;
}
/** Ticks per block of the alternating cap-off / cap-on measurement. */
const BLOCK = 1_000;

export interface RestingResults {
  memory: Result;
  idle: Result;
  idleCapped: Result;
}

const CHILD = fileURLToPath(new URL('./resting-child.js', import.meta.url));

/** Runs the measurement in a fresh `node --expose-gc` and reads its one JSON line. */
export function benchResting(plan: RestingPlan): RestingResults {
  const r = spawnSync(process.execPath, ['--expose-gc', ...NODE_FLAGS, CHILD, JSON.stringify(plan)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`resting-order child failed (${r.error?.message ?? `exit ${r.status}`})`);
  return JSON.parse(r.stdout) as RestingResults;
}

/** Inside the child: build the state, weigh it, then time ticks that cross nothing. */
export function measureResting(plan: RestingPlan, gc: () => void): RestingResults {
  const collect = (): number => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const clock = new Clock();
  const before = collect();
  const state = preparedState(plan.orders, clock);
  const after = collect();
  const bytesPerOrder = (after - before) / plan.orders;
  const scope: Metrics = plan.note === null ? {} : { note: plan.note };

  // Ticks wander 59 000–61 000 in cents: the price changes every time (PriceUpdated is emitted,
  // all ten indices are checked), but nothing rests closer than 5 000 USD, so nothing fires.
  const rng = new Rng(11);
  let price = MID;
  const prices = new Float64Array(plan.warmTicks + 2 * plan.ticks);
  for (let i = 0; i < prices.length; i++) {
    price = Math.min(MID + 1_000, Math.max(MID - 1_000, Math.round((price + (rng.next() - 0.5) * 200) * 100) / 100));
    prices[i] = price;
  }
  const check = (events: readonly unknown[]): void => {
    if (events.length > 1) throw new Error(`an idle tick fired ${events.length - 1} trigger events`);
  };
  // The cap off and on (one no idle tick reaches, so only the §15 check itself runs) in
  // alternating blocks of ticks, so load and heap growth fall on both alike. Every command is built
  // first; kinds: 0 warm-up tick, 1 tick with the cap off, 2 with the cap on, 3 the cap command.
  const cmds: Command[] = [];
  const kinds: number[] = [];
  const capCmd = (on: boolean): void => {
    const ts = clock.tick();
    const params = on ? { max_pnl_factor: 0.5, adl_target_factor: 0.25 } : { max_pnl_factor: 0, adl_target_factor: 0 };
    cmds.push({ id: `idle-cap-${ts}`, ts, type: 'UpdateRiskParams', params });
    kinds.push(3);
  };
  prices.forEach((p, i) => {
    const j = i - plan.warmTicks;
    const block = Math.floor((j < 0 ? i : j) / BLOCK);
    if ((j < 0 ? i : j) % BLOCK === 0) capCmd((block & 1) === 1);
    cmds.push(priceTick(`idle-${i}`, clock.tick(), p));
    kinds.push(j < 0 ? 0 : (block & 1) === 1 ? 2 : 1);
  });
  const hr = process.hrtime.bigint;
  const lat = new Latencies(plan.ticks);
  const capped = new Latencies(plan.ticks);
  for (let i = 0; i < cmds.length; i++) {
    const kind = kinds[i]!;
    if (kind === 3) {
      if (execute(state, cmds[i]!)[0]?.type !== 'RiskParamsUpdated') throw new Error('could not set the PnL cap');
      continue;
    }
    const t0 = hr();
    const events = execute(state, cmds[i]!);
    const ns = Number(hr() - t0);
    if (kind === 1) lat.add(ns);
    else if (kind === 2) capped.add(ns);
    check(events);
  }
  const [p50, p99, p999, max] = Latencies.quantiles(lat.ns, [0.5, 0.99, 0.999, 1]);
  const [c50, c99, c999, cmax] = Latencies.quantiles(capped.ns, [0.5, 0.99, 0.999, 1]);
  if (lat.count !== plan.ticks || capped.count !== plan.ticks) throw new Error('idle tick blocks miscounted');
  if (state.orders.size !== plan.orders) throw new Error('resting orders changed during idle ticks');
  return {
    memory: result(
      'engine.memory',
      {
        bytes_per_order: Math.round(bytesPerOrder),
        orders: plan.orders,
        heap_used_mb: round1((after - before) / 2 ** 20),
        ...scope,
      },
      { metric: 'bytes_per_order', op: '<=', value: 300 },
    ),
    idle: result(
      'engine.tick_idle',
      {
        p99_us: round3(p99! / 1000),
        p50_us: round3(p50! / 1000),
        p999_us: round3(p999! / 1000),
        max_us: round1(max! / 1000),
        orders: plan.orders,
        ticks: plan.ticks,
        ...scope,
      },
      { metric: 'p99_us', op: '<=', value: 10 },
    ),
    idleCapped: result(
      'engine.tick_idle_pnl_cap',
      {
        p99_us: round3(c99! / 1000),
        p50_us: round3(c50! / 1000),
        p999_us: round3(c999! / 1000),
        max_us: round1(cmax! / 1000),
        orders: plan.orders,
        ticks: plan.ticks,
        max_pnl_factor: 0.5,
        ...scope,
      },
      { metric: 'p99_us', op: '<=', value: 10 },
    ),
  };
}
