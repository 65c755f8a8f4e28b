// The live one-line summary of `relayer run --demo`, redrawn on a TTY only.
import type { EngineLoop } from './loop.js';

/** Sats as BTC, 4 decimals: enough for a summary line (the events keep exact sats). */
const btc = (sats: number): string => `${(sats / 1e8).toFixed(4)} BTC`;

export class DemoTicker {
  private timer: NodeJS.Timeout | null = null;
  private lastEvents = 0;
  private lastAt = performance.now();
  private lastPrice: number | null = null;

  constructor(private readonly loop: EngineLoop) {}

  start(): void {
    if (!process.stderr.isTTY) return;
    this.timer = setInterval(() => this.draw(), 500);
  }

  stop(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
      process.stderr.write('\n');
    }
  }

  private draw(): void {
    const s = this.loop.state;
    const now = performance.now();
    const rate = ((this.loop.events - this.lastEvents) * 1000) / (now - this.lastAt);
    this.lastEvents = this.loop.events;
    this.lastAt = now;
    let longs = 0,
      shorts = 0,
      pending = 0;
    for (const o of s.orders.values()) {
      if (o.order_status === 'PENDING') pending++;
      else if (o.position_type === 'LONG') longs++;
      else shorts++;
    }
    const p = s.price;
    const arrow = p === null || this.lastPrice === null || p === this.lastPrice ? '=' : p > this.lastPrice ? '▲' : '▼';
    this.lastPrice = p;
    const c = this.loop.typeCounts;
    const line =
      `price ${p ?? '-'} ${arrow} | positions ${longs}L/${shorts}S pending ${pending} | TLV ${btc(s.pool?.total_locked_value ?? 0)} | ` +
      `fills ${c.get('TraderOrderFilled') ?? 0} settled ${c.get('TraderOrderSettled') ?? 0} liq ${c.get('TraderOrderLiquidated') ?? 0} ` +
      `funding ${c.get('FundingRateUpdated') ?? 0} (FR ${s.funding_rate.toFixed(5)}) | seq ${s.seq} ${Math.round(rate)} ev/s`;
    process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 160) - 1)}`);
  }
}
