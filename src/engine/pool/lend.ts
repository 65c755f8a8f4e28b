// §2.4 and §7: lend deposits mint pool shares; withdrawals pay out the whole claim.
import type { CreateLend, ExecuteLend } from '../commands.js';
import type { Ctx } from '../ctx.js';
import { mintPoolShares, round } from '../math.js';
import { owns, PLACEHOLDER_ACCOUNT } from '../orders/lookup.js';
import { cloneLend } from '../orders/record.js';
import { withdrawalBreaksCap } from '../risk/adl.js';
import { lendGate, reasonText } from '../risk/gate.js';
import type { LendOrder } from '../types.js';

const SHARE_SCALE = 10_000;

export function createLendOrder(ctx: Ctx, p: CreateLend): void {
  const state = ctx.state;
  const refs = { account_id: p.account_id, order_type: 'LEND' };
  if (p.deposit <= 0) return ctx.reject('CANCELLED', 'INVALID_PARAMS', 'deposit must be > 0', refs);
  const gate = lendGate(state);
  if (gate !== null) return ctx.reject('RejectedByRiskEngine', gate, reasonText(gate), refs);
  const pool = state.pool!;
  const candidate = ctx.peekUuid();
  if (state.lends.has(candidate)) {
    return ctx.reject('DuplicateOrder', 'DUPLICATE_REQUEST', 'this command id already created a lend order (outside the dedupe window)', refs);
  }
  const account = p.account_id === PLACEHOLDER_ACCOUNT ? candidate : p.account_id;
  if (state.lend_by_account.has(account)) {
    return ctx.reject('DuplicateOrder', 'DUPLICATE_ORDER', 'the account already has an active lend order', refs);
  }
  const shares = mintPoolShares(pool.total_pool_share, p.deposit, pool.total_locked_value);
  if (shares < 1) return ctx.reject('CANCELLED', 'BELOW_MIN_DEPOSIT', 'the deposit would mint less than one pool share', refs);
  const after = {
    total_locked_value: pool.total_locked_value + round(p.deposit),
    total_pool_share: pool.total_pool_share + shares,
    nonce: pool.nonce + 1,
  };
  const lend: LendOrder = {
    uuid: ctx.mintUuid(),
    account_id: account,
    balance: p.balance,
    order_status: 'FILLED',
    order_type: 'LEND',
    entry_nonce: after.nonce,
    exit_nonce: 0,
    deposit: p.deposit,
    new_lend_state_amount: p.deposit,
    timestamp: ctx.time(),
    npoolshare: shares * SHARE_SCALE,
    nwithdraw: 0,
    payment: 0,
    tlv0: pool.total_locked_value,
    tps0: pool.total_pool_share,
    tlv1: after.total_locked_value,
    tps1: after.total_pool_share,
    tlv2: 0,
    tps2: 0,
    tlv3: 0,
    tps3: 0,
    entry_sequence: state.lend_seq + 1,
  };
  ctx.emit('LendOrderCreated', { lend_order: lend, pool: after });
}

export function executeLendOrder(ctx: Ctx, p: ExecuteLend): void {
  const state = ctx.state;
  const refs = { order_id: p.uuid, account_id: p.account_id, order_type: 'LEND' };
  const gate = lendGate(state);
  if (gate !== null) return ctx.reject('RejectedByRiskEngine', gate, reasonText(gate), refs);
  const lend = state.lends.get(p.uuid);
  if (lend === undefined || !owns(p.account_id, lend.account_id, lend.uuid) || lend.order_status !== 'FILLED') {
    return ctx.reject('OrderNotFound', 'ORDER_NOT_FOUND', 'no active lend order with this id for this account', refs);
  }
  const pool = state.pool!;
  const tlv2 = pool.total_locked_value;
  const tps2 = pool.total_pool_share;
  const raw = (tlv2 * lend.npoolshare) / tps2;
  const withdrawRaw = raw / SHARE_SCALE;
  if (withdrawRaw > tlv2) return ctx.reject('Error', 'INSUFFICIENT_POOL_FUNDS', 'the pool cannot pay this withdrawal', refs);
  const w = round(withdrawRaw);
  if (withdrawalBreaksCap(state, tlv2 - w)) return ctx.reject('RejectedByRiskEngine', 'PNL_CAP_REACHED', reasonText('PNL_CAP_REACHED'), refs);
  const after = {
    total_locked_value: tlv2 - w,
    total_pool_share: tps2 - round(lend.npoolshare / SHARE_SCALE),
    nonce: pool.nonce + 1,
  };
  const settled = cloneLend(lend);
  settled.order_status = 'SETTLED';
  settled.exit_nonce = after.nonce;
  settled.nwithdraw = round(raw);
  settled.payment = round(withdrawRaw - lend.deposit);
  settled.new_lend_state_amount = w;
  settled.timestamp = ctx.time();
  settled.tlv2 = tlv2;
  settled.tps2 = tps2;
  settled.tlv3 = after.total_locked_value;
  settled.tps3 = after.total_pool_share;
  ctx.emit('LendOrderSettled', { lend_order: settled, withdraw: w, pool: after });
}
