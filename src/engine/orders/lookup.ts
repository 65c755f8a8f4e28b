// §9 ownership: an order is found only by its owner; the placeholder "account_id" matches only
// orders whose account_id equals their uuid.
import type { ClosedOrder, State } from '../state.js';
import type { TraderOrder } from '../types.js';

export const PLACEHOLDER_ACCOUNT = 'account_id';

export function owns(account: string, orderAccount: string, uuid: string): boolean {
  return account === PLACEHOLDER_ACCOUNT ? orderAccount === uuid : account === orderAccount;
}

type Found = { kind: 'active'; order: TraderOrder } | { kind: 'closed'; order: ClosedOrder } | { kind: 'none' };

/** The order `uuid` as `account` sees it at command time `now` (a forgotten closed order is none). */
export function findTraderOrder(state: State, uuid: string, account: string, now: number): Found {
  const o = state.orders.get(uuid);
  if (o !== undefined) return owns(account, o.account_id, uuid) ? { kind: 'active', order: o } : { kind: 'none' };
  const c = rememberedClosed(state, uuid, now);
  if (c !== undefined && owns(account, c.account_id, uuid)) return { kind: 'closed', order: c };
  return { kind: 'none' };
}

/**
 * A closed order still remembered at `now` (§12): evolve forgets on the ts of each event, so a
 * command is checked against its own ts here before its first event prunes. `h`, when the caller
 * has it, is stringHash(uuid).
 */
export function rememberedClosed(state: State, uuid: string, now: number, h?: number): ClosedOrder | undefined {
  const ts = state.closed.closedTs(uuid, h);
  return ts === undefined || now - ts > state.config.history_window_ms ? undefined : state.closed.get(uuid);
}
