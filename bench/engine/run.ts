// `relayer bench engine [--quick] [--json] [--orders N]`: the engine benchmark suite. Each result
// warms up, then reports the median of its runs and their spread, with its target and whether it
// holds; the peer (nodejs-order-book) runs in the same process, alternating with ours.
import { cpus, loadavg } from 'node:os';
import { usage } from '../../src/errors.js';
import { benchAdl, type AdlPlan } from './adl.js';
import { benchCascade, type CascadePlan } from './cascade.js';
import { collectGarbage } from './measure.js';
import { benchExecPipe, type ExecPipePlan } from './exec-pipe.js';
import { benchMixed, type MixedPlan } from './mixed.js';
import { benchPeer, PEER, type PeerPlan } from './peer.js';
import { Reporter } from './report.js';
import { benchResting, type RestingPlan } from './resting.js';
import { benchSoak, type SoakPlan } from './soak.js';

export interface BenchOptions {
  quick: boolean;
  json: boolean;
  orders: number;
}

interface Plan {
  mixed: MixedPlan;
  resting: RestingPlan;
  cascade: CascadePlan;
  adl: AdlPlan;
  peer: PeerPlan;
  execPipe: ExecPipePlan;
  soak: SoakPlan;
}

const MILLION = 1_000_000;

/** Sizes per mode: the full run follows the brief; --quick keeps the whole suite under ~20 s. */
export function planFor(opts: BenchOptions): Plan {
  const orders = opts.orders;
  if (opts.quick) {
    const resting = 100_000;
    return {
      mixed: { orders, segment: 10_000, runs: 3, latencyRuns: 2 },
      resting: { orders: resting, ticks: 50_000, warmTicks: 10_000, note: `quick: ${resting} resting orders instead of ${MILLION}` },
      cascade: { positions: 10_000, warmup: 1, runs: 3 },
      adl: { positions: 10_000, warmup: 1, runs: 3 },
      peer: { pairs: 5_000, runs: 3 },
      execPipe: { lines: 50_000, runs: 2 },
      soak: { commands: 1_000_000, mark: 200_000 },
    };
  }
  return {
    mixed: { orders, segment: 100_000, runs: 5, latencyRuns: 3 },
    resting: { orders: MILLION, ticks: 200_000, warmTicks: 20_000, note: null },
    cascade: { positions: 10_000, warmup: 2, runs: 5 },
    adl: { positions: 10_000, warmup: 2, runs: 5 },
    peer: { pairs: 50_000, runs: 5 },
    execPipe: { lines: 500_000, runs: 3 },
    soak: { commands: 10 * MILLION, mark: 2 * MILLION },
  };
}

export async function benchEngine(opts: BenchOptions): Promise<void> {
  if (!Number.isSafeInteger(opts.orders) || opts.orders < 1) throw usage(`--orders must be a positive integer, got ${opts.orders}`);
  const plan = planFor(opts);
  const out = new Reporter(opts.json);
  const started = Date.now();
  const load = loadavg()[0]!;

  out.note('engine.memory + engine.tick_idle, cap off and on (child process)');
  const resting = benchResting(plan.resting);
  out.add(resting.idle);
  out.add(resting.idleCapped);
  out.add(resting.memory);

  // A full collection between scenarios so one's garbage is not collected during the next;
  // skipped in quick mode, where each costs a noticeable part of the budget.
  const settle = opts.quick ? () => {} : collectGarbage;
  settle();
  out.note('engine.mixed + engine.exec_json');
  const market = benchMixed(plan.mixed, (s) => out.note(`  ${s}`));
  out.add(market.mixed);
  out.add(market.exec);

  // The market the mixed stream left behind (resting book + live positions) hosts the rest.
  settle();
  out.note(`peer.order_book (${PEER})`);
  out.add(benchPeer(plan.peer, market.state, market.clock, plan.mixed.orders));

  settle();
  out.note('engine.cascade');
  out.add(benchCascade(plan.cascade, market.state, market.clock));

  settle();
  out.note('engine.adl');
  out.add(benchAdl(plan.adl, market.state, market.clock));

  settle();
  out.note('engine.exec_pipe (the real binary)');
  out.add(benchExecPipe(plan.execPipe));

  settle();
  out.note(`engine.soak (${plan.soak.commands} commands)`);
  out.add(benchSoak(plan.soak, (s) => out.note(`  ${s}`)));

  const cpu = cpus();
  out.finish(
    `relayer bench engine${opts.quick ? ' --quick' : ''} — node ${process.version} ${process.execArgv.join(' ')}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ` +
      `load ${load.toFixed(2)} at start, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
