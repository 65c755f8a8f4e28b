// The walk source: a seeded, mean-reverting random walk with occasional jumps, so limit orders
// fill and leveraged positions get liquidated (used by `relayer run --demo`). Same seed, same
// price path; which steps become ticks or heartbeats is the gate's business.
import { Prng } from '../infra/prng.js';
import type { FeedRunner } from './runner.js';

export interface WalkOptions {
  seed: number;
  /** Start price, also the level the walk reverts to. */
  start: number;
  /** One price step every this many ms. */
  stepMs: number;
}

export const DEFAULT_WALK: WalkOptions = { seed: 42, start: 60_000, stepMs: 250 };

export class RandomWalk {
  private readonly rng: Prng;
  private p: number;

  constructor(
    seed: number,
    private readonly start: number,
  ) {
    this.rng = new Prng(seed);
    this.p = start;
  }

  get price(): number {
    return this.p;
  }

  /** The next price, to the cent: 1 % reversion, ±80 noise, a ±1 200 jump in 3 % of the steps. */
  next(): number {
    const r = this.rng;
    const drift = (this.start - this.p) * 0.01;
    const jump = r.chance(0.03) ? (r.next() - 0.5) * 2400 : 0;
    this.p = Math.max(1000, this.p + drift + (r.next() - 0.5) * 160 + jump);
    return Number(this.p.toFixed(2));
  }
}

/**
 * Offers the walk's prices to the runner, the start price at once and then one per step, until
 * `signal` aborts. `onPrice` sees each price too (the demo's traders price their orders with it).
 */
export function runWalk(runner: FeedRunner, opts: WalkOptions, signal: AbortSignal, onPrice?: (p: number) => void): Promise<void> {
  const walk = new RandomWalk(opts.seed, opts.start);
  return new Promise<void>((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const step = (p: number): void => {
      onPrice?.(p);
      runner.offer(p, null);
    };
    step(opts.start);
    const timer = setInterval(() => step(walk.next()), opts.stepMs);
    signal.addEventListener(
      'abort',
      () => {
        clearInterval(timer);
        resolve();
      },
      { once: true },
    );
  });
}
