// engine.mixed and engine.exec_json: the mixed stream over a book of resting limit orders,
// in-process (typed commands → execute) and through the `relayer exec` path (JSON line → parse →
// executeRaw → hash-chained JSON lines). Segments of the stream are generated just before they
// are replayed and then dropped; the two paths take turns on the same market.
import { execute, type Command, type State } from '../../src/engine/index.js';
import { runLine } from '../../src/runtime/exec-line.js';
import { ChainWriter } from '../../src/runtime/chain.js';
import { Latencies, nsSince, round1, round3, runsOf, timerOverheadNs } from './measure.js';
import { result, type Result } from './report.js';
import { Clock, MixedGenerator, preparedState, toWire } from './workload.js';

const hr = process.hrtime.bigint;

export interface MixedPlan {
  /** Resting limit orders loaded before the stream starts. */
  orders: number;
  /** Commands per segment (one measured run). */
  segment: number;
  /** Measured throughput runs, for each of the two paths. */
  runs: number;
  /** Measured latency runs (in-process, every command timed). */
  latencyRuns: number;
}

export interface MixedResults {
  mixed: Result;
  exec: Result;
  /** The measured market after the stream, and its clock, for the scenarios that follow. */
  state: State;
  clock: Clock;
}

type Path = 'direct' | 'json' | 'latency';
interface Step {
  path: Path;
  warm: boolean;
}

/**
 * One state goes through every segment; each segment is replayed through one path. Both paths
 * make the same transitions (checked by seq after every segment), so the stream stays the one
 * the generator produced while the two paths alternate on the same market.
 */
export function benchMixed(plan: MixedPlan, note: (s: string) => void): MixedResults {
  note(`preparing a market with ${plan.orders} resting orders`);
  const prepClock = new Clock();
  const state = preparedState(plan.orders, prepClock);
  // The generator's scratch market lacks the resting book: those orders sit ≥ 2 500 USD outside
  // the band the stream's price walks in, so they never fire and never change what the stream
  // does; they only shift seq by a constant, which the replay check allows for.
  const genClock = new Clock(prepClock.ts);
  const gen = new MixedGenerator(preparedState(0, genClock), genClock);
  const seqOffset = state.seq - gen.seq;
  const exec = new ExecPipe(state);

  // The latency loop runs the same engine code as the direct one, so two warm-up segments do.
  const steps: Step[] = [
    { path: 'direct', warm: true },
    { path: 'json', warm: true },
  ];
  for (let i = 0; i < Math.max(plan.runs, plan.latencyRuns); i++) {
    if (i < plan.runs) steps.push({ path: 'direct', warm: false }, { path: 'json', warm: false });
    if (i < plan.latencyRuns) steps.push({ path: 'latency', warm: false });
  }

  const direct: number[] = [];
  const json: number[] = [];
  const samples: Float64Array[] = [];
  let commands = 0;
  let events = 0;
  let rejected = 0;
  for (let s = 0; s < steps.length; s++) {
    const { path, warm } = steps[s]!;
    note(`segment ${s + 1}/${steps.length}: ${path}${warm ? ' (warm-up)' : ''}`);
    const seq0 = gen.seq;
    const rejected0 = gen.rejected;
    const cmds = gen.segment(plan.segment);
    switch (path) {
      case 'direct': {
        const ops = timedAll(state, cmds);
        if (!warm) direct.push(ops);
        break;
      }
      case 'json': {
        const ops = exec.timed(cmds.map(toWire));
        if (!warm) json.push(ops);
        break;
      }
      case 'latency': {
        const lat = new Latencies(cmds.length);
        timedEach(state, cmds, lat);
        if (!warm) samples.push(lat.ns);
        break;
      }
      default: {
        const never: never = path;
        throw new Error(`unknown path ${String(never)}`);
      }
    }
    if (state.seq - seqOffset !== gen.seq) throw new Error(`${path} replay diverged from the generated stream (seq ${state.seq - seqOffset} ≠ ${gen.seq})`);
    if (!warm) {
      commands += cmds.length;
      events += gen.seq - seq0;
      rejected += gen.rejected - rejected0;
    }
  }

  const all = new Float64Array(samples.reduce((n, a) => n + a.length, 0));
  let off = 0;
  for (const a of samples) {
    all.set(a, off);
    off += a.length;
  }
  const [p50, p99, p999, max] = Latencies.quantiles(all, [0.5, 0.99, 0.999, 1]);
  const d = runsOf(direct);
  const j = runsOf(json);
  const shared = {
    orders: plan.orders,
    commands_per_run: plan.segment,
    events_per_cmd: round3(events / commands),
    rejected_pct: round3((rejected / commands) * 100),
  };
  return {
    mixed: result(
      'engine.mixed',
      {
        ops_per_s: Math.round(d.median),
        p50_us: round3(p50! / 1000),
        p99_us: round3(p99! / 1000),
        p999_us: round3(p999! / 1000),
        max_us: round1(max! / 1000),
        runs: d.runs,
        spread_pct: round1(d.spread_pct),
        latency_samples: all.length,
        timer_overhead_ns: timerOverheadNs(),
        ...shared,
      },
      { metric: 'ops_per_s', op: '>=', value: 1_000_000 },
    ),
    exec: result(
      'engine.exec_json',
      {
        ops_per_s: Math.round(j.median),
        runs: j.runs,
        spread_pct: round1(j.spread_pct),
        ...shared,
      },
      { metric: 'ops_per_s', op: '>=', value: 400_000 },
    ),
    state,
    clock: genClock,
  };
}

/** Throughput pass: one clock read around the whole segment. */
function timedAll(state: State, cmds: readonly Command[]): number {
  const t0 = hr();
  for (let i = 0; i < cmds.length; i++) execute(state, cmds[i]!);
  return cmds.length / (nsSince(t0) / 1e9);
}

/** Latency pass: every command timed on its own. */
function timedEach(state: State, cmds: readonly Command[], lat: Latencies): void {
  for (let i = 0; i < cmds.length; i++) {
    const t0 = hr();
    execute(state, cmds[i]!);
    lat.add(Number(hr() - t0));
  }
}

/**
 * What `relayer exec` does per input line, minus the pipes: runLine (size check, JSON.parse,
 * executeRaw), every event hash-chained to its JSON line, lines gathered into 64 KiB chunks.
 */
class ExecPipe {
  private readonly chain = new ChainWriter();
  private lineNo = 0;
  private parts: string[] = [];
  private size = 0;
  /** Bytes "written"; read once at the end so the output is not dead code. */
  written = 0;

  constructor(private readonly state: State) {}

  timed(lines: readonly string[]): number {
    const t0 = hr();
    for (let i = 0; i < lines.length; i++) {
      const n = ++this.lineNo;
      const emitted = runLine(this.state, lines[i]!, `line:${n}`, n);
      for (let e = 0; e < emitted.length; e++) this.write(this.chain.push(emitted[e]!));
    }
    this.flush();
    return lines.length / (nsSince(t0) / 1e9);
  }

  private write(line: string): void {
    this.parts.push(line, '\n');
    this.size += line.length + 1;
    if (this.size >= 1 << 16) this.flush();
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    this.written += this.parts.join('').length;
    this.parts = [];
    this.size = 0;
  }
}
