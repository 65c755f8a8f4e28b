// peer.order_book: limit add + cancel in our engine against nodejs-order-book, on books holding
// the same resting orders, measured alternately in the same process. Ours is CreateTraderOrder
// LIMIT that rests + CancelTraderOrder; theirs is limit() that rests + cancel(). Ops/s counts
// the adds and the cancels.
import { createRequire } from 'node:module';
import type * as Peer from 'nodejs-order-book/dist/types/index.js';
import { execute, type Command, type State } from '../../src/engine/index.js';
import { nsSince, round3, runsOf } from './measure.js';
import { result, type Result } from './report.js';
import { createdUuid, MID, priceTick, restingOrder, type Clock } from './workload.js';

// The package ships CommonJS with a broken "types" entry; load it by name and type it from its
// own declaration files.
const { OrderBook, Side } = createRequire(import.meta.url)('nodejs-order-book') as typeof Peer;

export const PEER = 'nodejs-order-book@10.1.1';

const hr = process.hrtime.bigint;

export interface PeerPlan {
  pairs: number;
  runs: number;
}

/**
 * `ours` is a market holding the resting book of workload.ts (orders 0 … resting − 1); the peer
 * book is loaded with the same orders first.
 */
export function benchPeer(plan: PeerPlan, ours: State, clock: Clock, resting: number): Result {
  const theirs = new OrderBook();
  for (let i = 0; i < resting; i++) {
    const p = restingOrder(i, 0).params;
    theirs.limit({ id: `rest-${i}`, side: p.position_type === 'LONG' ? Side.BUY : Side.SELL, size: 1 + (i % 10), price: p.entryprice });
  }
  if (theirs.depth()[0].length === 0) throw new Error('peer book did not take the resting orders');

  const ourRates: number[] = [];
  const theirRates: number[] = [];
  for (let run = -1; run < plan.runs; run++) {
    const tag = run < 0 ? 'warm' : String(run);
    const ourRate = runOurs(ours, ourProbes(tag, plan.pairs, clock));
    const theirRate = runTheirs(theirs, theirProbes(tag, plan.pairs));
    if (run >= 0) {
      ourRates.push(ourRate);
      theirRates.push(theirRate);
    }
  }
  const o = runsOf(ourRates);
  const t = runsOf(theirRates);
  return result(
    'peer.order_book',
    {
      ratio: round3(o.median / t.median),
      ops_per_s: Math.round(o.median),
      peer_ops_per_s: Math.round(t.median),
      peer: PEER,
      orders: ours.orders.size,
      peer_orders: resting,
      pairs_per_run: plan.pairs,
      runs: o.runs,
      spread_pct: Math.round(o.spread_pct * 10) / 10,
      peer_spread_pct: Math.round(t.spread_pct * 10) / 10,
    },
    { metric: 'ratio', op: '>=', value: 2 },
  );
}

/** Alternating LONG/SHORT limits inside the resting ranges (they rest), each followed by its cancel. */
function ourProbes(tag: string, pairs: number, clock: Clock): { fresh: Command; cmds: Command[] } {
  const fresh = priceTick(`probe-fresh-${tag}`, clock.tick(), MID);
  const base = clock.ts;
  const cmds: Command[] = new Array(pairs * 2);
  for (let i = 0; i < pairs; i++) {
    // 16 commands per millisecond of ts keeps the feed fresh (§6.1) without ticks in the stream
    const ts = base + (i >> 3);
    const r = restingOrder(i, ts, `probe-${tag}`);
    cmds[2 * i] = r;
    cmds[2 * i + 1] = {
      id: `${r.id}-cancel`,
      ts,
      type: 'CancelTraderOrder',
      params: { account_id: r.params.account_id, uuid: createdUuid(r.id), order_type: 'LIMIT', sltp_cancel: null },
    };
  }
  clock.ts = base + (pairs >> 3) + 1;
  return { fresh, cmds };
}

function runOurs(state: State, probes: { fresh: Command; cmds: Command[] }): number {
  execute(state, probes.fresh);
  const cmds = probes.cmds;
  const seq0 = state.seq;
  const closed0 = state.closed.size;
  const t0 = hr();
  for (let i = 0; i < cmds.length; i++) execute(state, cmds[i]!);
  const rate = cmds.length / (nsSince(t0) / 1e9);
  // one event per command and every probe order closed: each rested, then was cancelled
  if (state.seq - seq0 !== cmds.length || state.closed.size - closed0 !== cmds.length / 2) {
    throw new Error('a probe order did not rest or was not cancelled');
  }
  return rate;
}

type Limit = Parameters<Peer.OrderBook['limit']>[0];

function theirProbes(tag: string, pairs: number): Limit[] {
  const out: Limit[] = new Array(pairs);
  for (let i = 0; i < pairs; i++) {
    const p = restingOrder(i, 0).params;
    out[i] = { id: `probe-${tag}-${i}`, side: p.position_type === 'LONG' ? Side.BUY : Side.SELL, size: 1 + (i % 10), price: p.entryprice };
  }
  return out;
}

function runTheirs(ob: Peer.OrderBook, probes: readonly Limit[]): number {
  const t0 = hr();
  for (let i = 0; i < probes.length; i++) {
    const o = probes[i]!;
    ob.limit(o);
    ob.cancel(o.id);
  }
  const rate = (probes.length * 2) / (nsSince(t0) / 1e9);
  const check = ob.order(probes[probes.length - 1]!.id);
  if (check !== undefined) throw new Error('peer cancel did not remove the order');
  return rate;
}
