// §2.2 ExecuteTraderOrder / ExecuteTraderOrderSlTp: close now, or place a close limit or SL/TP legs.
import type { CommandOf, ExecuteTrader } from '../commands.js';
import type { Ctx } from '../ctx.js';
import { closeGate, reasonText } from '../risk/gate.js';
import type { TraderOrder } from '../types.js';
import { findTraderOrder } from './lookup.js';
import { settle } from './settle.js';
import { applySlTp, closeLimitCrossed, hasLeg } from './sltp.js';

export function executeTraderOrder(ctx: Ctx, cmd: CommandOf<'ExecuteTraderOrder' | 'ExecuteTraderOrderSlTp'>): void {
  const p = cmd.params;
  const refs = { order_id: p.uuid, account_id: p.account_id, order_type: p.order_type };
  if (p.order_type === 'LIMIT' && p.execution_price <= 0) {
    return ctx.reject('CANCELLED', 'INVALID_PARAMS', 'a LIMIT close needs execution_price > 0', refs);
  }
  const o = findOpenPosition(ctx, p, refs);
  if (o === null) return;
  const price = ctx.state.price!;
  const fees = ctx.state.fees;
  switch (p.order_type) {
    case 'MARKET':
      return settle(ctx, o, price, fees.order_settled_on_market, 'MARKET', 'REQUEST');
    case 'LIMIT':
      if (closeLimitCrossed(o.position_type, p.execution_price, price)) {
        return settle(ctx, o, price, fees.order_settled_on_limit, 'LIMIT', 'REQUEST');
      }
      return ctx.emit('CloseLimitPlaced', {
        order_id: o.uuid,
        account_id: o.account_id,
        position_type: o.position_type,
        price: p.execution_price,
        old_price: o.close_limit_price,
      });
    case 'SLTP': {
      if (cmd.type !== 'ExecuteTraderOrderSlTp' || !hasLeg(p.sltp)) {
        return ctx.reject('CANCELLED', 'INVALID_SLTP', 'an SLTP close needs the SlTp variant with at least one leg', refs);
      }
      const legs = p.sltp;
      if ((legs.sl !== null && legs.sl <= 0) || (legs.tp !== null && legs.tp <= 0)) {
        return ctx.reject('CANCELLED', 'INVALID_SLTP', 'stop-loss and take-profit prices must be positive', refs);
      }
      return applySlTp(ctx, o, legs, price, 'REQUEST');
    }
    default: {
      const never: never = p.order_type;
      throw new Error(`unhandled close type ${String(never)}`);
    }
  }
}

/** NO_PRICE, the close gate, ownership and FILLED status, in SPEC order; null after a rejection. */
function findOpenPosition(ctx: Ctx, p: Pick<ExecuteTrader, 'uuid' | 'account_id'>, refs: object): TraderOrder | null {
  const gate = closeGate(ctx.state, ctx.ts);
  if (gate !== null) {
    ctx.reject('RejectedByRiskEngine', gate, reasonText(gate), refs);
    return null;
  }
  const found = findTraderOrder(ctx.state, p.uuid, p.account_id, ctx.ts);
  if (found.kind === 'none') {
    ctx.reject('OrderNotFound', 'ORDER_NOT_FOUND', 'no such order for this account', refs);
    return null;
  }
  if (found.kind === 'closed' || found.order.order_status !== 'FILLED') {
    ctx.reject('OrderNotFound', 'INVALID_STATUS', 'the order is not an open position', refs);
    return null;
  }
  return found.order;
}
