// §2.1 CreateTraderOrder / CreateTraderOrderSlTp and the §5.3 fill of a resting limit.
import type { CreateTrader } from '../commands.js';
import type { Ctx } from '../ctx.js';
import { fee } from '../math.js';
import { openCheck, reasonText } from '../risk/gate.js';
import { HARD_MAX_LEVERAGE, type SlTp, type TraderOrder } from '../types.js';
import { bookFilled, unbookPending } from '../evolve.js';
import { PLACEHOLDER_ACCOUNT, rememberedClosed } from './lookup.js';
import { cloneOrder } from './record.js';
import { positionFields } from './position.js';
import { applySlTp, hasLeg, legsValidAt } from './sltp.js';
import { legPlaced } from './leg-events.js';

export function createTraderOrder(ctx: Ctx, p: CreateTrader): void {
  const state = ctx.state;
  const refs = { account_id: p.account_id, order_type: p.order_type };
  const price = state.price;
  if (price === null) return ctx.reject('RejectedByRiskEngine', 'NO_PRICE', reasonText('NO_PRICE'), refs);
  const risk = openCheck(state, ctx.ts, p);
  if (risk !== null) return ctx.reject('RejectedByRiskEngine', risk, reasonText(risk), refs);
  if (p.leverage < 1 || p.leverage > HARD_MAX_LEVERAGE) {
    return ctx.reject('CANCELLED', 'INVALID_PARAMS', `leverage must be between 1 and ${HARD_MAX_LEVERAGE}`, refs);
  }
  if (p.order_type === 'LIMIT' && p.entryprice <= 0) {
    return ctx.reject('CANCELLED', 'INVALID_PARAMS', 'a LIMIT order needs entryprice > 0', refs);
  }
  const long = p.position_type === 'LONG';
  const fillsNow = p.order_type === 'MARKET' || (long ? p.entryprice >= price : p.entryprice <= price);
  const legs = hasLeg(p.sltp) ? p.sltp : null;
  if (legs !== null && !legsValidAt(p.position_type, legs, fillsNow ? price : p.entryprice)) {
    return ctx.reject(
      'CANCELLED',
      'INVALID_SLTP',
      long ? 'stop-loss and take-profit must satisfy sl < price < tp' : 'stop-loss and take-profit must satisfy tp < price < sl',
      refs,
    );
  }
  const candidate = ctx.peekUuid();
  // a minted uuid is hashed once for both tables (the order map remembers the hash of its last key)
  if (state.orders.has(candidate) || rememberedClosed(state, candidate, ctx.ts, state.orders.hash(candidate)) !== undefined) {
    return ctx.reject('DuplicateOrder', 'DUPLICATE_REQUEST', 'this command id already created an order (outside the dedupe window)', refs);
  }
  const account = p.account_id === PLACEHOLDER_ACCOUNT ? candidate : p.account_id;
  if (state.trader_by_account.has(account)) {
    return ctx.reject('DuplicateOrder', 'DUPLICATE_ORDER', 'the account already has an active trader order', refs);
  }
  const uuid = ctx.mintUuid();
  const entry = fillsNow ? price : p.entryprice;
  const orderType = fillsNow ? 'MARKET' : 'LIMIT';
  const f = positionFields(state, p.position_type, p.initial_margin, p.leverage, entry, orderType);
  const feeFilled = fillsNow ? fee(state.fees.order_filled_on_market, f.positionsize, entry) : 0;
  const order: TraderOrder = {
    uuid,
    account_id: account,
    position_type: p.position_type,
    order_status: fillsNow ? 'FILLED' : 'PENDING',
    order_type: orderType,
    entryprice: entry,
    execution_price: p.execution_price,
    positionsize: f.positionsize,
    leverage: p.leverage,
    initial_margin: p.initial_margin,
    available_margin: p.initial_margin - feeFilled,
    timestamp: ctx.time(),
    bankruptcy_price: f.bankruptcy_price,
    bankruptcy_value: f.bankruptcy_value,
    maintenance_margin: f.maintenance_margin,
    liquidation_price: f.liquidation_price,
    unrealized_pnl: 0,
    settlement_price: 0,
    entry_nonce: 0,
    exit_nonce: 0,
    entry_sequence: state.trader_seq + 1,
    fee_filled: feeFilled,
    fee_settled: 0,
    close_limit_price: null,
    stop_loss_price: null,
    take_profit_price: null,
    sltp_on_fill: fillsNow || legs === null ? null : { sl: legs.sl, tp: legs.tp },
  };
  if (!fillsNow) return ctx.emit('TraderOrderPending', { order });
  ctx.emit('TraderOrderOpened', { order, converted_from_limit: p.order_type === 'LIMIT' });
  if (legs !== null) placeOpeningLegs(ctx, uuid, legs);
}

/** Legs given at open are validated against R, so none crosses: they are only placed. */
function placeOpeningLegs(ctx: Ctx, uuid: string, legs: SlTp): void {
  const live = ctx.state.orders.get(uuid)!;
  if (legs.sl !== null) ctx.emit('StopLossPlaced', legPlaced(live, legs.sl, null));
  if (legs.tp !== null) ctx.emit('TakeProfitPlaced', legPlaced(live, legs.tp, null));
}

/** §5.3 step 3: a resting limit fills at X with FilledOnLimit; its legs are then handled at X. */
export function fillAt(ctx: Ctx, o: TraderOrder, x: number): void {
  const state = ctx.state;
  const f = positionFields(state, o.position_type, o.initial_margin, o.leverage, x, o.order_type);
  const feeFilled = fee(state.fees.order_filled_on_limit, f.positionsize, x);
  const legs = o.sltp_on_fill;
  // the live order is filled in place and its event carries a copy (evolve.ts D261): out of the
  // open book and the pending totals first, while it still holds the limit price they key on
  unbookPending(state, o);
  o.order_status = 'FILLED';
  o.entryprice = x;
  o.positionsize = f.positionsize;
  o.available_margin = o.initial_margin - feeFilled;
  o.timestamp = ctx.time();
  o.bankruptcy_price = f.bankruptcy_price;
  o.bankruptcy_value = f.bankruptcy_value;
  o.maintenance_margin = f.maintenance_margin;
  o.liquidation_price = f.liquidation_price;
  o.fee_filled = feeFilled;
  o.sltp_on_fill = null;
  ctx.emitApplied('TraderOrderFilled', { order: cloneOrder(o), fill_price: x });
  bookFilled(state, o);
  if (hasLeg(legs)) applySlTp(ctx, o, { sl: legs.sl, tp: legs.tp }, x, 'PRICE_TICK');
}
