// The data of the leg events (SPEC §3 …Placed / …Removed), as literals in wire key order: one
// object shape each, no spread copies on the hot path.
import type { LegPlaced, LegRemoved, LegRemoveReason } from '../events.js';
import type { TraderOrder } from '../types.js';

export function legPlaced(o: TraderOrder, price: number, oldPrice: number | null): LegPlaced {
  return { order_id: o.uuid, account_id: o.account_id, position_type: o.position_type, price, old_price: oldPrice };
}

export function legRemoved(o: TraderOrder, oldPrice: number, reason: LegRemoveReason): LegRemoved {
  return { order_id: o.uuid, account_id: o.account_id, position_type: o.position_type, old_price: oldPrice, reason };
}
