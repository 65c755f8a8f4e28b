// The simulated world's traffic, drawn from the seed alone (never from the faults, so a schedule
// shrunk to fewer faults replays the same traffic): concurrent clients opening, closing and
// cancelling orders, lenders, an admin now and then, and a price feed walking the price.
import { mintedUuid } from '../engine/util/uuid.js';
import { Prng } from '../infra/prng.js';

export const SIM_EPOCH = 1_732_492_800_000;

/** What the world does before one step of the engine. */
export interface StepPlan {
  /** Clock advance in ms before anything else. */
  advanceMs: number;
  /** Client submissions, in arrival order (several clients interleaved). */
  submits: { client: number; raw: string }[];
  /** The feed's price for this step, or null if it has nothing new. */
  price: number | null;
}

interface Client {
  id: number;
  accounts: string[];
  orders: Map<string, string>;
  lends: Map<string, string>;
  n: number;
}

export function planWorkload(seed: number, steps: number, clients = 3): StepPlan[] {
  const rng = new Prng(seed * 2654435761 + 1);
  const cs: Client[] = Array.from({ length: clients }, (_, i) => ({
    id: i,
    accounts: Array.from({ length: 6 }, (_, k) => `c${i}-${k}`),
    orders: new Map(),
    lends: new Map(),
    n: 0,
  }));
  let price = 60_000;
  const plans: StepPlan[] = [];
  for (let s = 0; s < steps; s++) {
    const submits: StepPlan['submits'] = [];
    if (s === 0) submits.push({ client: -1, raw: JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: {} }) });
    // clients arrive in a random order, several within one step: interleaved submitters
    for (const c of cs) if (rng.chance(0.45)) for (let k = rng.int(1, 3); k > 0; k--) submits.push({ client: c.id, raw: command(rng, c, price) });
    for (let i = submits.length - 1; i > 1; i--) {
      const j = rng.int(s === 0 ? 1 : 0, i);
      [submits[i], submits[j]] = [submits[j]!, submits[i]!];
    }
    let tick: number | null = null;
    if (s === 0 || rng.chance(0.6)) {
      const move = rng.chance(0.05) ? rng.pick([-0.12, -0.06, 0.06, 0.12]) : (rng.next() - 0.5) * 0.01;
      price = Math.max(1000, price * (1 + move));
      tick = Math.round(price * 100) / 100;
    }
    plans.push({ advanceMs: rng.chance(0.02) ? rng.int(60_000, 900_000) : rng.int(0, 1500), submits, price: tick });
  }
  return plans;
}

function command(rng: Prng, c: Client, price: number): string {
  const id = `c${c.id}-${c.n++}`;
  const account = rng.pick(c.accounts);
  const env = (type: string, params: object): string => JSON.stringify({ v: 1, id, type, params });
  const own = c.orders.get(account);
  const roll = rng.next();
  if (roll < 0.3 || own === undefined) {
    const side = rng.chance(0.5) ? 'LONG' : 'SHORT';
    const limit = rng.chance(0.4);
    const entry = Math.round(price * (1 + (side === 'LONG' ? -1 : 1) * rng.next() * 0.02));
    if (own === undefined) c.orders.set(account, mintedUuid(id, 0));
    const params: Record<string, unknown> = {
      account_id: account,
      position_type: side,
      order_type: limit ? 'LIMIT' : 'MARKET',
      leverage: rng.int(1, 50),
      initial_margin: rng.int(1000, 200_000),
      entryprice: entry,
    };
    if (rng.chance(0.3)) {
      const d = price * 0.03;
      params['sltp'] = side === 'LONG' ? { sl: Math.round(price - d), tp: Math.round(price + d) } : { sl: Math.round(price + d), tp: Math.round(price - d) };
      return env('CreateTraderOrderSlTp', params);
    }
    return env('CreateTraderOrder', params);
  }
  if (roll < 0.45) {
    if (rng.chance(0.5)) c.orders.delete(account);
    return env('ExecuteTraderOrder', {
      account_id: account,
      uuid: own,
      order_type: rng.chance(0.6) ? 'MARKET' : 'LIMIT',
      execution_price: Math.round(price * (1 + (rng.next() - 0.5) * 0.02)),
    });
  }
  if (roll < 0.52)
    return env('ExecuteTraderOrderSlTp', {
      account_id: account,
      uuid: own,
      order_type: 'SLTP',
      sltp: { sl: rng.chance(0.5) ? null : Math.round(price * 0.97), tp: Math.round(price * 1.03) },
    });
  if (roll < 0.62) {
    c.orders.delete(account);
    return env('CancelTraderOrder', { account_id: account, uuid: own, order_type: 'LIMIT' });
  }
  if (roll < 0.66) return env('CancelTraderOrderSlTp', { account_id: account, uuid: own, order_type: 'SLTP', sltp_cancel: { sl: true, tp: rng.chance(0.5) } });
  if (roll < 0.76) {
    const lender = `l${c.id}-${rng.int(0, 2)}`;
    const lend = c.lends.get(lender);
    if (lend !== undefined && rng.chance(0.5)) return env('ExecuteLendOrder', { account_id: lender, uuid: lend, order_type: 'LEND' });
    c.lends.set(lender, mintedUuid(id, 0));
    return env('CreateLendOrder', { account_id: lender, balance: 1, order_type: 'LEND', deposit: rng.int(1, 50_000_000) });
  }
  if (roll < 0.8)
    return JSON.stringify({ v: 1, id: `c${c.id}-${rng.int(0, Math.max(0, c.n - 2))}`, type: 'CancelTraderOrder', params: { account_id: account, uuid: own } }); // a client retry: a repeated id
  if (roll < 0.83) return env('FundingCycle', {});
  if (roll < 0.86) return env('Snapshot', {});
  if (roll < 0.88) return env(rng.pick(['SetMarketCloseOnly', 'SetPauseFunding']), { enabled: rng.chance(0.15) });
  if (roll < 0.9) return env('TriggerPriceCheck', { price: Math.round(price), check_liquidation: true, check_settling_limit: true, check_pending_limit: true });
  if (roll < 0.92) return rng.pick(['{"v":1,"id":', 'not json', `{"v":1,"id":"${id}","type":"Nope"}`, '{"v":2}']);
  if (roll < 0.94)
    return env('SetMarketHalt', { enabled: rng.chance(0.1), cancel_pending_limit_orders: rng.chance(0.5), pause_funding: false, pause_price_feed: false });
  return env('CreateTraderOrder', { account_id: account, position_type: 'LONG', order_type: 'MARKET', leverage: 0, initial_margin: 100, entryprice: 1 });
}
