// The tick gate (SPEC §8): decides which source prices become commands. A `PriceTick` when
// round(price) moved by at least the tick size since the last tick sent, no sooner than `tickMs`
// after the previous command; otherwise a `Heartbeat`, at most one per `heartbeatMs`, and only when
// the source delivered a price since the previous command (a silent source emits nothing, so the
// engine's feed clock ages and the scheduler's CheckFeed makes the silence visible).
//
// The gate is pure: every call takes the time, so a test drives it with a fake clock and the file
// source drives it with recorded time (replay at any speed makes the same decisions).
import { round } from '../engine/math.js';

export interface GateOptions {
  /** Least time between two commands (SPEC §8: 250 ms); 0 sends every change at once. */
  tickMs: number;
  /** Least time between a command and the next heartbeat (SPEC §8: 1 s); 0 disables heartbeats. */
  heartbeatMs: number;
  /** Least move of round(price), in USD, that makes a new PriceTick (P is an integer, so 1). */
  tickSize: number;
}

export const DEFAULT_GATE: GateOptions = { tickMs: 250, heartbeatMs: 1000, tickSize: 1 };

export type Emission = { kind: 'tick'; price: number; feedTs: number | null; at: number } | { kind: 'heartbeat'; at: number };

export class TickGate {
  private latest: number | null = null;
  private latestFeedTs: number | null = null;
  /** round() of the last price sent in a PriceTick; null before the first (or after a resume). */
  private sentP: number | null = null;
  private lastEmitAt: number | null = null;
  /** The source delivered a price since the last command. */
  private fresh = false;
  private paused = false;

  constructor(readonly opts: GateOptions = DEFAULT_GATE) {
    for (const [k, v] of Object.entries(opts)) {
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`gate option ${k} must be a non-negative number`);
    }
  }

  /**
   * A price from the source at time `now`; returns the command to send now, if any. `delivered`
   * false (an index re-evaluated without a new source message, SPEC §14) updates the price without
   * making a heartbeat due.
   */
  offer(price: number, feedTs: number | null, now: number, delivered = true): Emission | null {
    this.latest = price;
    this.latestFeedTs = feedTs;
    this.fresh ||= delivered;
    return this.poll(now);
  }

  /** What is due at `now` (call it at `nextDue()`, or any time). */
  poll(now: number): Emission | null {
    if (this.paused || this.latest === null) return null;
    if (this.lastEmitAt !== null && now - this.lastEmitAt < this.opts.tickMs) return null;
    if (this.changed()) {
      this.sentP = round(this.latest);
      return this.sent({ kind: 'tick', price: this.latest, feedTs: this.latestFeedTs, at: now });
    }
    if (this.heartbeatDue(now)) return this.sent({ kind: 'heartbeat', at: now });
    return null;
  }

  /** The earliest time something may be due, or null when nothing will be until the next price. */
  nextDue(): number | null {
    if (this.paused || this.latest === null) return null;
    const last = this.lastEmitAt;
    if (last === null) return -Infinity;
    if (this.changed()) return last + this.opts.tickMs;
    if (this.fresh && this.opts.heartbeatMs > 0) return last + Math.max(this.opts.tickMs, this.opts.heartbeatMs);
    return null;
  }

  /**
   * While the engine ignores ticks (`pause_price_feed`) nothing is sent. On resume the last price
   * sent is forgotten, so the next price becomes a PriceTick even if round(price) did not move.
   */
  setPaused(paused: boolean): void {
    if (this.paused && !paused) {
      this.sentP = null;
      this.lastEmitAt = null;
    }
    this.paused = paused;
  }

  /** Forgets the last price sent, so the next poll sends a PriceTick (the engine's P differs). */
  resync(): void {
    this.sentP = null;
  }

  get isPaused(): boolean {
    return this.paused;
  }
  /** round() of the last price sent in a PriceTick. */
  get sentPrice(): number | null {
    return this.sentP;
  }
  get lastPrice(): number | null {
    return this.latest;
  }

  private changed(): boolean {
    if (this.latest === null) return false;
    if (this.sentP === null) return true;
    const moved = Math.abs(round(this.latest) - this.sentP);
    return this.opts.tickSize > 0 ? moved >= this.opts.tickSize : moved > 0;
  }

  private heartbeatDue(now: number): boolean {
    if (!this.fresh || this.opts.heartbeatMs <= 0) return false;
    return this.lastEmitAt === null || now - this.lastEmitAt >= this.opts.heartbeatMs;
  }

  private sent(e: Emission): Emission {
    this.lastEmitAt = e.at;
    this.fresh = false;
    return e;
  }
}
