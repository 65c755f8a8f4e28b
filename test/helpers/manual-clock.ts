// A controlled clock for code that takes a Clock (src/tui/follow.ts): time moves only when the test
// says so, timers fire in time order, and promise work runs between them, so what the test asserts
// about timing holds however loaded the machine is.
import type { Clock } from '../../src/tui/follow.js';

interface Timer {
  at: number;
  fn: () => void;
  every: number | null;
}

/** Lets pending promise callbacks and setImmediate work run (a few event-loop turns). */
async function settle(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class ManualClock implements Clock {
  private t = 0;
  private lastId = 0;
  private readonly timers = new Map<number, Timer>();

  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): number {
    return this.add(fn, ms, null);
  }
  setInterval(fn: () => void, ms: number): number {
    return this.add(fn, ms, Math.max(1, ms));
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  clearInterval(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Moves time forward to `to`, firing every timer due on the way (earliest first), settling after each. */
  async advanceTo(to: number): Promise<void> {
    for (;;) {
      let next: [number, Timer] | null = null;
      for (const entry of this.timers) if (entry[1].at <= to && (next === null || entry[1].at < next[1].at)) next = entry;
      if (next === null) break;
      const [id, timer] = next;
      this.t = Math.max(this.t, timer.at);
      if (timer.every === null) this.timers.delete(id);
      else timer.at += timer.every;
      timer.fn();
      await settle();
    }
    this.t = Math.max(this.t, to);
    await settle();
  }

  private add(fn: () => void, ms: number, every: number | null): number {
    const id = ++this.lastId;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn, every });
    return id;
  }
}
