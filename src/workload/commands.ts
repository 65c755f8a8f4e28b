// A seeded command workload (end-to-end tests, durable benchmark): ticks that move the price (so every tick has an
// outcome), opens of every kind, closes, cancels, SL/TP, lends and withdrawals, funding, admin.
// Order uuids are known in advance: the order created by command `id` is uuidv5(id + ":0").
import { uuidv5 } from '../engine/util/uuid.js';
import { Prng } from '../infra/prng.js';

/** `n` JSON command lines (no ts: the log stamps it). */
export function workload(n: number, seed: number, prefix = `w${seed}`): string[] {
  const prng = new Prng(seed);
  const r = (): number => prng.next();
  const out: string[] = [];
  const active = new Map<string, string>(); // account → uuid of its last create
  const lends = new Map<string, string>();
  let price = 60_000;
  const push = (type: string, params: object): string => {
    const id = `${prefix}-${out.length}`;
    out.push(JSON.stringify({ v: 1, id, type, params }));
    return id;
  };
  push('PriceTick', { price });
  for (let i = 0; i < 5; i++)
    lends.set(`lender-${i}`, uuidv5(`${push('CreateLendOrder', { account_id: `lender-${i}`, deposit: 10_000_000 + i, balance: 0 })}:0`));
  while (out.length < n) {
    const x = r();
    const account = `acc-${Math.floor(r() * 2000)}`;
    const uuid = active.get(account);
    if (x < 0.2) {
      const step = Math.round((r() - 0.5) * 600) || 1;
      price = Math.max(30_000, Math.min(90_000, price + step));
      push('PriceTick', { price: price + 0.25 });
    } else if (uuid === undefined) {
      const long = r() < 0.5;
      const limit = r() < 0.4;
      const entry = limit ? Math.round(price * (long ? 1 - r() * 0.01 : 1 + r() * 0.01)) : 0;
      const legs = r() < 0.3;
      const ref = limit ? entry : price;
      const id = push(legs ? 'CreateTraderOrderSlTp' : 'CreateTraderOrder', {
        account_id: account,
        position_type: long ? 'LONG' : 'SHORT',
        order_type: limit ? 'LIMIT' : 'MARKET',
        leverage: [1, 2, 5, 10, 20, 50][Math.floor(r() * 6)],
        initial_margin: 1000 + Math.floor(r() * 50_000),
        available_margin: 0,
        order_status: 'PENDING',
        entryprice: entry,
        execution_price: 0,
        ...(legs ? { sltp: { sl: Math.round(ref * (long ? 0.98 : 1.02)), tp: Math.round(ref * (long ? 1.02 : 0.98)) } } : {}),
      });
      active.set(account, uuidv5(`${id}:0`));
    } else if (x < 0.45) {
      push('ExecuteTraderOrder', { account_id: account, uuid, order_type: 'MARKET', execution_price: 0, settle_margin: 0 });
      active.delete(account);
    } else if (x < 0.55) {
      push('ExecuteTraderOrder', {
        account_id: account,
        uuid,
        order_type: 'LIMIT',
        execution_price: Math.round(price * (r() < 0.5 ? 1.005 : 0.995)),
        settle_margin: 0,
      });
    } else if (x < 0.7) {
      push('CancelTraderOrder', { account_id: account, uuid, order_type: 'LIMIT' });
      if (r() < 0.5) active.delete(account);
    } else if (x < 0.8) {
      push('ExecuteTraderOrderSlTp', { account_id: account, uuid, order_type: 'SLTP', sltp: { sl: Math.round(price * 0.97), tp: null } });
    } else if (x < 0.85) {
      push('CancelTraderOrderSlTp', { account_id: account, uuid, order_type: 'SLTP', sltp_cancel: { sl: true, tp: r() < 0.5 } });
    } else if (x < 0.95) {
      const lender = `lender-${Math.floor(r() * 8)}`;
      const lu = lends.get(lender);
      if (lu !== undefined && r() < 0.5) {
        push('ExecuteLendOrder', { account_id: lender, uuid: lu });
        lends.delete(lender);
      } else if (lu === undefined)
        lends.set(lender, uuidv5(`${push('CreateLendOrder', { account_id: lender, deposit: 100_000 + Math.floor(r() * 1e6), balance: 0 })}:0`));
    } else if (x < 0.952) {
      push('FundingCycle', {});
    } else if (x < 0.96) {
      push('TriggerPriceCheck', { price, check_pending_limit: true, check_liquidation: true, check_settling_limit: true });
    } else if (x < 0.965) {
      push('RecalculateRiskState', {});
    } else {
      push('Heartbeat', {});
    }
  }
  return out;
}
