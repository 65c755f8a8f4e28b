// The scheduler: everything the clock causes enters the input log as a command, so replay
// reproduces it (DESIGN §1). FundingCycle at every hour boundary (missed boundaries after downtime
// are issued once each, in order, each naming its boundary), Snapshot every 15 minutes, CheckFeed
// while the feed is silent. Ids derive from the boundary, so a second scheduler on the same market
// cannot double-issue: the engine answers its copies as duplicates.
import type { Logger } from '../infra/logger.js';
import type { StateSummary } from './summary.js';
import type { Backend } from '../store/types.js';

export interface SchedulerOptions {
  /** Funding period (SPEC §8: 3 600 s; the demo uses an accelerated hour). */
  fundingEveryMs: number;
  snapshotEveryMs: number;
  /** How often the scheduler looks at the clock. */
  pollMs: number;
  /** Most missed funding boundaries issued after downtime (oldest first). */
  maxCatchUp: number;
  log: Logger;
  now?: () => number;
}

export const DEFAULT_SCHEDULER = { fundingEveryMs: 3_600_000, snapshotEveryMs: 900_000, pollMs: 1000, maxCatchUp: 24 * 31 };

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private fundingIssuedUpTo: number | null = null;
  private startBoundary: number | null = null;
  private snapshotIssued: number | null = null;
  private feedCheckedFor: number | null = null;
  private running = false;
  readonly issued = { funding: 0, snapshot: 0, check_feed: 0 };

  constructor(
    private readonly backend: Backend,
    private readonly opts: SchedulerOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      void this.tick();
    }, this.opts.pollMs);
    void this.tick();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One look at the clock and the committed state; issues what is due. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const now = (this.opts.now ?? Date.now)();
      const committed = await this.backend.lastCommitted();
      if (committed.summary === null) return;
      const s = JSON.parse(committed.summary) as StateSummary;
      const out = [...this.funding(now, s), ...this.snapshot(now), ...this.checkFeed(now, s)];
      if (out.length > 0) await this.backend.append(out);
    } catch (e) {
      this.opts.log.warn({ err: (e as Error).message }, 'scheduler tick failed; retrying');
    } finally {
      this.running = false;
    }
  }

  private funding(now: number, s: StateSummary): string[] {
    const period = this.opts.fundingEveryMs;
    const boundary = Math.floor(now / period) * period;
    // a market's first boundary is the next one: no funding for hours before the scheduler existed
    this.startBoundary ??= boundary;
    const done = Math.max(s.funding_boundary ?? this.startBoundary, this.fundingIssuedUpTo ?? -Infinity);
    const out: string[] = [];
    let first = done + period;
    if ((boundary - first) / period >= this.opts.maxCatchUp) first = boundary - (this.opts.maxCatchUp - 1) * period;
    for (let b = first; b <= boundary; b += period) out.push(cmd(`funding:${b}`, 'FundingCycle', { boundary: b }));
    this.fundingIssuedUpTo = Math.max(done, boundary);
    this.issued.funding += out.length;
    return out;
  }

  private snapshot(now: number): string[] {
    const slot = Math.floor(now / this.opts.snapshotEveryMs);
    if (this.snapshotIssued === null) {
      this.snapshotIssued = slot;
      return [];
    }
    if (slot === this.snapshotIssued) return [];
    this.snapshotIssued = slot;
    this.issued.snapshot++;
    return [cmd(`snapshot:${slot * this.opts.snapshotEveryMs}`, 'Snapshot', {})];
  }

  private checkFeed(now: number, s: StateSummary): string[] {
    if (s.price_ts === null || s.flags.pause_price_feed) return [];
    if (now - s.price_ts <= s.feed.stale_warn_ms) return [];
    if (s.stale_warned_at !== null && s.stale_warned_at >= s.price_ts) return [];
    if (this.feedCheckedFor === s.price_ts) return [];
    this.feedCheckedFor = s.price_ts;
    this.issued.check_feed++;
    return [cmd(`checkfeed:${s.price_ts}`, 'CheckFeed', {})];
  }
}

function cmd(id: string, type: string, params: object): string {
  return JSON.stringify({ v: 1, id, type, params });
}
