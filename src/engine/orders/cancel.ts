// §2.3 CancelTraderOrder / CancelTraderOrderSlTp.
import type { CancelTrader, CommandOf } from '../commands.js';
import type { Ctx, RejectRefs } from '../ctx.js';
import { closeGate, reasonText } from '../risk/gate.js';
import type { TraderOrder } from '../types.js';
import { findTraderOrder } from './lookup.js';
import { retireClosed, unbookPending } from '../evolve.js';
import { emitLegRemoved } from './leg-events.js';

export function cancelTraderOrder(ctx: Ctx, cmd: CommandOf<'CancelTraderOrder' | 'CancelTraderOrderSlTp'>): void {
  const p = cmd.params;
  const refs: RejectRefs = { order_id: p.uuid, account_id: p.account_id, order_type: p.order_type };
  const gate = closeGate(ctx.state, ctx.ts);
  if (gate !== null) return ctx.reject('RejectedByRiskEngine', gate, reasonText(gate), refs);
  const found = findTraderOrder(ctx.state, p.uuid, p.account_id, ctx.ts);
  if (found.kind === 'none') return ctx.reject('OrderNotFound', 'ORDER_NOT_FOUND', 'no such order for this account', refs);
  const o = found.kind === 'active' ? found.order : null;
  if (cmd.type === 'CancelTraderOrder') return cancelPlain(ctx, o, refs);
  switch (p.order_type) {
    case 'LIMIT':
      if (o === null || o.order_status !== 'PENDING') return invalidStatus(ctx, refs);
      return cancelPending(ctx, o, 'USER');
    case 'SLTP':
      if (o === null) return invalidStatus(ctx, refs);
      return cancelLegs(ctx, o, p, refs);
    default:
      return ctx.reject('CANCELLED', 'UNSUPPORTED_ORDER_TYPE', `order_type ${JSON.stringify(p.order_type)} cannot be cancelled (LIMIT or SLTP)`, refs);
  }
}

function invalidStatus(ctx: Ctx, refs: RejectRefs): void {
  ctx.reject('OrderNotFound', 'INVALID_STATUS', 'the order is not in a state this cancel applies to', refs);
}

/** PENDING → cancelled; FILLED → its close limit removed (SL/TP untouched). */
function cancelPlain(ctx: Ctx, o: TraderOrder | null, refs: RejectRefs): void {
  if (o === null) return invalidStatus(ctx, refs);
  if (o.order_status === 'PENDING') return cancelPending(ctx, o, 'USER');
  if (o.close_limit_price === null) return ctx.reject('OrderNotFound', 'NO_CLOSE_LIMIT', 'the position has no close limit', refs);
  emitLegRemoved(ctx, 'close', o, o.close_limit_price, 'USER');
}

/** A resting limit is cancelled: pending −EV, open key and sltp_on_fill dropped, account unlocked. */
export function cancelPending(ctx: Ctx, o: TraderOrder, by: 'USER' | 'ADMIN_HALT'): void {
  // the live order becomes its own closing record (evolve.ts D261): out of the book first
  unbookPending(ctx.state, o);
  o.order_status = 'CANCELLED';
  o.sltp_on_fill = null;
  o.timestamp = ctx.time();
  ctx.emitApplied('TraderOrderCancelled', { order: o, by });
  retireClosed(ctx.state, o, null, ctx.ts);
}

/** One event per requested leg, SL first: removed, or NO_STOP_LOSS / NO_TAKE_PROFIT (§12). */
function cancelLegs(ctx: Ctx, o: TraderOrder, p: CancelTrader, refs: RejectRefs): void {
  const flags = p.sltp_cancel;
  if (flags === null || (!flags.sl && !flags.tp)) {
    return ctx.reject('CANCELLED', 'INVALID_SLTP', 'sltp_cancel must set sl or tp to true', refs);
  }
  const pending = o.order_status === 'PENDING';
  if (flags.sl) {
    const old = pending ? (o.sltp_on_fill?.sl ?? null) : o.stop_loss_price;
    if (old === null) ctx.reject('OrderNotFound', 'NO_STOP_LOSS', 'the order has no stop-loss', refs);
    else emitLegRemoved(ctx, 'sl', o, old, 'USER');
  }
  if (flags.tp) {
    const old = pending ? (o.sltp_on_fill?.tp ?? null) : o.take_profit_price;
    if (old === null) ctx.reject('OrderNotFound', 'NO_TAKE_PROFIT', 'the order has no take-profit', refs);
    else emitLegRemoved(ctx, 'tp', o, old, 'USER');
  }
}
