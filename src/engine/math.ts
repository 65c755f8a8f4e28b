// The formulas of SPEC.md §1, §4 and §7, one small function each, evaluated exactly as written
// (left to right, parentheses as shown) so that replays are byte-identical.
import type { PositionType } from './types.js';

/** §1 round: half away from zero; never returns -0. */
export function round(x: number): number {
  const r = x < 0 ? -Math.round(-x) : Math.round(x);
  return r === 0 ? 0 : r;
}

/** §1 trunc toward zero; never returns -0. */
export function trunc(x: number): number {
  const r = Math.trunc(x);
  return r === 0 ? 0 : r;
}

/** §5.1 index key: trunc(price × 10⁴). */
export function indexKey(price: number): number {
  return trunc(price * 10_000);
}

/** §4 side scalar s: LONG −1, SHORT +1. */
export function sideScalar(side: PositionType): number {
  return side === 'LONG' ? -1 : 1;
}

/** §4.1 entry value EV = IM × L. */
export function entryValue(im: number, leverage: number): number {
  return im * leverage;
}

/** §4.1 position size PS = EV × E. */
export function positionSize(ev: number, entry: number): number {
  return ev * entry;
}

/** §4.2 fee(f, PS, X) = max(1, ((f / 100) × PS) / X). */
export function fee(ratePct: number, ps: number, x: number): number {
  return Math.max(1, ((ratePct / 100) * ps) / x);
}

/** §4.3 bankruptcy price. */
export function bankruptcyPrice(side: PositionType, entry: number, leverage: number): number {
  if (side === 'LONG') return (entry * leverage) / (leverage + 1);
  return leverage > 1 ? (entry * leverage) / (leverage - 1) : 0;
}

/** §4.3 bankruptcy value BV = PS / BP. */
export function bankruptcyValue(ps: number, bp: number): number {
  return bp > 0 ? ps / bp : 0;
}

/** §4.4 maintenance margin MM = ((mm_ratio × EV) + (f × BV) + (FR × BV)) / 100. */
export function maintenanceMargin(mmRatio: number, ev: number, feeRatePct: number, bv: number, fundingRate: number): number {
  return (mmRatio * ev + feeRatePct * bv + fundingRate * bv) / 100;
}

/**
 * §4.5 liquidation price: liq = (E × PS) / (((s × E) × (MM − IM)) + PS); 0 if E or PS is 0.
 * Also 0 when the formula has no positive finite value (e.g. a 1× SHORT with mm_ratio 0): such a
 * position has no price that liquidates it (docs/decisions.md D18).
 */
export function liquidationPrice(side: PositionType, entry: number, ps: number, mm: number, im: number): number {
  if (entry === 0 || ps === 0) return 0;
  const liq = (entry * ps) / (sideScalar(side) * entry * (mm - im) + ps);
  return Number.isFinite(liq) && liq > 0 ? liq : 0;
}

/** The liquidation index key of a position, or null when it has no liquidation price. */
export function liquidationKey(liq: number): number | null {
  return liq > 0 ? indexKey(liq) : null;
}

/** §4.6 unrealized PnL at price X. */
export function unrealizedPnl(side: PositionType, ps: number, entry: number, x: number): number {
  if (entry <= 0 || x <= 0) return 0;
  return side === 'LONG' ? (ps * (x - entry)) / (entry * x) : (ps * (entry - x)) / (entry * x);
}

/** §4.8 funding rate from summed long/short position sizes (ψ = 1). */
export function fundingRate(longPs: number, shortPs: number): number {
  const t = longPs + shortPs;
  const fr = t === 0 ? 0 : ((longPs - shortPs) / t) ** 2 / (1 * 8);
  const signed = longPs <= shortPs ? -fr : fr;
  return signed === 0 ? 0 : signed;
}

/** §4.8 funding payment of one position: pay = (FR × PS) / (P × 100). */
export function fundingPayment(fr: number, ps: number, price: number): number {
  return (fr * ps) / (price * 100);
}

/** §7 shares minted for a deposit: round((TPS0 × D) / TLV0). */
export function mintPoolShares(tps: number, deposit: number, tlv: number): number {
  return round((tps * deposit) / tlv);
}
