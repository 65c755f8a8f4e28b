// The JSON text of an event's data, written by hand for the events of the hot path (DESIGN §8:
// the engine knows each event's shape, so the runtime need not walk it with JSON.stringify).
// The text is byte for byte what JSON.stringify(data) prints: the keys in the order the rules
// build them (SPEC §3 wire order), numbers as JSON prints them. Any value of an unexpected kind
// (a non-finite number, a missing field) sends the whole event to JSON.stringify, so the text can
// only ever equal it. Serialised on demand, after the command: an emitted event never changes.
import type { EventEnvelope, LegPlaced, LegRemoved, RejectedData } from './events.js';
import type { Pool, TraderOrder } from './types.js';

/** Set by the writers below when a value is not of the kind its shape says; the caller falls back. */
let odd = false;

/** JSON.stringify(s) for a string, with a fast path for text that needs no escaping. */
export function jsonString(s: string): string {
  return typeof s === 'string' ? str(s) : JSON.stringify(s);
}

/** A JSON string literal; the fast path for text that needs no escaping (ids, enums, times). */
function str(s: string): string {
  if (typeof s !== 'string') {
    odd = true;
    return '';
  }
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/** A finite number as JSON prints it (String(x) is the same text, −0 included). */
function num(x: number): string {
  if (typeof x !== 'number' || x - x !== 0) odd = true;
  return `${x}`;
}

function numOrNull(x: number | null): string {
  return x === null ? 'null' : num(x);
}

function orderJson(o: TraderOrder): string {
  return (
    `{"uuid":${str(o.uuid)},"account_id":${str(o.account_id)},"position_type":${str(o.position_type)}` +
    `,"order_status":${str(o.order_status)},"order_type":${str(o.order_type)},"entryprice":${num(o.entryprice)}` +
    `,"execution_price":${num(o.execution_price)},"positionsize":${num(o.positionsize)},"leverage":${num(o.leverage)}` +
    `,"initial_margin":${num(o.initial_margin)},"available_margin":${num(o.available_margin)},"timestamp":${str(o.timestamp)}` +
    `,"bankruptcy_price":${num(o.bankruptcy_price)},"bankruptcy_value":${num(o.bankruptcy_value)}` +
    `,"maintenance_margin":${num(o.maintenance_margin)},"liquidation_price":${num(o.liquidation_price)}` +
    `,"unrealized_pnl":${num(o.unrealized_pnl)},"settlement_price":${num(o.settlement_price)},"entry_nonce":${num(o.entry_nonce)}` +
    `,"exit_nonce":${num(o.exit_nonce)},"entry_sequence":${num(o.entry_sequence)},"fee_filled":${num(o.fee_filled)}` +
    `,"fee_settled":${num(o.fee_settled)},"close_limit_price":${numOrNull(o.close_limit_price)}` +
    `,"stop_loss_price":${numOrNull(o.stop_loss_price)},"take_profit_price":${numOrNull(o.take_profit_price)}` +
    `,"sltp_on_fill":${legsJson(o.sltp_on_fill)}}`
  );
}

function legsJson(legs: TraderOrder['sltp_on_fill']): string {
  if (legs === null) return 'null';
  if (typeof legs !== 'object') {
    odd = true;
    return '';
  }
  return `{"sl":${numOrNull(legs.sl)},"tp":${numOrNull(legs.tp)}}`;
}

function poolJson(p: Pool): string {
  return `{"total_locked_value":${num(p.total_locked_value)},"total_pool_share":${num(p.total_pool_share)},"nonce":${num(p.nonce)}}`;
}

function legPlacedJson(d: LegPlaced): string {
  return `{"order_id":${str(d.order_id)},"account_id":${str(d.account_id)},"position_type":${str(d.position_type)},"price":${num(d.price)},"old_price":${numOrNull(d.old_price)}}`;
}

function legRemovedJson(d: LegRemoved): string {
  const head = `{"order_id":${str(d.order_id)},"account_id":${str(d.account_id)},"position_type":${str(d.position_type)}`;
  // ADMIN removals carry `reason` first (orders/leg-events.ts, D108)
  return d.reason === 'ADMIN'
    ? `${head},"reason":${str(d.reason)},"old_price":${num(d.old_price)}}`
    : `${head},"old_price":${num(d.old_price)},"reason":${str(d.reason)}}`;
}

function strOrNull(s: string | null): string {
  return s === null ? 'null' : str(s);
}

function rejectedJson(d: RejectedData): string {
  const seq = d.original_seq === undefined ? '' : `,"original_seq":${num(d.original_seq)}`;
  return (
    `{"command":${strOrNull(d.command)},"status":${str(d.status)},"reason_code":${str(d.reason_code)}` +
    `,"reason":${str(d.reason)},"order_id":${strOrNull(d.order_id)},"account_id":${strOrNull(d.account_id)}` +
    `,"order_type":${strOrNull(d.order_type)}${seq}}`
  );
}

function bool(b: boolean): string {
  if (typeof b !== 'boolean') odd = true;
  return b ? 'true' : 'false';
}

/** The hand-written text of the hot events' data, or null for the rest (JSON.stringify prints those). */
function written(e: EventEnvelope): string | null {
  switch (e.type) {
    case 'TraderOrderOpened':
      return `{"order":${orderJson(e.data.order)},"converted_from_limit":${bool(e.data.converted_from_limit)}}`;
    case 'TraderOrderPending':
      return `{"order":${orderJson(e.data.order)}}`;
    case 'TraderOrderFilled':
      return `{"order":${orderJson(e.data.order)},"fill_price":${num(e.data.fill_price)}}`;
    case 'TraderOrderCancelled':
      return `{"order":${orderJson(e.data.order)},"by":${str(e.data.by)}}`;
    case 'TraderOrderSettled': {
      const d = e.data;
      return (
        `{"order":${orderJson(d.order)},"payment":${num(d.payment)},"close_type":${str(d.close_type)}` +
        `,"trigger":${str(d.trigger)},"fee_rate":${num(d.fee_rate)},"pool":${poolJson(d.pool)}}`
      );
    }
    case 'TraderOrderLiquidated': {
      const d = e.data;
      return `{"order":${orderJson(d.order)},"payment":${num(d.payment)},"trigger":${str(d.trigger)},"price":${num(d.price)},"pool":${poolJson(d.pool)}}`;
    }
    case 'TraderOrderFundingApplied': {
      const d = e.data;
      return `{"order":${orderJson(d.order)},"funding_rate":${num(d.funding_rate)},"funding_payment":${num(d.funding_payment)}}`;
    }
    case 'CloseLimitPlaced':
    case 'StopLossPlaced':
    case 'TakeProfitPlaced':
      return legPlacedJson(e.data);
    case 'CloseLimitRemoved':
    case 'StopLossRemoved':
    case 'TakeProfitRemoved':
      return legRemovedJson(e.data);
    case 'PriceUpdated': {
      const d = e.data;
      return `{"price":${num(d.price)},"previous_price":${numOrNull(d.previous_price)},"feed_price":${num(d.feed_price)}}`;
    }
    case 'Rejected':
      return rejectedJson(e.data);
    default:
      return null;
  }
}

/** JSON.stringify(e.data), byte for byte. */
export function eventDataJson(e: EventEnvelope): string {
  odd = false;
  const text = written(e);
  if (text === null || odd) return JSON.stringify(e.data);
  return text;
}
