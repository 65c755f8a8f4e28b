// An active trader order: the SPEC §3 record, plus the hashes of its uuid and account id (D323),
// so the order map, the account locks and the closed-order ring find its cells without reading
// either string again. Retiring an order that rested for a while would otherwise read both strings
// from memory that is no longer cached, once per table.
//
// Closing events carry the live order itself, so it must stay exactly the record to every reader:
// the hashes are private fields (invisible to JSON, spreads, structured clones and deep equality),
// stamped by a class whose base constructor returns the record. The record is built by a plain
// constructor function whose prototype is Object.prototype: it is the same plain object as a
// literal, but V8 keeps spare in-object room for what a constructor's objects gain next, so the two
// stamps sit in the object instead of in a separate property array (16 B per order, not 40).
import type { TraderOrder } from '../types.js';
import { stringHash } from '../util/hash-slots.js';

/**
 * `new LiveRecord(o)`: a copy of `o` with Object.prototype, in SPEC §3 key order. It writes its
 * fields itself, like cloneOrder's literal and assignOrder: built through assignOrder instead, the
 * copies fell into dictionary mode (2 026 B per resting order instead of 657).
 */
const LiveRecord = function LiveRecord(this: TraderOrder, o: TraderOrder) {
  this.uuid = o.uuid;
  this.account_id = o.account_id;
  this.position_type = o.position_type;
  this.order_status = o.order_status;
  this.order_type = o.order_type;
  this.entryprice = small(o.entryprice);
  this.execution_price = small(o.execution_price);
  this.positionsize = small(o.positionsize);
  this.leverage = small(o.leverage);
  this.initial_margin = small(o.initial_margin);
  this.available_margin = small(o.available_margin);
  this.timestamp = o.timestamp;
  this.bankruptcy_price = small(o.bankruptcy_price);
  this.bankruptcy_value = small(o.bankruptcy_value);
  this.maintenance_margin = small(o.maintenance_margin);
  this.liquidation_price = small(o.liquidation_price);
  this.unrealized_pnl = small(o.unrealized_pnl);
  this.settlement_price = small(o.settlement_price);
  this.entry_nonce = small(o.entry_nonce);
  this.exit_nonce = small(o.exit_nonce);
  this.entry_sequence = small(o.entry_sequence);
  this.fee_filled = small(o.fee_filled);
  this.fee_settled = small(o.fee_settled);
  this.close_limit_price = o.close_limit_price;
  this.stop_loss_price = o.stop_loss_price;
  this.take_profit_price = o.take_profit_price;
  this.sltp_on_fill = o.sltp_on_fill === null ? null : { sl: o.sltp_on_fill.sl, tp: o.sltp_on_fill.tp };
} as unknown as new (
  o: TraderOrder,
) => TraderOrder;
LiveRecord.prototype = Object.prototype;

/**
 * `x` itself, as a small integer when it is one: a number computed in floating point (a margin,
 * a price) is otherwise stored as a 16-byte heap box even when its value is whole (D325). −0 stays
 * −0, so replayed and live records stay equal under deepStrictEqual.
 */
function small(x: number): number {
  const i = x | 0;
  return i === x && (i !== 0 || 1 / x > 0) ? i : x;
}

class StampTarget {
  constructor(o: TraderOrder, copy: boolean) {
    // biome-ignore lint/correctness/noConstructorReturn: the record (or its copy) is the object LiveOrder stamps
    return copy ? new LiveRecord(o) : o;
  }
}

class LiveOrder extends StampTarget {
  readonly #uuid: number;
  readonly #account: number;

  constructor(o: TraderOrder, copy: boolean, uuidHash: number, accountHash: number) {
    super(o, copy);
    this.#uuid = uuidHash;
    this.#account = accountHash;
  }

  static uuidHash(o: TraderOrder): number {
    return #uuid in o ? (o as LiveOrder).#uuid : stringHash(o.uuid);
  }

  static accountHash(o: TraderOrder): number {
    return #account in o ? (o as LiveOrder).#account : stringHash(o.account_id);
  }
}

/**
 * A live copy of record `o`, carrying `uuidHash` = stringHash(o.uuid) and `accountHash` =
 * stringHash(o.account_id), which the caller has at hand: the maps the order is about to enter
 * remember the hash of the key they just probed.
 */
export function liveOrder(o: TraderOrder, uuidHash: number, accountHash: number): TraderOrder {
  return new LiveOrder(o, true, uuidHash, accountHash) as unknown as TraderOrder;
}

/**
 * Makes record `o` itself live, for a record nothing else holds (a snapshot decoder's): no copy,
 * but its stamps go to a separate property array (a literal has no spare room), 24 B more.
 */
export function adoptLive(o: TraderOrder, uuidHash: number, accountHash: number): TraderOrder {
  return new LiveOrder(o, false, uuidHash, accountHash) as unknown as TraderOrder;
}

/** stringHash(o.uuid): kept by a live order, computed for any other record. */
export const uuidHash: (o: TraderOrder) => number = LiveOrder.uuidHash;

/** stringHash(o.account_id): kept by a live order, computed for any other record. */
export const accountHash: (o: TraderOrder) => number = LiveOrder.accountHash;
