// Copies of order records: events carry their own copies so a later change to the live order
// never alters an event already emitted; key order is the wire order of SPEC.md §3.
import type { LendOrder, Pool, TraderOrder } from '../types.js';

export function cloneOrder(o: TraderOrder): TraderOrder {
  return {
    uuid: o.uuid,
    account_id: o.account_id,
    position_type: o.position_type,
    order_status: o.order_status,
    order_type: o.order_type,
    entryprice: o.entryprice,
    execution_price: o.execution_price,
    positionsize: o.positionsize,
    leverage: o.leverage,
    initial_margin: o.initial_margin,
    available_margin: o.available_margin,
    timestamp: o.timestamp,
    bankruptcy_price: o.bankruptcy_price,
    bankruptcy_value: o.bankruptcy_value,
    maintenance_margin: o.maintenance_margin,
    liquidation_price: o.liquidation_price,
    unrealized_pnl: o.unrealized_pnl,
    settlement_price: o.settlement_price,
    entry_nonce: o.entry_nonce,
    exit_nonce: o.exit_nonce,
    entry_sequence: o.entry_sequence,
    fee_filled: o.fee_filled,
    fee_settled: o.fee_settled,
    close_limit_price: o.close_limit_price,
    stop_loss_price: o.stop_loss_price,
    take_profit_price: o.take_profit_price,
    sltp_on_fill: o.sltp_on_fill === null ? null : { sl: o.sltp_on_fill.sl, tp: o.sltp_on_fill.tp },
  };
}

/** Overwrites a live order with the fields an event carries (the live object stays in the indices). */
export function assignOrder(live: TraderOrder, o: TraderOrder): void {
  live.account_id = o.account_id;
  live.position_type = o.position_type;
  live.order_status = o.order_status;
  live.order_type = o.order_type;
  live.entryprice = o.entryprice;
  live.execution_price = o.execution_price;
  live.positionsize = o.positionsize;
  live.leverage = o.leverage;
  live.initial_margin = o.initial_margin;
  live.available_margin = o.available_margin;
  live.timestamp = o.timestamp;
  live.bankruptcy_price = o.bankruptcy_price;
  live.bankruptcy_value = o.bankruptcy_value;
  live.maintenance_margin = o.maintenance_margin;
  live.liquidation_price = o.liquidation_price;
  live.unrealized_pnl = o.unrealized_pnl;
  live.settlement_price = o.settlement_price;
  live.entry_nonce = o.entry_nonce;
  live.exit_nonce = o.exit_nonce;
  live.entry_sequence = o.entry_sequence;
  live.fee_filled = o.fee_filled;
  live.fee_settled = o.fee_settled;
  live.close_limit_price = o.close_limit_price;
  live.stop_loss_price = o.stop_loss_price;
  live.take_profit_price = o.take_profit_price;
  live.sltp_on_fill = o.sltp_on_fill === null ? null : { sl: o.sltp_on_fill.sl, tp: o.sltp_on_fill.tp };
}

export function cloneLend(o: LendOrder): LendOrder {
  return {
    uuid: o.uuid,
    account_id: o.account_id,
    balance: o.balance,
    order_status: o.order_status,
    order_type: 'LEND',
    entry_nonce: o.entry_nonce,
    exit_nonce: o.exit_nonce,
    deposit: o.deposit,
    new_lend_state_amount: o.new_lend_state_amount,
    timestamp: o.timestamp,
    npoolshare: o.npoolshare,
    nwithdraw: o.nwithdraw,
    payment: o.payment,
    tlv0: o.tlv0,
    tps0: o.tps0,
    tlv1: o.tlv1,
    tps1: o.tps1,
    tlv2: o.tlv2,
    tps2: o.tps2,
    tlv3: o.tlv3,
    tps3: o.tps3,
    entry_sequence: o.entry_sequence,
  };
}

export function clonePool(p: Pool): Pool {
  return { total_locked_value: p.total_locked_value, total_pool_share: p.total_pool_share, nonce: p.nonce };
}
