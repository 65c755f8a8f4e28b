// §2.5 PriceTick / Heartbeat, §2.6 TriggerPriceCheck and the deterministic tick algorithm of §5.3.
import type { CommandOf } from './commands.js';
import type { Ctx } from './ctx.js';
import { indexKey, round } from './math.js';
import { fillAt } from './orders/open.js';
import { LIQ_KEY_TAKEN, liquidate, settle } from './orders/settle.js';
import { adlCheck } from './risk/adl.js';
import { firedOrders, takeFired, type IndexName } from './triggers/books.js';
import type { TraderOrder } from './types.js';

interface Phases {
  check_liquidation: boolean;
  check_settling_limit: boolean;
  check_pending_limit: boolean;
}

const ALL: Phases = { check_liquidation: true, check_settling_limit: true, check_pending_limit: true };

export function priceTick(ctx: Ctx, cmd: CommandOf<'PriceTick'>): void {
  const state = ctx.state;
  if (state.risk.pause_price_feed) return;
  const p = round(cmd.params.price);
  const previous = state.price;
  touchFeed(ctx);
  if (p !== previous) ctx.emit('PriceUpdated', { price: p, previous_price: previous, feed_price: cmd.params.price });
  runPhases(ctx, p, ALL);
  adlCheck(ctx, p);
}

/** A heartbeat is a tick at the current price: the feed is alive, triggers are re-checked. */
export function heartbeat(ctx: Ctx): void {
  const state = ctx.state;
  if (state.risk.pause_price_feed || state.price === null) return;
  touchFeed(ctx);
  runPhases(ctx, state.price, ALL);
  adlCheck(ctx, state.price);
}

/** A recovery run of the chosen phases at a given price; P is unchanged, so no §15 check (D100). */
export function triggerPriceCheck(ctx: Ctx, cmd: CommandOf<'TriggerPriceCheck'>): void {
  const p = cmd.params;
  const x = round(p.price);
  ctx.emit('PriceCheckTriggered', {
    price: x,
    check_pending_limit: p.check_pending_limit,
    check_liquidation: p.check_liquidation,
    check_settling_limit: p.check_settling_limit,
  });
  runPhases(ctx, x, p);
}

/**
 * Staleness warning (issue: feeds): once per silent spell, when a CheckFeed arrives more than
 * stale_warn_ms after the last tick. The scheduler sends CheckFeed only while the feed is silent.
 */
export function checkFeed(ctx: Ctx): void {
  const s = ctx.state;
  if (s.price === null || s.price_ts === null || s.risk.pause_price_feed) return;
  const age = ctx.ts - s.price_ts;
  if (age <= s.feed.stale_warn_ms) return;
  if (s.stale_warned_at !== null && s.stale_warned_at >= s.price_ts) return;
  ctx.emit('PriceStale', {
    price: s.price,
    price_ts: s.price_ts,
    age_ms: age,
    stale_warn_ms: s.feed.stale_warn_ms,
    stale_halt_ms: s.feed.stale_halt_ms,
    halted: age > s.feed.stale_halt_ms,
  });
}

export function updateFeedParams(ctx: Ctx, cmd: CommandOf<'UpdateFeedParams'>): void {
  const cur = ctx.state.feed;
  ctx.emit('FeedParamsUpdated', {
    stale_warn_ms: cmd.params.stale_warn_ms ?? cur.stale_warn_ms,
    stale_halt_ms: cmd.params.stale_halt_ms ?? cur.stale_halt_ms,
  });
}

/**
 * The feed clock is the one piece of state a tick moves without an event (SPEC §12 emits
 * PriceUpdated only on change); snapshots and commit metadata carry it (docs/decisions.md).
 */
function touchFeed(ctx: Ctx): void {
  ctx.state.price_ts = ctx.ts;
}

/** §5.3: liquidation → settling → fills; each index ascending by key, ties by entry_sequence. */
function runPhases(ctx: Ctx, x: number, phases: Phases): void {
  const k = indexKey(x);
  if (phases.check_liquidation) {
    // every fired position is liquidated (the phase runs first: all are FILLED), so their keys
    // leave the liquidation book in one cut instead of one removal each (D324)
    const books = ctx.state.books;
    for (const o of takeFired(books, 'liq_long', k)) if (o.order_status === 'FILLED') liquidate(ctx, o, x, 'PRICE_TICK', LIQ_KEY_TAKEN);
    for (const o of takeFired(books, 'liq_short', k)) if (o.order_status === 'FILLED') liquidate(ctx, o, x, 'PRICE_TICK', LIQ_KEY_TAKEN);
  }
  if (phases.check_settling_limit) {
    settleFired(ctx, 'sl_long', k, x, 'sl');
    settleFired(ctx, 'sl_short', k, x, 'sl');
    settleFired(ctx, 'tp_long', k, x, 'tp');
    settleFired(ctx, 'tp_short', k, x, 'tp');
    settleFired(ctx, 'close_long', k, x, 'close');
    settleFired(ctx, 'close_short', k, x, 'close');
  }
  if (phases.check_pending_limit) {
    for (const o of fired(ctx, 'open_long', k)) if (o.order_status === 'PENDING') fillAt(ctx, o, x);
    for (const o of fired(ctx, 'open_short', k)) if (o.order_status === 'PENDING') fillAt(ctx, o, x);
  }
}

function fired(ctx: Ctx, name: IndexName, k: number): readonly TraderOrder[] {
  return firedOrders(ctx.state.books, name, k);
}

/** Settles positions whose leg fired; skips orders a previous step of this tick closed. */
function settleFired(ctx: Ctx, name: IndexName, k: number, x: number, leg: 'sl' | 'tp' | 'close'): void {
  const list = fired(ctx, name, k);
  if (list.length === 0) return;
  const fees = ctx.state.fees;
  for (const o of list) {
    if (o.order_status !== 'FILLED') continue;
    switch (leg) {
      case 'sl':
        if (o.stop_loss_price !== null) settle(ctx, o, x, fees.order_settled_on_market, 'StopLoss', 'PRICE_TICK');
        break;
      case 'tp':
        if (o.take_profit_price !== null) settle(ctx, o, x, fees.order_settled_on_market, 'TakeProfit', 'PRICE_TICK');
        break;
      case 'close':
        if (o.close_limit_price !== null) settle(ctx, o, x, fees.order_settled_on_limit, 'LIMIT', 'PRICE_TICK');
        break;
      default: {
        const never: never = leg;
        throw new Error(`unknown leg ${String(never)}`);
      }
    }
  }
}
