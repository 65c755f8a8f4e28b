// `relayer run --demo`: a seeded synthetic market inside the engine process. Lenders fund the
// pool, traders open and close market/limit/SL/TP orders, the walk feed source (the same one as
// `relayer feed walk --seed <demo seed>`, through the same tick gate) moves the price far enough
// to fill limits and liquidate leveraged positions; the scheduler runs funding at an accelerated
// hour. It only appends commands to the input log, like any other client.
import type { State } from '../engine/index.js';
import { DEFAULT_MARKET } from '../engine/market.js';
import { DEFAULT_GATE } from '../feed/gate.js';
import { FeedRunner } from '../feed/runner.js';
import { runWalk } from '../feed/walk-source.js';
import { silentLogger, type Logger } from '../infra/logger.js';
import { Prng } from '../infra/prng.js';

export interface DemoOptions {
  seed: number;
  traders: number;
  tickMs: number /** The walk's first price (USD per BASE); 60 000 by default. */;
  startPrice?: number;
}

/** What to try while the demo runs, for people (stderr); `data` is the --data given, if any. */
export function demoNextSteps(data: string | undefined, market: string = DEFAULT_MARKET): string {
  // BTC-USD needs no --market; another market names itself, and the book can switch with m
  const at = `${data === undefined ? '' : ` --data ${data}`}${market === DEFAULT_MARKET ? '' : ` --market ${market}`}`;
  const pad = (cmd: string): string => cmd.padEnd(Math.max(46, cmd.length + 2));
  return [
    `demo market ${market} running; press Ctrl-C to stop. Meanwhile, in another terminal:`,
    `  ${pad(`npx relayer book${at}`)}the live order book (m switches market, q quits)`,
    `  ${pad(`npx relayer events --follow${at}`)}the committed event log as it grows`,
    `  ${pad(`npx relayer status${at}`)}lag, risk, pool`,
    '',
  ].join('\n');
}

export const DEFAULT_DEMO: DemoOptions = { seed: 42, traders: 300, tickMs: 250 };

type Append = (raws: string[]) => void;

export class DemoMarket {
  private readonly rng: Prng;
  private readonly prefix: string;
  private n = 0;
  private price = 60_000;
  private timers: NodeJS.Timeout[] = [];
  private readonly feed: FeedRunner;
  private readonly feedStop = new AbortController();

  constructor(
    private readonly state: () => State,
    private readonly append: Append,
    private readonly opts: DemoOptions,
    startedAt: number,
    log: Logger = silentLogger(),
  ) {
    // the traders draw from their own stream, so the price path is exactly the walk's
    this.rng = new Prng((opts.seed ^ 0x5f3759df) >>> 0);
    this.prefix = `demo-${startedAt.toString(36)}`;
    this.price = opts.startPrice ?? this.price;
    this.feed = new FeedRunner({
      source: 'walk',
      startedAt,
      gate: DEFAULT_GATE,
      append: (raws) => this.append(raws),
      log,
      engineProbe: () => ({ paused: this.state().risk.pause_price_feed, price: null, position: null }),
    });
  }

  start(): void {
    const lenders = Array.from({ length: 5 }, (_, i) => this.cmd('CreateLendOrder', { account_id: `lender-${i}`, deposit: 50_000_000 * (i + 1), balance: 0 }));
    // the walk's first price is appended at once (synchronously), before the lenders
    this.feed.start();
    void runWalk(this.feed, { seed: this.opts.seed, start: this.price, stepMs: this.opts.tickMs }, this.feedStop.signal, (p) => {
      this.price = p;
    });
    this.append(lenders);
    this.timers.push(setInterval(() => this.trade(), 40));
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.feedStop.abort();
    void this.feed.stop();
  }

  private cmd(type: string, params: object): string {
    return JSON.stringify({ v: 1, id: `${this.prefix}-${this.n++}`, type, params });
  }

  private trade(): void {
    const r = this.rng;
    const s = this.state();
    const out: string[] = [];
    for (let i = 0; i < 4; i++) {
      const account = `trader-${r.int(0, this.opts.traders - 1)}`;
      const uuid = s.trader_by_account.get(account);
      const o = uuid === undefined ? undefined : s.orders.get(uuid);
      const p = Math.round(this.price);
      if (o === undefined) {
        const long = r.chance(0.5);
        const limit = r.chance(0.4);
        const lev = r.pick([2, 5, 10, 20, 25, 40, 50]);
        const entry = limit ? Math.round(p * (long ? 1 - r.next() * 0.02 : 1 + r.next() * 0.02)) : p;
        const withLegs = r.chance(0.3);
        const sltp = withLegs ? { sl: Math.round(entry * (long ? 0.97 : 1.03)), tp: Math.round(entry * (long ? 1.04 : 0.96)) } : undefined;
        out.push(
          this.cmd(withLegs ? 'CreateTraderOrderSlTp' : 'CreateTraderOrder', {
            account_id: account,
            position_type: long ? 'LONG' : 'SHORT',
            order_type: limit ? 'LIMIT' : 'MARKET',
            leverage: lev,
            initial_margin: r.int(10, 200) * 1000,
            available_margin: 0,
            order_status: 'PENDING',
            entryprice: entry,
            execution_price: 0,
            ...(sltp ? { sltp } : {}),
          }),
        );
      } else if (o.order_status === 'PENDING') {
        if (r.chance(0.3)) out.push(this.cmd('CancelTraderOrder', { account_id: account, uuid: o.uuid, order_type: 'LIMIT', order_status: 'PENDING' }));
      } else if (r.chance(0.25)) {
        const long = o.position_type === 'LONG';
        const kind = r.pick(['MARKET', 'LIMIT', 'SLTP'] as const);
        const params: Record<string, unknown> = {
          account_id: account,
          uuid: o.uuid,
          order_type: kind,
          settle_margin: 0,
          order_status: 'FILLED',
          execution_price: 0,
        };
        if (kind === 'LIMIT') params['execution_price'] = Math.round(p * (long ? 1.01 : 0.99));
        if (kind === 'SLTP') params['sltp'] = { sl: Math.round(p * (long ? 0.98 : 1.02)), tp: Math.round(p * (long ? 1.03 : 0.97)) };
        out.push(this.cmd(kind === 'SLTP' ? 'ExecuteTraderOrderSlTp' : 'ExecuteTraderOrder', params));
      }
    }
    if (out.length > 0) this.append(out);
  }
}
