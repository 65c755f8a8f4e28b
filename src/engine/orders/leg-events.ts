// The leg events (SPEC §3 …Placed / …Removed): their data as literals in wire key order (one
// object shape each, no spread copies on the hot path), and the one place removals are emitted.
import type { Ctx } from '../ctx.js';
import type { LegPlaced, LegRemoved, LegRemoveReason } from '../events.js';
import type { LegName } from '../triggers/books.js';
import type { TraderOrder } from '../types.js';

export function legPlaced(o: TraderOrder, price: number, oldPrice: number | null): LegPlaced {
  return { order_id: o.uuid, account_id: o.account_id, position_type: o.position_type, price, old_price: oldPrice };
}

function legRemoved(o: TraderOrder, oldPrice: number, reason: LegRemoveReason): LegRemoved {
  // SetMarketHalt's removals have always put `reason` before `old_price`; the recorded exec
  // scenario fixes those bytes, so that order is kept (docs/decisions.md D108)
  if (reason === 'ADMIN') return { order_id: o.uuid, account_id: o.account_id, position_type: o.position_type, reason, old_price: oldPrice };
  return { order_id: o.uuid, account_id: o.account_id, position_type: o.position_type, old_price: oldPrice, reason };
}

const REMOVED = { close: 'CloseLimitRemoved', sl: 'StopLossRemoved', tp: 'TakeProfitRemoved' } as const;

/** One leg of `o` removed: CloseLimitRemoved, StopLossRemoved or TakeProfitRemoved. */
export function emitLegRemoved(ctx: Ctx, leg: LegName, o: TraderOrder, oldPrice: number, reason: LegRemoveReason): void {
  ctx.emit(REMOVED[leg], legRemoved(o, oldPrice, reason));
}

/** One …Removed per registered leg (price not null), in the order close limit, SL, TP (§12). */
export function emitLegsRemoved(ctx: Ctx, o: TraderOrder, close: number | null, sl: number | null, tp: number | null, reason: LegRemoveReason): void {
  if (close !== null) emitLegRemoved(ctx, 'close', o, close, reason);
  if (sl !== null) emitLegRemoved(ctx, 'sl', o, sl, reason);
  if (tp !== null) emitLegRemoved(ctx, 'tp', o, tp, reason);
}
