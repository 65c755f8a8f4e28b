// §9 ownership: an order is found only by its owner; the placeholder "account_id" matches only
// orders whose account_id equals their uuid.
import type { ClosedOrder, State } from '../state.js';
import type { TraderOrder } from '../types.js';

export const PLACEHOLDER_ACCOUNT = 'account_id';

export function owns(account: string, orderAccount: string, uuid: string): boolean {
  return account === PLACEHOLDER_ACCOUNT ? orderAccount === uuid : account === orderAccount;
}

export type Found = { kind: 'active'; order: TraderOrder } | { kind: 'closed'; order: ClosedOrder } | { kind: 'none' };

export function findTraderOrder(state: State, uuid: string, account: string): Found {
  const o = state.orders.get(uuid);
  if (o !== undefined) return owns(account, o.account_id, uuid) ? { kind: 'active', order: o } : { kind: 'none' };
  const c = state.closed.get(uuid);
  if (c !== undefined && owns(account, c.account_id, uuid)) return { kind: 'closed', order: c };
  return { kind: 'none' };
}
