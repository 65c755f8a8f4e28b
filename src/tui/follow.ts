// The I/O side of the book: a store is opened from the newest snapshot that decodes (plus a glance
// back at the events before it, for the feed), caught up with the committed tail, and then kept
// current by a follower that pulls from a feed: the event log (LogFeed) or the Redis read model
// (redis-feed.ts). Events are applied in batches as fast as they come; frames are coalesced: at
// most `fps` per second, drawn from the latest store, and only when something changed. The
// follower never waits for a frame, so it cannot fall behind the log because of the screen.
import { setImmediate as yieldNow, setTimeout as sleep } from 'node:timers/promises';
import { decodeSnapshot } from '../runtime/state-file.js';
import type { Backend } from '../store/types.js';
import { emptyStore, FEED_KEEP, reduceRows, setClock, storeFromState, type BookStore } from './store.js';

/** What the book needs of a backend (a test can hand in a fake). */
export type BookSource = Pick<Backend, 'readEvents' | 'lastCommitted' | 'listSnapshots' | 'loadSnapshot'>;

export interface OpenOptions {
  /** Ignore snapshots and apply the whole log. */
  fromScratch?: boolean;
  /** Events before the snapshot read back to fill the feed. */
  primeFeed?: number;
}

/** The newest snapshot at or below the committed seq that decodes, as a store; else an empty store. */
export async function openStore(src: BookSource, opts: OpenOptions = {}): Promise<BookStore> {
  const committed = await src.lastCommitted();
  let store: BookStore | null = null;
  if (!opts.fromScratch) {
    for (const info of await src.listSnapshots()) {
      if (info.seq > committed.seq) continue;
      try {
        store = storeFromState(decodeSnapshot(await src.loadSnapshot(info.id)).state);
        break;
      } catch {
        // a damaged snapshot: `relayer run` and `verify` report it; the book falls back to an older one
      }
    }
  }
  store ??= emptyStore();
  const prime = opts.primeFeed ?? 500;
  if (store.seq > 0 && prime > 0) await primeFeed(store, src, Math.max(1, store.seq - prime + 1));
  setClock(store, committed.clock?.price_ts ?? null);
  return store;
}

/**
 * Fills the feed with the events before the snapshot: they are applied to a scratch store (whose
 * orders are unknown, so only the feed items mean anything) and its feed is copied over.
 */
async function primeFeed(store: BookStore, src: BookSource, from: number): Promise<void> {
  const rows = await src.readEvents(from, store.seq - from + 1);
  const scratch = emptyStore(false);
  reduceRows(
    scratch,
    rows.filter((r) => r.seq <= store.seq),
  );
  // the price path and the funding period before the snapshot, when they lead up to its price
  if (scratch.price !== null && scratch.price === store.price) {
    store.prices = scratch.prices;
    store.previous_price = scratch.previous_price;
    store.ref_price = scratch.ref_price;
    store.ref_ts = scratch.ref_ts;
  }
  store.funding_period ??= scratch.funding_period;
  const n = Math.min(scratch.feed_total, FEED_KEEP);
  for (let i = n; i >= 1; i--) {
    store.feed[store.feed_total % FEED_KEEP] = scratch.feed[(scratch.feed_total - i) % FEED_KEEP]!;
    store.feed_total++;
  }
}

/** Applies every committed event after the store's seq (up to `toSeq`); returns how many. */
export async function catchUp(store: BookStore, src: BookSource, toSeq = Infinity, batch = 10_000): Promise<number> {
  let n = 0;
  while (store.seq < toSeq) {
    const rows = await src.readEvents(store.seq + 1, Math.min(batch, toSeq - store.seq));
    if (rows.length === 0) break;
    reduceRows(store, rows);
    n += rows.length;
  }
  return n;
}

/**
 * Time and timers as the follower uses them. The real clock by default; a test hands in a
 * controlled one, so how frames are spaced never depends on how loaded the machine is.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  sleep(ms: number): Promise<void>;
}

const REAL_CLOCK: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
  sleep: (ms) => sleep(ms),
};

/** What one pull did: whether the store changed, the newest committed seq seen, and whether more is waiting now. */
export interface Pulled {
  changed: boolean;
  head: number;
  more: boolean;
}

/** Something that brings a store closer to the committed log, a step at a time. */
export interface BookFeed {
  pull(store: BookStore): Promise<Pulled>;
  /** What the screen shows now, for a feed that reads only what is in view (the Redis read model). */
  watch?(window: () => ViewWindow): void;
}

/** What the screen shows: how many levels per ladder, the bucket (null = automatic) and the account filter. */
export interface ViewWindow {
  depth: number;
  step: number | null;
  account: string | null;
}

/** The event log as a feed: reads the events after the store's seq; looks at the head and feed clock every `clockMs`. */
class LogFeed implements BookFeed {
  private lastClock = -Infinity;
  private head = 0;

  constructor(
    private readonly src: BookSource,
    private readonly batch = 2000,
    private readonly clockMs = 250,
    private readonly clock: Clock = REAL_CLOCK,
  ) {}

  async pull(store: BookStore): Promise<Pulled> {
    const rows = await this.src.readEvents(store.seq + 1, this.batch);
    reduceRows(store, rows);
    this.head = Math.max(this.head, store.seq);
    if (this.clock.now() - this.lastClock >= this.clockMs) {
      this.lastClock = this.clock.now();
      const c = await this.src.lastCommitted();
      this.head = Math.max(this.head, c.seq);
      setClock(store, c.clock?.price_ts ?? null);
    }
    return { changed: rows.length > 0, head: this.head, more: rows.length === this.batch };
  }
}

export interface FollowerOptions {
  /** Most frames per second (default 10). */
  fps?: number;
  /** Pause between polls when the log is quiet. */
  pollMs?: number;
  /** Events read per poll (event log sources). */
  batch?: number;
  /** How often the committed head and feed clock are read (event log sources). */
  clockMs?: number;
  /** Draws one frame from the store as it is now. */
  draw: (f: FrameInfo) => void;
  /** Time and timers (default: the real ones). */
  clock?: Clock;
}

interface FrameInfo {
  store: BookStore;
  /** Committed events not applied yet (as of the last look at the head). */
  behind: number;
  /** Frames drawn in the last second. */
  fps: number;
  error: string | null;
}

export class Follower {
  private stopped = false;
  private dirty = true;
  private timer: unknown = null;
  private ticker: unknown = null;
  private lastFrame = 0;
  private head = 0;
  private recent: number[] = [];
  private pump: Promise<void> | null = null;
  private error: string | null = null;
  frames = 0;
  private readonly fps: number;
  private readonly pollMs: number;
  private readonly feed: BookFeed;
  private readonly clock: Clock;

  /** `src` is a feed, or a backend (followed through a LogFeed). */
  constructor(
    src: BookSource | BookFeed,
    readonly store: BookStore,
    private readonly opts: FollowerOptions,
  ) {
    this.fps = opts.fps ?? 10;
    this.pollMs = opts.pollMs ?? 50;
    this.clock = opts.clock ?? REAL_CLOCK;
    this.feed = 'pull' in src ? src : new LogFeed(src, opts.batch ?? 2000, opts.clockMs ?? 250, this.clock);
  }

  start(): void {
    this.pump = this.loop();
    // countdowns and the feed age move without events: a frame each second regardless
    this.ticker = this.clock.setInterval(() => this.invalidate(), 1000);
    this.invalidate();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    if (this.ticker !== null) this.clock.clearInterval(this.ticker);
    this.timer = null;
    this.ticker = null;
    await this.pump;
  }

  get behind(): number {
    return Math.max(0, this.head - this.store.seq);
  }

  /** Something on screen changed (a key, a resize, the clock): draw soon, within the frame budget. */
  invalidate(): void {
    this.dirty = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || this.timer !== null) return;
    const wait = Math.max(0, Math.ceil(this.lastFrame + 1000 / this.fps - this.clock.now()));
    this.timer = this.clock.setTimeout(() => this.frame(), wait);
  }

  private frame(): void {
    this.timer = null;
    if (this.stopped || !this.dirty) return;
    const now = this.clock.now();
    // timers may fire a fraction of a millisecond early: never two frames closer than the budget
    if (now - this.lastFrame < 1000 / this.fps) {
      this.schedule();
      return;
    }
    this.dirty = false;
    this.lastFrame = now;
    this.recent.push(now);
    while (this.recent.length > 0 && this.recent[0]! <= now - 1000) this.recent.shift();
    this.frames++;
    this.opts.draw({ store: this.store, behind: this.behind, fps: this.recent.length, error: this.error });
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        const r = await this.feed.pull(this.store);
        this.head = r.head; // the feed's own view of the head (a rebuilt read model can go back)
        if (r.changed) this.invalidate();
        if (this.error !== null) {
          this.error = null;
          this.invalidate();
        }
        // more waiting: yield to timers and keys, then read on at once
        if (r.more) await yieldNow();
        else await this.clock.sleep(this.pollMs);
      } catch (e) {
        this.error = `source error: ${(e as Error).message}`;
        this.invalidate();
        await this.clock.sleep(1000);
      }
    }
  }
}
