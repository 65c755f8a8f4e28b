// The feed runner: source prices → tick gate → commands on the input log. It mints the command
// ids, keeps the append order (one append at a time, retried with the same text, so a retry can
// only be answered as a duplicate), counts what happened, stops sending while the engine has
// `pause_price_feed` set, and warns when the source goes silent.
//
// Two clocks: live sources (ws, walk, manual) run on wall time and a timer wakes the gate when a
// throttled tick or a heartbeat falls due; the file source runs on its recorded time and calls
// `advanceTo` before each row, so the gate makes the same decisions at any replay speed.
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_MARKET } from '../engine/market.js';
import type { Logger } from '../infra/logger.js';
import { TickGate, type Emission, type GateOptions } from './gate.js';

export type CounterName = 'ticks' | 'heartbeats' | 'reconnects' | 'rejected';

export interface FeedCounters {
  inc(name: CounterName): void;
  /** Every price the source delivered. */
  observePrice?(price: number): void;
}

type FeedEvent = (event: string, fields: Record<string, unknown>) => void;

export interface RunnerOptions {
  /** Source name: in the command ids and in PriceTick.source. */
  source: string;
  /** The market whose input log the commands go to (absent = BTC-USD): its envelopes name it. */
  market?: string;
  /** Start of this feed process (ms); with the source it makes the ids of this run unique. */
  startedAt: number;
  gate: GateOptions;
  /** Puts raw command texts on the input log (Backend.append, or appendSync in the demo). */
  append: (raws: string[]) => unknown;
  log: Logger;
  /** Wall clock of live sources. */
  now?: () => number;
  /** The source drives time itself (file replay through offerAt/advanceTo, an index through its steps): no due timer. */
  recorded?: boolean;
  /**
   * The engine's committed view, asked every housekeeping round: is it ignoring ticks
   * (`pause_price_feed`), and what is its price P (null when unknown)?
   */
  engineProbe?: () => EngineView | null | Promise<EngineView | null>;
  /** When append does not report positions: how long after our last PriceTick a different P counts. */
  resyncAfterMs?: number;
  /** Source silence before a warning (SPEC §8: 10 s). */
  silentWarnMs?: number;
  housekeepMs?: number;
  counters?: FeedCounters;
  onEvent?: FeedEvent;
}

/** The engine's committed view; `position` = the last input it consumed (positions compare as numbers). */
export interface EngineView {
  paused: boolean;
  price: number | null;
  position: string | null;
}

export interface FeedStats {
  prices: number;
  ticks: number;
  heartbeats: number;
  rejected: number;
  reconnects: number;
  append_errors: number;
  last_price: number | null;
  last_tick_price: number | null;
  paused: boolean;
  silent: boolean;
}

/**
 * A feed command's envelope. Another market's names it (D160; the engine refuses a command for
 * another market); BTC-USD's stay byte for byte as before.
 */
export function feedEnvelope(market: string | undefined, id: string, type: string, params: Record<string, unknown>): string {
  return JSON.stringify(market === undefined || market === DEFAULT_MARKET ? { v: 1, id, type, params } : { v: 1, id, market, type, params });
}

export class FeedRunner {
  readonly gate: TickGate;
  readonly stats: FeedStats = {
    prices: 0,
    ticks: 0,
    heartbeats: 0,
    rejected: 0,
    reconnects: 0,
    append_errors: 0,
    last_price: null,
    last_tick_price: null,
    paused: false,
    silent: false,
  };
  private n = 0;
  private readonly prefix: string;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private housekeeper: NodeJS.Timeout | null = null;
  private lastPriceWall: number;
  private lastTickWall = 0;
  /** Input position of our last PriceTick (when the sink reports positions). */
  private lastTickPosition: number | null = null;
  private tickInBacklog = false;
  private backlog: string[] = [];
  private pumping: Promise<void> | null = null;
  private stopping = false;
  private probing = false;

  constructor(private readonly opts: RunnerOptions) {
    this.gate = new TickGate(opts.gate);
    this.prefix = `feed:${opts.source}:${opts.startedAt}`;
    this.now = opts.now ?? Date.now;
    this.lastPriceWall = Date.now();
  }

  /** Starts housekeeping (pause probe, silence warning); live sources also get the due timer. */
  start(): void {
    const every = this.opts.housekeepMs ?? 1000;
    this.housekeeper = setInterval(() => {
      void this.housekeep();
    }, every);
    this.housekeeper.unref();
    void this.housekeep();
  }

  /** A price from a live source, now. */
  offer(price: number, feedTs: number | null): void {
    this.noteprice(price);
    this.send(this.gate.offer(price, feedTs, this.now()));
    this.schedule();
  }

  /** A price from a recorded source at its recorded time `t` (call `advanceTo(t)` first). */
  offerAt(price: number, feedTs: number | null, t: number): void {
    this.noteprice(price);
    this.send(this.gate.offer(price, feedTs, t));
  }

  /**
   * Recorded time: sends whatever falls due up to `t`, each at its own due time, waiting with
   * `sleepUntil` (which maps recorded time to wall time at the replay speed).
   */
  async advanceTo(t: number, sleepUntil: (t: number) => Promise<void>): Promise<void> {
    for (;;) {
      const due = this.gate.nextDue();
      if (due === null || due > t || this.stopping) return;
      await sleepUntil(due);
      const e = this.gate.poll(due);
      if (e === null) return;
      this.send(e);
    }
  }

  /** After the last price of a finite source: sends what is still due (live clock). */
  async drainLive(): Promise<void> {
    for (;;) {
      const due = this.gate.nextDue();
      if (due === null || this.stopping) return;
      const wait = due - this.now();
      if (wait > 0) await sleep(wait);
      const e = this.gate.poll(this.now());
      if (e === null && this.gate.nextDue() === due) return;
      this.send(e);
    }
  }

  /**
   * A command an index decided at its own step time (SPEC §14): a PriceTick carries the index and
   * `extra` (its `sources` and `excluded`).
   */
  sendIndexed(e: Emission | null, extra: Record<string, unknown>): void {
    this.send(e, extra);
  }

  /** A source message that could not be read (counted, skipped). */
  rejected(reason: string, sample?: string): void {
    this.stats.rejected++;
    this.opts.counters?.inc('rejected');
    const fields = { reason, sample: sample === undefined ? undefined : sample.slice(0, 200), rejected: this.stats.rejected };
    if (this.stats.rejected <= 10 || this.stats.rejected % 1000 === 0) this.opts.log.warn(fields, 'feed message rejected');
    else this.opts.log.debug(fields, 'feed message rejected');
  }

  /** A reconnect attempt of a connected source (counted). */
  reconnecting(attempt: number, delayMs: number, reason: string): void {
    this.stats.reconnects++;
    this.opts.counters?.inc('reconnects');
    this.opts.log.warn({ attempt, delay_ms: delayMs, reason }, 'feed reconnecting');
    this.event('reconnecting', { attempt, delay_ms: delayMs, reason });
  }

  /** A status event of the source (connected, disconnected, end…), passed to --json output and the log. */
  event(event: string, fields: Record<string, unknown> = {}): void {
    this.opts.onEvent?.(event, fields);
  }

  /** Stops timers and waits until every command already decided is appended. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.housekeeper !== null) clearInterval(this.housekeeper);
    this.timer = null;
    this.housekeeper = null;
    await this.flushed();
  }

  /** Resolves when the append backlog is empty. */
  async flushed(): Promise<void> {
    while (this.pumping !== null) await this.pumping;
  }

  private noteprice(price: number): void {
    this.stats.prices++;
    this.stats.last_price = price;
    this.opts.counters?.observePrice?.(price);
    this.lastPriceWall = Date.now();
    if (this.stats.silent) {
      this.stats.silent = false;
      this.opts.log.info({ price }, 'price source resumed');
      this.event('resumed', { price });
    }
  }

  private schedule(): void {
    if (this.stopping || this.opts.recorded === true) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const due = this.gate.nextDue();
    if (due === null) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.send(this.gate.poll(this.now()));
        this.schedule();
      },
      Math.max(0, due - this.now()),
    );
  }

  private send(e: Emission | null, extra: Record<string, unknown> = {}): void {
    if (e === null || this.stopping) return;
    const id = `${this.prefix}:${this.n++}`;
    if (e.kind === 'tick') {
      this.stats.ticks++;
      this.stats.last_tick_price = e.price;
      this.lastTickWall = Date.now();
      this.opts.counters?.inc('ticks');
      const params: Record<string, unknown> = { price: e.price, source: this.opts.source };
      if (e.feedTs !== null) params['feed_ts'] = e.feedTs;
      Object.assign(params, extra);
      this.tickInBacklog = true;
      this.enqueue(feedEnvelope(this.opts.market, id, 'PriceTick', params));
    } else {
      this.stats.heartbeats++;
      this.opts.counters?.inc('heartbeats');
      this.enqueue(feedEnvelope(this.opts.market, id, 'Heartbeat', {}));
    }
  }

  private enqueue(raw: string): void {
    this.backlog.push(raw);
    if (this.pumping !== null) return;
    // an async function runs up to its first await at once: a synchronous sink appends in order
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
    });
  }

  private async pump(): Promise<void> {
    let failures = 0;
    while (this.backlog.length > 0) {
      const batch = this.backlog.slice();
      const withTick = this.tickInBacklog;
      this.tickInBacklog = false;
      try {
        const res = await this.opts.append(batch);
        this.backlog.splice(0, batch.length);
        if (withTick) this.notePosition(batch, res);
        failures = 0;
      } catch (err) {
        this.tickInBacklog ||= withTick;
        failures++;
        this.stats.append_errors++;
        this.opts.log.error({ err: (err as Error).message, commands: batch.length, failures }, 'append to the input log failed; retrying');
        if (this.stopping && failures >= 5) {
          this.opts.log.error({ dropped: this.backlog.length }, 'giving up on unappended feed commands at shutdown');
          this.backlog = [];
          return;
        }
        await sleep(Math.min(5000, 100 * 2 ** (failures - 1)));
      }
    }
  }

  /**
   * Follows the engine: no commands while it ignores ticks, and the price again when its P is not
   * the one we sent last (a pause we did not see, another feed, `relayer feed set`), once our last
   * tick has had time to commit.
   */
  private reconcile(view: EngineView): void {
    if (view.paused !== this.gate.isPaused) {
      this.gate.setPaused(view.paused);
      this.stats.paused = view.paused;
      this.opts.log.info({ paused: view.paused }, view.paused ? 'engine price feed paused; not sending' : 'engine price feed resumed');
      this.event(view.paused ? 'paused' : 'unpaused', {});
      this.schedule();
      return;
    }
    const sent = this.gate.sentPrice;
    if (view.paused || view.price === null || sent === null || view.price === sent) return;
    if (this.lastTickPosition !== null) {
      // only once the engine has consumed our last tick: until then its P may simply lag
      if (view.position === null || Number(view.position) < this.lastTickPosition || this.tickInBacklog || this.backlog.length > 0) return;
    } else if (Date.now() - this.lastTickWall < (this.opts.resyncAfterMs ?? 5000)) return;
    this.opts.log.info({ engine_price: view.price, sent_price: sent }, 'engine price differs from the last tick sent; sending the price again');
    this.event('resync', { engine_price: view.price, sent_price: sent });
    this.gate.resync();
    this.schedule();
  }

  private notePosition(batch: string[], res: unknown): void {
    if (!Array.isArray(res) || res.length !== batch.length) return;
    for (let i = batch.length - 1; i >= 0; i--) {
      if (!batch[i]!.includes('"type":"PriceTick"')) continue;
      const pos = Number((res[i] as { position?: unknown }).position);
      if (Number.isFinite(pos)) this.lastTickPosition = pos;
      return;
    }
  }

  private async housekeep(): Promise<void> {
    const silentMs = this.opts.silentWarnMs ?? 10_000;
    const quiet = Date.now() - this.lastPriceWall;
    if (!this.stats.silent && silentMs > 0 && quiet > silentMs) {
      this.stats.silent = true;
      this.opts.log.warn({ silent_ms: quiet }, 'price source silent; no ticks or heartbeats are sent');
      this.event('silent', { silent_ms: quiet, last_price: this.stats.last_price });
    }
    const probe = this.opts.engineProbe;
    if (probe === undefined || this.probing) return;
    this.probing = true;
    try {
      const view = await probe();
      if (view !== null) this.reconcile(view);
    } catch (err) {
      this.opts.log.debug({ err: (err as Error).message }, 'engine probe failed');
    } finally {
      this.probing = false;
    }
  }
}
