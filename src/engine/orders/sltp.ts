// Stop-loss / take-profit legs: crossing rules (§2.2, inclusive) and placement after a close
// request or a fill (§5.3 step 3). At most one settlement even when both legs cross (§10.13).
import type { Ctx } from '../ctx.js';
import type { PositionType, SlTp, TraderOrder } from '../types.js';
import { settle } from './settle.js';
import { legPlaced } from './leg-events.js';

/** LONG sl ≥ P; SHORT sl ≤ P. */
function stopLossCrossed(side: PositionType, sl: number, p: number): boolean {
  return side === 'LONG' ? sl >= p : sl <= p;
}

/** LONG tp ≤ P; SHORT tp ≥ P. */
function takeProfitCrossed(side: PositionType, tp: number, p: number): boolean {
  return side === 'LONG' ? tp <= p : tp >= p;
}

/** LONG execution_price ≤ P; SHORT execution_price ≥ P. */
export function closeLimitCrossed(side: PositionType, price: number, p: number): boolean {
  return side === 'LONG' ? price <= p : price >= p;
}

/** §2.1 rule 5: legs positive with LONG sl < R < tp, SHORT tp < R < sl. */
export function legsValidAt(side: PositionType, legs: SlTp, r: number): boolean {
  const { sl, tp } = legs;
  if (sl !== null && (sl <= 0 || (side === 'LONG' ? !(sl < r) : !(sl > r)))) return false;
  if (tp !== null && (tp <= 0 || (side === 'LONG' ? !(tp > r) : !(tp < r)))) return false;
  return true;
}

export function hasLeg(legs: SlTp | null): legs is SlTp {
  return legs !== null && (legs.sl !== null || legs.tp !== null);
}

/** Settle on a crossed leg (SL first), else place or replace each given leg. */
export function applySlTp(ctx: Ctx, o: TraderOrder, legs: SlTp, p: number, trigger: 'REQUEST' | 'PRICE_TICK'): void {
  const rate = ctx.state.fees.order_settled_on_market;
  if (legs.sl !== null && stopLossCrossed(o.position_type, legs.sl, p)) {
    settle(ctx, o, p, rate, 'StopLoss', trigger);
    return;
  }
  if (legs.tp !== null && takeProfitCrossed(o.position_type, legs.tp, p)) {
    settle(ctx, o, p, rate, 'TakeProfit', trigger);
    return;
  }
  if (legs.sl !== null) ctx.emit('StopLossPlaced', legPlaced(o, legs.sl, o.stop_loss_price));
  if (legs.tp !== null) ctx.emit('TakeProfitPlaced', legPlaced(o, legs.tp, o.take_profit_price));
}
