// SPEC §15 pool solvency: traders' net unrealized PnL per side from the running sums, the O(1) cap
// check after a tick, and auto-deleveraging (ranked ADL settlements) when a side exceeds the cap.
import type { Ctx } from '../ctx.js';
import { unrealizedPnl } from '../math.js';
import { settle } from '../orders/settle.js';
import type { State } from '../state.js';
import { liqBook } from '../triggers/books.js';
import type { PositionType, RiskParams, TraderOrder } from '../types.js';

/** `max_pnl_factor`, 0 (off) when never set. */
export function pnlCap(params: RiskParams): number {
  return params.max_pnl_factor ?? 0;
}

/** `adl_target_factor`, 0 when never set. */
export function adlTarget(params: RiskParams): number {
  return params.adl_target_factor ?? 0;
}

/**
 * §15 Π_side at price P from the §6.1 exposure totals and the §4.8 PS log, exactly as written:
 * `Π_long = total_long_btc − LS / P`, `Π_short = SS / P − total_short_btc`.
 */
export function tradersPnl(state: State, side: PositionType, p: number): number {
  return side === 'LONG' ? state.risk.total_long_btc - state.ps_long / p : state.ps_short / p - state.risk.total_short_btc;
}

/** Whether Π_side at P is above `factor × tlv` (strictly: equality is within the cap). */
function above(state: State, side: PositionType, p: number, factor: number, tlv: number): boolean {
  return tradersPnl(state, side, p) > factor * tlv;
}

/** §15 withdrawal rule: with the cap on, would a pool of `tlvAfter` leave either side above it? */
export function withdrawalBreaksCap(state: State, tlvAfter: number): boolean {
  const cap = pnlCap(state.params);
  const p = state.price;
  if (cap <= 0 || p === null) return false;
  return above(state, 'LONG', p, cap, tlvAfter) || above(state, 'SHORT', p, cap, tlvAfter);
}

/** §15 check after the tick phases at P: LONG then SHORT; O(1) unless a side is over the cap. */
export function adlCheck(ctx: Ctx, p: number): void {
  const state = ctx.state;
  const cap = pnlCap(state.params);
  if (cap <= 0 || state.pool === null) return;
  for (const side of SIDES) {
    if (above(state, side, p, cap, state.pool.total_locked_value)) deleverage(ctx, side, p);
  }
}

const SIDES: readonly PositionType[] = ['LONG', 'SHORT'];

/**
 * AdlTriggered, then the side's profitable positions settled in rank order as market closes at P
 * until Π_side ≤ adl_target_factor × TLV, recomputed before each settlement (docs/decisions.md D102).
 */
function deleverage(ctx: Ctx, side: PositionType, p: number): void {
  const state = ctx.state;
  const cap = pnlCap(state.params);
  const target = adlTarget(state.params);
  ctx.emit('AdlTriggered', {
    side,
    traders_pnl: tradersPnl(state, side, p),
    tlv: state.pool!.total_locked_value,
    max_pnl_factor: cap,
    adl_target_factor: target,
  });
  for (const o of adlRanking(state, side, p)) {
    if (!above(state, side, p, target, state.pool!.total_locked_value)) return;
    settle(ctx, o, p, state.fees.order_settled_on_market, 'ADL', 'ADL');
  }
}

interface Ranked {
  o: TraderOrder;
  score: number;
}

/** FILLED positions of `side` with uPnL(P) > 0, by uPnL(P) / IM descending, ties entry_sequence ascending. */
function adlRanking(state: State, side: PositionType, p: number): TraderOrder[] {
  const ranked: Ranked[] = [];
  for (const o of positionsOf(state, side)) {
    if (o.order_status !== 'FILLED' || o.position_type !== side) continue;
    const upnl = unrealizedPnl(side, o.positionsize, o.entryprice, p);
    if (upnl > 0) ranked.push({ o, score: upnl / o.initial_margin });
  }
  ranked.sort((a, b) => b.score - a.score || a.o.entry_sequence - b.o.entry_sequence);
  return ranked.map((r) => r.o);
}

/**
 * The side's FILLED positions, in any order (the ranking sorts them). Every FILLED order with a
 * liquidation price above 0 is in its side's liquidation book, so when the two books together hold
 * as many entries as there are FILLED orders, the side's book is the side's positions and the
 * resting orders need not be walked (D262); otherwise (a position without a liquidation key) every
 * active order is read.
 */
function positionsOf(state: State, side: PositionType): Iterable<TraderOrder> {
  const b = state.books;
  if (b.liq_long.size + b.liq_short.size === state.filled_count) return liqBook(b, side).values();
  return state.orders.values();
}
