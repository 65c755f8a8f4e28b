// §4.6 settlement and §4.7 liquidation, with the leg removals that follow them (§12 order).
import type { Ctx } from '../ctx.js';
import type { SettleTrigger } from '../events.js';
import { fee, round, unrealizedPnl } from '../math.js';
import type { CloseType, Pool, TraderOrder } from '../types.js';
import { retireClosed, unbookFilled } from '../evolve.js';
import { emitLegsRemoved } from './leg-events.js';

function poolAfter(ctx: Ctx, tlvDelta: number): Pool {
  const p = ctx.state.pool;
  const tlv = p === null ? 0 : p.total_locked_value;
  return {
    total_locked_value: tlv + tlvDelta,
    total_pool_share: p === null ? 0 : p.total_pool_share,
    nonce: (p === null ? 0 : p.nonce) + 1,
  };
}

/** Settles a FILLED position at X with close rate `rate` (percent). */
export function settle(ctx: Ctx, o: TraderOrder, x: number, rate: number, closeType: CloseType, trigger: SettleTrigger): void {
  const upnl = unrealizedPnl(o.position_type, o.positionsize, o.entryprice, x);
  const feeSettled = fee(rate, o.positionsize, x);
  let payment = round(upnl) + round(o.available_margin - o.initial_margin) - feeSettled;
  payment = Math.max(payment, -o.initial_margin);
  const pool = poolAfter(ctx, -round(payment));
  // the registered legs' prices, read before clearLegs (locals: no object per closing)
  const close = o.close_limit_price;
  const sl = o.stop_loss_price;
  const tp = o.take_profit_price;
  // the live order becomes its own closing record (evolve.ts D261): out of the books first
  unbookFilled(ctx.state, o);
  o.order_status = 'SETTLED';
  // IM + round(payment), not SPEC §4.6's round(IM + payment): trader + pool = IM exactly (docs/decisions.md D56)
  o.available_margin = o.initial_margin + round(payment);
  o.unrealized_pnl = round(upnl);
  o.settlement_price = x;
  o.fee_settled = feeSettled;
  o.exit_nonce = pool.nonce;
  o.timestamp = ctx.time();
  clearLegs(o);
  ctx.emitApplied('TraderOrderSettled', { order: o, payment, close_type: closeType, trigger, fee_rate: rate, pool });
  retireClosed(ctx.state, o, pool, ctx.ts);
  emitLegsRemoved(ctx, o, close, sl, tp, 'SETTLED');
}

/** liquidate's last argument when the caller already took the position's key out of its liquidation book. */
export const LIQ_KEY_TAKEN = true;

/** Liquidates a FILLED position at X: margin to the pool, payment −IM. */
export function liquidate(ctx: Ctx, o: TraderOrder, x: number, trigger: 'PRICE_TICK' | 'FUNDING', liqKeyTaken = false): void {
  const pool = poolAfter(ctx, round(o.initial_margin));
  // the registered legs' prices, read before clearLegs (locals: no object per closing)
  const close = o.close_limit_price;
  const sl = o.stop_loss_price;
  const tp = o.take_profit_price;
  unbookFilled(ctx.state, o, liqKeyTaken); // before liquidation_price changes: it is the order's key in the book
  o.order_status = 'LIQUIDATE';
  o.available_margin = 0;
  o.settlement_price = x;
  o.liquidation_price = x;
  o.exit_nonce = pool.nonce;
  o.timestamp = ctx.time();
  clearLegs(o);
  const payment = -o.initial_margin;
  ctx.emitApplied('TraderOrderLiquidated', { order: o, payment: payment === 0 ? 0 : payment, trigger, price: x, pool });
  retireClosed(ctx.state, o, pool, ctx.ts);
  emitLegsRemoved(ctx, o, close, sl, tp, 'LIQUIDATED');
}

function clearLegs(o: TraderOrder): void {
  o.close_limit_price = null;
  o.stop_loss_price = null;
  o.take_profit_price = null;
  o.sltp_on_fill = null;
}
