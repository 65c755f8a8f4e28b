// §4.8 funding cycle: rate from the PS log, then each FILLED position by entry_sequence.
import type { Ctx } from './ctx.js';
import { entryValue, fundingPayment, fundingRate, liquidationPrice, maintenanceMargin } from './math.js';
import { cloneOrder } from './orders/record.js';
import { openRate } from './orders/position.js';
import { liquidate } from './orders/settle.js';
import type { TraderOrder } from './types.js';

/** `boundary` (from the scheduler) is carried in the events only when given, so plain cycles keep §12's bytes. */
export function fundingCycle(ctx: Ctx, boundary: number | null): void {
  const state = ctx.state;
  const at = boundary === null ? {} : { boundary };
  if (state.risk.pause_funding) return ctx.emit('FundingCycleSkipped', { reason: 'PAUSED', ...at });
  const p = state.price;
  if (p === null) return ctx.emit('FundingCycleSkipped', { reason: 'NO_PRICE', ...at });
  const ls = state.ps_long;
  const ss = state.ps_short;
  const fr = fundingRate(ls, ss);
  ctx.emit('FundingRateUpdated', {
    funding_rate: fr,
    price: p,
    long_position_size: ls,
    short_position_size: ss,
    total_position_size: ls + ss,
    ...at,
  });
  // collected first: a liquidation below removes the order from state.orders
  const positions: TraderOrder[] = [];
  for (const o of state.orders.values()) if (o.order_status === 'FILLED') positions.push(o);
  for (const o of positions) {
    const pay = fundingPayment(fr, o.positionsize, p);
    const long = o.position_type === 'LONG';
    const am = Math.max(long ? o.available_margin - pay : o.available_margin + pay, 0);
    const mm = maintenanceMargin(state.params.mm_ratio, entryValue(o.initial_margin, o.leverage), openRate(state, o.order_type), o.bankruptcy_value, fr);
    if (am <= mm) {
      liquidate(ctx, o, p, 'FUNDING');
      continue;
    }
    const liq = liquidationPrice(o.position_type, o.entryprice, o.positionsize, mm, o.initial_margin);
    if (am === o.available_margin && mm === o.maintenance_margin && liq === o.liquidation_price) continue;
    const order = cloneOrder(o);
    order.available_margin = am;
    order.maintenance_margin = mm;
    order.liquidation_price = liq;
    order.timestamp = ctx.time();
    const nominal = long ? -pay : pay;
    ctx.emit('TraderOrderFundingApplied', { order, funding_rate: fr, funding_payment: nominal === 0 ? 0 : nominal });
  }
}
