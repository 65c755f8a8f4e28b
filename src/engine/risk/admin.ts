// §2.6 admin commands: fees, risk flags, halt with its cancellations, risk parameters, exposure.
import type { CommandOf } from '../commands.js';
import type { Ctx } from '../ctx.js';
import { entryValue } from '../math.js';
import { cancelPending } from '../orders/cancel.js';
import { emitLegsRemoved } from '../orders/leg-events.js';
import { adlTarget, pnlCap } from './adl.js';
import { flagsOf, totalsOf, type State } from '../state.js';
import type { RiskFlags, RiskTotals } from '../types.js';

export function updateFees(ctx: Ctx, cmd: CommandOf<'UpdateFees'>): void {
  ctx.emit('FeesUpdated', { ...cmd.params });
}

export function setFlag(ctx: Ctx, cmd: CommandOf<'SetMarketCloseOnly' | 'SetPauseFunding' | 'SetPausePriceFeed'>): void {
  const flags = flagsOf(ctx.state.risk);
  const on = cmd.params.enabled;
  switch (cmd.type) {
    case 'SetMarketCloseOnly':
      flags.manual_close_only = on;
      break;
    case 'SetPauseFunding':
      flags.pause_funding = on;
      break;
    case 'SetPausePriceFeed':
      flags.pause_price_feed = on;
      break;
    default: {
      const never: never = cmd;
      throw new Error(`unhandled flag ${JSON.stringify(never)}`);
    }
  }
  ctx.emit('RiskFlagsUpdated', flags);
}

/** §2.6 SetMarketHalt; event order per §12: flags, cancellations, leg removals, shutdown. */
export function setMarketHalt(ctx: Ctx, cmd: CommandOf<'SetMarketHalt'>): void {
  const p = cmd.params;
  const flags: RiskFlags = flagsOf(ctx.state.risk);
  flags.manual_halt = p.enabled;
  if (p.pause_funding !== null && (p.enabled || !p.pause_funding)) flags.pause_funding = p.pause_funding;
  if (p.pause_price_feed !== null && (p.enabled || !p.pause_price_feed)) flags.pause_price_feed = p.pause_price_feed;
  const exit = p.enabled && p.exit_relayer;
  if (exit) {
    flags.pause_funding = true;
    flags.pause_price_feed = true;
  }
  ctx.emit('RiskFlagsUpdated', flags);
  if (!p.enabled) return;
  if (p.cancel_pending_limit_orders) {
    for (const o of [...ctx.state.orders.values()]) if (o.order_status === 'PENDING') cancelPending(ctx, o, 'ADMIN_HALT');
  }
  if (p.cancel_settling_limit_orders) {
    for (const o of [...ctx.state.orders.values()]) {
      if (o.order_status !== 'FILLED') continue;
      emitLegsRemoved(ctx, o, o.close_limit_price, o.stop_loss_price, o.take_profit_price, 'ADMIN');
    }
  }
  if (exit) ctx.emit('ShutdownRequested', {});
}

/** Merged into the current parameters; §15: with the PnL cap on, the ADL target must be below it. */
export function updateRiskParams(ctx: Ctx, cmd: CommandOf<'UpdateRiskParams'>): void {
  const params = { ...ctx.state.params, ...cmd.params };
  const cap = pnlCap(params);
  if (cap > 0 && !(adlTarget(params) < cap)) {
    return ctx.reject('CANCELLED', 'INVALID_PARAMS', `adl_target_factor must be below max_pnl_factor (${cap}) while the PnL cap is on`);
  }
  ctx.emit('RiskParamsUpdated', { params });
}

/** Exposure recomputed from the orders themselves (§6.1 invariant). */
export function exposureOf(state: State): RiskTotals {
  const t: RiskTotals = { total_long_btc: 0, total_short_btc: 0, total_pending_long_btc: 0, total_pending_short_btc: 0 };
  for (const o of state.orders.values()) {
    const ev = entryValue(o.initial_margin, o.leverage);
    if (o.order_status === 'FILLED') {
      if (o.position_type === 'LONG') t.total_long_btc += ev;
      else t.total_short_btc += ev;
    } else if (o.order_status === 'PENDING') {
      if (o.position_type === 'LONG') t.total_pending_long_btc += ev;
      else t.total_pending_short_btc += ev;
    }
  }
  return t;
}

export function recalculateRiskState(ctx: Ctx): void {
  ctx.emit('ExposureRecalculated', { before: totalsOf(ctx.state.risk), after: exposureOf(ctx.state) });
}
