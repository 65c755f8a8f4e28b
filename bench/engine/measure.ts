// Measurement helpers: a monotonic ns clock, warm-up-then-measure loops, median of runs with
// their spread, and latency percentiles over per-command samples.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const hr = process.hrtime.bigint;

/** Nanoseconds since `t0` (a value of process.hrtime.bigint()). */
export function nsSince(t0: bigint): number {
  return Number(hr() - t0);
}

/** Median, extremes and spread ((max − min) / median, %) of a set of run results. */
export interface Runs {
  median: number;
  min: number;
  max: number;
  spread_pct: number;
  runs: number;
}

export function runsOf(xs: readonly number[]): Runs {
  if (xs.length === 0) throw new Error('no runs to summarise');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >>> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  const min = s[0]!;
  const max = s[s.length - 1]!;
  return { median, min, max, spread_pct: median === 0 ? 0 : ((max - min) / median) * 100, runs: s.length };
}

/**
 * Runs `body` `warmup` times unmeasured (JIT, inline caches, heap shape), then `runs` times
 * measured; `body` returns its own measurement so setup inside it stays out of the figure.
 */
export function warmThenMeasure(warmup: number, runs: number, body: (run: number) => number): number[] {
  for (let i = 0; i < warmup; i++) body(-1 - i);
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push(body(i));
  return out;
}

/** Per-command latency samples (ns) of one measured pass. */
export class Latencies {
  readonly ns: Float64Array;
  count = 0;

  constructor(capacity: number) {
    this.ns = new Float64Array(capacity);
  }

  add(ns: number): void {
    this.ns[this.count++] = ns;
  }

  /** p-th quantile (0 < q < 1) in ns by nearest rank over the samples taken. */
  static quantiles(samples: Float64Array, qs: readonly number[]): number[] {
    const s = samples.slice().sort();
    return qs.map((q) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!);
  }
}

/** Cost of one timed sample: two back-to-back clock reads (median over many), in ns. */
export function timerOverheadNs(): number {
  const xs = new Float64Array(20_001);
  for (let i = 0; i < xs.length; i++) {
    const t0 = hr();
    xs[i] = Number(hr() - t0);
  }
  return Latencies.quantiles(xs, [0.5])[0]!;
}

let gcFn: (() => void) | null | undefined;

/** A full garbage collection when the runtime allows one (flag set at run time), else a no-op. */
export function collectGarbage(): void {
  if (gcFn === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    } catch {
      gcFn = null;
    }
  }
  if (gcFn !== null) gcFn();
}

export const round1 = (x: number): number => Math.round(x * 10) / 10;
export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
