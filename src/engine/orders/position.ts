// §4.1–§4.5 position fields at an entry price, shared by market opens, resting limits and fills.
import { bankruptcyPrice, bankruptcyValue, entryValue, liquidationPrice, maintenanceMargin, positionSize, round } from '../math.js';
import type { State } from '../state.js';
import type { OpenOrderType, PositionType } from '../types.js';

interface PositionFields {
  positionsize: number;
  bankruptcy_price: number;
  bankruptcy_value: number;
  maintenance_margin: number;
  liquidation_price: number;
}

/** The open fee rate of an order by its stored order_type (§4.4 f). */
export function openRate(state: State, orderType: OpenOrderType): number {
  return orderType === 'MARKET' ? state.fees.order_filled_on_market : state.fees.order_filled_on_limit;
}

/** Fields of a position of `im` × `leverage` entered at `entry`; FR enters MM rounded (§11 Q1). */
export function positionFields(state: State, side: PositionType, im: number, leverage: number, entry: number, orderType: OpenOrderType): PositionFields {
  const ev = entryValue(im, leverage);
  const ps = positionSize(ev, entry);
  const bp = bankruptcyPrice(side, entry, leverage);
  const bv = bankruptcyValue(ps, bp);
  const mm = maintenanceMargin(state.params.mm_ratio, ev, openRate(state, orderType), bv, round(state.funding_rate));
  return {
    positionsize: ps,
    bankruptcy_price: bp,
    bankruptcy_value: bv,
    maintenance_margin: mm,
    liquidation_price: liquidationPrice(side, entry, ps, mm, im),
  };
}
