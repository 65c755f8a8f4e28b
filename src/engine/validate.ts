// validateState: every invariant of the in-memory state, as a list of violations (empty = valid).
// Used by tests after every step; cheap enough for thousands of steps on small states.
import { exposureOf } from './risk/admin.js';
import { indexKey } from './math.js';
import type { State } from './state.js';
import { INDEX_NAMES, legIndex, liqIndex, openIndex, type IndexName } from './triggers/books.js';
import { HARD_MAX_LEVERAGE, type TraderOrder } from './types.js';

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));

export function validateState(state: State): string[] {
  const bad: string[] = [];
  const expected = new Map<IndexName, number>(INDEX_NAMES.map((n) => [n, 0]));
  const expect = (name: IndexName, o: TraderOrder, price: number): void => {
    expected.set(name, expected.get(name)! + 1);
    const k = indexKey(price);
    let found = false;
    for (const e of state.books[name].entries())
      if (e.seq === o.entry_sequence) {
        found = e.key === k && e.val === o;
        break;
      }
    if (!found) bad.push(`${o.uuid}: missing or wrong key ${k} in ${name}`);
  };
  let psLong = 0;
  let psShort = 0;
  let lastSeq = 0;
  let pending = 0;
  for (const o of state.orders.values()) if (o.order_status === 'PENDING') pending++;
  if (pending !== state.pending_count || state.orders.size - pending !== state.filled_count) {
    bad.push(`running order counts ${state.pending_count} pending / ${state.filled_count} filled disagree with the orders`);
  }
  for (const o of state.orders.values()) {
    if (o.entry_sequence <= lastSeq) bad.push(`${o.uuid}: orders not in entry_sequence order`);
    lastSeq = o.entry_sequence;
    if (state.trader_by_account.get(o.account_id) !== o.uuid) bad.push(`${o.uuid}: account ${o.account_id} not locked to it`);
    if (state.closed.has(o.uuid)) bad.push(`${o.uuid}: both active and closed`);
    if (o.order_status === 'PENDING') {
      expect(openIndex(o.position_type), o, o.entryprice);
      if (o.close_limit_price !== null || o.stop_loss_price !== null || o.take_profit_price !== null) bad.push(`${o.uuid}: pending order with registered legs`);
    } else if (o.order_status === 'FILLED') {
      if (o.liquidation_price > 0) expect(liqIndex(o.position_type), o, o.liquidation_price);
      else if (o.liquidation_price !== 0) bad.push(`${o.uuid}: negative liquidation price`);
      if (o.close_limit_price !== null) expect(legIndex('close', o.position_type), o, o.close_limit_price);
      if (o.stop_loss_price !== null) expect(legIndex('sl', o.position_type), o, o.stop_loss_price);
      if (o.take_profit_price !== null) expect(legIndex('tp', o.position_type), o, o.take_profit_price);
      if (o.sltp_on_fill !== null) bad.push(`${o.uuid}: filled order still holds sltp_on_fill`);
      if (o.position_type === 'LONG') psLong += o.positionsize;
      else psShort += o.positionsize;
      if (o.available_margin < 0) bad.push(`${o.uuid}: negative available margin`);
    } else bad.push(`${o.uuid}: terminal status ${o.order_status} among active orders`);
    if (!(o.leverage >= 1 && o.leverage <= HARD_MAX_LEVERAGE)) bad.push(`${o.uuid}: leverage ${o.leverage} out of range`);
  }
  for (const name of INDEX_NAMES) {
    if (state.books[name].size !== expected.get(name)) bad.push(`${name}: holds ${state.books[name].size} entries, expected ${expected.get(name)}`);
  }
  if (state.trader_by_account.size !== state.orders.size) bad.push('trader account locks do not match active orders');
  const t = exposureOf(state);
  const r = state.risk;
  if (!close(r.total_long_btc, t.total_long_btc)) bad.push(`total_long_btc ${r.total_long_btc} ≠ Σ EV ${t.total_long_btc}`);
  if (!close(r.total_short_btc, t.total_short_btc)) bad.push(`total_short_btc ${r.total_short_btc} ≠ Σ EV ${t.total_short_btc}`);
  if (!close(r.total_pending_long_btc, t.total_pending_long_btc))
    bad.push(`total_pending_long_btc ${r.total_pending_long_btc} ≠ Σ EV ${t.total_pending_long_btc}`);
  if (!close(r.total_pending_short_btc, t.total_pending_short_btc))
    bad.push(`total_pending_short_btc ${r.total_pending_short_btc} ≠ Σ EV ${t.total_pending_short_btc}`);
  if (!close(state.ps_long, psLong)) bad.push(`PS log long ${state.ps_long} ≠ Σ PS ${psLong}`);
  if (!close(state.ps_short, psShort)) bad.push(`PS log short ${state.ps_short} ≠ Σ PS ${psShort}`);
  for (const [account, uuid] of state.lend_by_account) {
    const l = state.lends.get(uuid);
    if (l === undefined || l.account_id !== account || l.order_status !== 'FILLED') bad.push(`lend lock of ${account} is stale`);
  }
  if (state.lend_by_account.size !== state.lends.size) bad.push('lend account locks do not match active lend orders');
  if (state.pool !== null) {
    const p = state.pool;
    if (!Number.isFinite(p.total_locked_value) || !Number.isFinite(p.total_pool_share)) bad.push('pool has a non-finite value');
    if (p.total_pool_share < 0) bad.push('pool has negative shares');
    if (!Number.isInteger(p.nonce) || p.nonce < 0) bad.push('pool nonce is not a non-negative integer');
  } else if (state.orders.size > 0 || state.lends.size > 0) bad.push('orders exist without a pool');
  let remembered = 0;
  for (const _ of state.seen.entries()) remembered++;
  if (remembered !== state.seen.size) bad.push('dedupe index and its log disagree');
  if (state.price !== null && (!Number.isInteger(state.price) || state.price <= 0)) bad.push(`price ${state.price} is not a positive integer`);
  return bad;
}
