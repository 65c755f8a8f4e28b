// Workload generator: a market set up for load (big pool, loosened risk limits, a price), a book
// of resting limit orders far from the price, and the mixed command stream of engine.mixed.
// The mixed stream is generated with the engine in the loop (a scratch state answers "what does
// this account hold now?"), so every command is one a real client could send at that moment;
// replaying the list on a market that differs only by orders the stream never reaches (the
// resting book) reproduces the same events.
import { emptyState, execute, type Command, type CommandOf, type PositionType, type State } from '../../src/engine/index.js';
import { mintedUuid } from '../../src/engine/util/uuid.js';

/** 2026-01-01T00:00:00Z: the ts of the first command of every prepared state. */
export const T0 = 1_767_225_600_000;

/** The price the market is prepared at; resting orders sit ≥ 5 000 USD away from it. */
export const MID = 60_000;

/** Deterministic PRNG (mulberry32), so every run and every peer sees the same numbers. */
export class Rng {
  constructor(private s: number) {}

  next(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
}

/** The only clock of the engine is the command ts: one millisecond per command. */
export class Clock {
  constructor(public ts = T0) {}
  tick(): number {
    return this.ts++;
  }
}

export function priceTick(id: string, ts: number, price: number): CommandOf<'PriceTick'> {
  return { id, ts, type: 'PriceTick', params: { price, source: null, feed_ts: null } };
}

/** Pool of 1e15 sats, limits loosened so that opens pass the §6.2 checks, price MID. */
export function setupCommands(clock: Clock): Command[] {
  return [
    { id: 'setup-pool', ts: clock.tick(), type: 'InitPool', params: { total_locked_value: 1e15, total_pool_share: 1e8, account_id: 'operator' } },
    { id: 'setup-risk', ts: clock.tick(), type: 'UpdateRiskParams', params: { max_oi_mult: 1e6, max_net_mult: 1e6, max_position_pct: 1, max_leverage: 50 } },
    priceTick('setup-price', clock.tick(), MID),
  ];
}

/** The i-th resting order: LONG limits in [40 000, 55 000), SHORT limits in (65 000, 80 000]. */
export function restingOrder(i: number, ts: number, prefix = 'rest'): CommandOf<'CreateTraderOrder'> {
  const h = Math.imul(i + 1, 0x9e3779b1) >>> 0;
  const long = (i & 1) === 0;
  return {
    id: `${prefix}-${i}`,
    ts,
    type: 'CreateTraderOrder',
    params: {
      account_id: `${prefix}-acc-${i}`,
      position_type: long ? 'LONG' : 'SHORT',
      order_type: 'LIMIT',
      leverage: 1 + (h % 20),
      initial_margin: 10_000 + (h % 90_000),
      entryprice: long ? 40_000 + (h % 15_000) : 80_000 - (h % 15_000),
      execution_price: 0,
      sltp: null,
    },
  };
}

/** Heartbeat ticks at an unchanged price keep the feed fresh (§6.1 stale after 30 s of ts). */
const FRESH_EVERY = 10_000;

/** A state with the market set up and `orders` resting limit orders (every one asserted PENDING). */
export function preparedState(orders: number, clock: Clock): State {
  const state = emptyState();
  for (const c of setupCommands(clock)) expectEvent(execute(state, c), c);
  for (let i = 0; i < orders; i++) {
    if (i % FRESH_EVERY === FRESH_EVERY - 1) execute(state, priceTick(`rest-fresh-${i}`, clock.tick(), MID));
    const c = restingOrder(i, clock.tick());
    const ev = execute(state, c);
    if (ev.length !== 1 || ev[0]!.type !== 'TraderOrderPending') throw new Error(`resting order ${c.id} did not rest: ${JSON.stringify(ev[0])}`);
  }
  return state;
}

function expectEvent(events: readonly { type: string; data: unknown }[], c: Command): void {
  const bad = events.find((e) => e.type === 'Rejected' || e.type === 'Error');
  if (bad !== undefined) throw new Error(`setup command ${c.id} refused: ${JSON.stringify(bad.data)}`);
}

/** What the mixed stream is made of (counted while generating). */
export type OpKind =
  | 'tick'
  | 'open_market'
  | 'open_market_sltp'
  | 'open_limit'
  | 'open_limit_sltp'
  | 'cancel_pending'
  | 'close_market'
  | 'close_limit'
  | 'place_sltp'
  | 'cancel_close_limit'
  | 'lend_deposit'
  | 'lend_withdraw';

export interface MixedOptions {
  /** Trader accounts that take part in the stream (besides the resting book). */
  traders: number;
  /** Lender accounts. */
  lenders: number;
  seed: number;
}

export const MIXED_DEFAULTS: MixedOptions = { traders: 5_000, lenders: 1_000, seed: 7 };

const P_TICK = 0.05;
const P_LEND = 0.06;
const MAX_TICK_GAP = 2_000;

/**
 * Produces the mixed stream segment by segment against its own scratch state, which must match
 * the market the stream is replayed on in everything the stream can reach (setup, price, clock).
 */
export class MixedGenerator {
  readonly counts = new Map<OpKind, number>();
  /** Rejected events seen while generating (a realistic stream is mostly accepted). */
  rejected = 0;
  private readonly rng: Rng;
  private price = MID;
  private sinceTick = 0;
  private n = 0;

  constructor(
    readonly state: State,
    private readonly clock: Clock,
    private readonly opt: MixedOptions = MIXED_DEFAULTS,
  ) {
    this.rng = new Rng(opt.seed);
  }

  /** The next `count` commands, each already executed on the scratch state. */
  segment(count: number): Command[] {
    const out: Command[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const c = this.next();
      const events = execute(this.state, c);
      for (let e = 0; e < events.length; e++) if (events[e]!.type === 'Rejected') this.rejected++;
      out[i] = c;
    }
    return out;
  }

  /** seq of the scratch state: a replay of the same commands must end at the same seq. */
  get seq(): number {
    return this.state.seq;
  }

  private count(k: OpKind): void {
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  private next(): Command {
    const r = this.rng.next();
    this.sinceTick++;
    if (r < P_TICK || this.sinceTick >= MAX_TICK_GAP) return this.tick();
    if (r < P_TICK + P_LEND) return this.lend();
    return this.trade();
  }

  private id(): string {
    return `m${this.n++}`;
  }

  /** Mean-reverting walk around MID in cents; wide enough to fire limits, legs and high-leverage liquidations. */
  private tick(): Command {
    this.sinceTick = 0;
    this.count('tick');
    const step = (this.rng.next() - 0.5) * 120 + (MID - this.price) * 0.01;
    this.price = Math.min(MID + 2_500, Math.max(MID - 2_500, Math.round((this.price + step) * 100) / 100));
    return priceTick(this.id(), this.clock.tick(), this.price);
  }

  private lend(): Command {
    const account = `lender-${this.rng.int(0, this.opt.lenders - 1)}`;
    const uuid = this.state.lend_by_account.get(account);
    const ts = this.clock.tick();
    if (uuid !== undefined) {
      this.count('lend_withdraw');
      return { id: this.id(), ts, type: 'ExecuteLendOrder', params: { account_id: account, uuid } };
    }
    this.count('lend_deposit');
    return { id: this.id(), ts, type: 'CreateLendOrder', params: { account_id: account, deposit: this.rng.int(1e8, 1e9), balance: 0 } };
  }

  private trade(): Command {
    const rng = this.rng;
    const account = `trader-${rng.int(0, this.opt.traders - 1)}`;
    const uuid = this.state.trader_by_account.get(account);
    const o = uuid === undefined ? undefined : this.state.orders.get(uuid);
    const ts = this.clock.tick();
    const id = this.id();
    const p = this.state.price!;
    if (o === undefined) return this.open(id, ts, account, p);
    if (o.order_status === 'PENDING') {
      this.count('cancel_pending');
      return { id, ts, type: 'CancelTraderOrder', params: { account_id: account, uuid: o.uuid, order_type: 'LIMIT', sltp_cancel: null } };
    }
    const long = o.position_type === 'LONG';
    const away = (lo: number, hi: number): number => rng.int(lo, hi);
    const r = rng.next();
    if (o.close_limit_price !== null && r < 0.3) {
      this.count('cancel_close_limit');
      return { id, ts, type: 'CancelTraderOrder', params: { account_id: account, uuid: o.uuid, order_type: 'LIMIT', sltp_cancel: null } };
    }
    if (r < 0.55) {
      this.count('close_market');
      return { id, ts, type: 'ExecuteTraderOrder', params: { account_id: account, uuid: o.uuid, order_type: 'MARKET', execution_price: 0, sltp: null } };
    }
    if (r < 0.78) {
      this.count('close_limit');
      const price = long ? p + away(50, 600) : p - away(50, 600);
      return { id, ts, type: 'ExecuteTraderOrder', params: { account_id: account, uuid: o.uuid, order_type: 'LIMIT', execution_price: price, sltp: null } };
    }
    this.count('place_sltp');
    const sl = long ? p - away(100, 1_200) : p + away(100, 1_200);
    const tp = long ? p + away(100, 1_200) : p - away(100, 1_200);
    return {
      id,
      ts,
      type: 'ExecuteTraderOrderSlTp',
      params: { account_id: account, uuid: o.uuid, order_type: 'SLTP', execution_price: 0, sltp: { sl, tp } },
    };
  }

  private open(id: string, ts: number, account: string, p: number): Command {
    const rng = this.rng;
    const side: PositionType = rng.next() < 0.5 ? 'LONG' : 'SHORT';
    const long = side === 'LONG';
    const leverage = rng.int(1, 50);
    const initial_margin = rng.int(10_000, 1_000_000);
    const withLegs = rng.next() < 0.3;
    if (rng.next() < 0.5) {
      this.count(withLegs ? 'open_market_sltp' : 'open_market');
      const sltp = withLegs ? legsAround(rng, side, p) : null;
      return {
        id,
        ts,
        type: withLegs ? 'CreateTraderOrderSlTp' : 'CreateTraderOrder',
        params: { account_id: account, position_type: side, order_type: 'MARKET', leverage, initial_margin, entryprice: 0, execution_price: 0, sltp },
      };
    }
    this.count(withLegs ? 'open_limit_sltp' : 'open_limit');
    const entry = long ? p - rng.int(20, 500) : p + rng.int(20, 500);
    const sltp = withLegs ? legsAround(rng, side, entry) : null;
    return {
      id,
      ts,
      type: withLegs ? 'CreateTraderOrderSlTp' : 'CreateTraderOrder',
      params: { account_id: account, position_type: side, order_type: 'LIMIT', leverage, initial_margin, entryprice: entry, execution_price: 0, sltp },
    };
  }
}

/** Valid legs around reference price r: LONG sl < r < tp, SHORT tp < r < sl. */
function legsAround(rng: Rng, side: PositionType, r: number): { sl: number; tp: number } {
  const a = rng.int(200, 1_500);
  const b = rng.int(200, 1_500);
  return side === 'LONG' ? { sl: r - a, tp: r + b } : { sl: r + a, tp: r - b };
}

/**
 * The command as a client sends it on the wire (`relayer exec` input): the envelope plus the
 * request body of SPEC §2, ignored fields included.
 */
export function toWire(c: Command): string {
  let params: Record<string, unknown>;
  switch (c.type) {
    case 'CreateTraderOrder':
    case 'CreateTraderOrderSlTp': {
      const p = c.params;
      params = {
        account_id: p.account_id,
        position_type: p.position_type,
        order_type: p.order_type,
        leverage: p.leverage,
        initial_margin: p.initial_margin,
        available_margin: p.initial_margin,
        order_status: 'PENDING',
        entryprice: p.entryprice,
        execution_price: p.execution_price,
      };
      if (c.type === 'CreateTraderOrderSlTp') params['sltp'] = p.sltp;
      break;
    }
    case 'ExecuteTraderOrder':
    case 'ExecuteTraderOrderSlTp': {
      const p = c.params;
      params = {
        account_id: p.account_id,
        uuid: p.uuid,
        order_type: p.order_type,
        settle_margin: 0,
        order_status: 'FILLED',
        execution_price: p.execution_price,
      };
      if (c.type === 'ExecuteTraderOrderSlTp') params['sltp'] = p.sltp;
      break;
    }
    case 'CancelTraderOrder':
    case 'CancelTraderOrderSlTp':
      params = { account_id: c.params.account_id, uuid: c.params.uuid, order_type: c.params.order_type, order_status: 'PENDING' };
      break;
    case 'CreateLendOrder':
      params = { account_id: c.params.account_id, balance: c.params.balance, order_type: 'LEND', order_status: 'PENDING', deposit: c.params.deposit };
      break;
    case 'ExecuteLendOrder':
      params = { account_id: c.params.account_id, uuid: c.params.uuid, order_type: 'LEND', settle_withdraw: 0, order_status: 'FILLED', poolshare_price: 0 };
      break;
    case 'PriceTick':
      params = { price: c.params.price };
      break;
    default:
      params = c.params as Record<string, unknown>;
  }
  return JSON.stringify({ v: 1, id: c.id, ts: c.ts, type: c.type, params });
}

/** The uuid a CreateTraderOrder with this id mints when accepted (§12). */
export function createdUuid(commandId: string): string {
  return mintedUuid(commandId, 0);
}

/**
 * Closes every position and cancels every resting order that is not part of the resting book
 * (prefix `rest-acc-`), so a later scenario sees the book alone; returns how many it closed.
 */
export function flatten(state: State, clock: Clock): number {
  execute(state, priceTick(`flatten-fresh-${clock.ts}`, clock.tick(), MID));
  const live = [...state.orders.values()].filter((o) => !o.account_id.startsWith('rest-acc-'));
  for (const o of live) {
    const ts = clock.tick();
    const id = `flatten-${ts}`;
    const events =
      o.order_status === 'PENDING'
        ? execute(state, { id, ts, type: 'CancelTraderOrder', params: { account_id: o.account_id, uuid: o.uuid, order_type: 'LIMIT', sltp_cancel: null } })
        : execute(state, {
            id,
            ts,
            type: 'ExecuteTraderOrder',
            params: { account_id: o.account_id, uuid: o.uuid, order_type: 'MARKET', execution_price: 0, sltp: null },
          });
    if (events[0]!.type === 'Rejected') throw new Error(`could not close ${o.uuid}: ${JSON.stringify(events[0]!.data)}`);
  }
  return live.length;
}
