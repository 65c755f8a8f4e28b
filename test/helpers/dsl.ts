// A small given/when/then language over the engine (STYLE.md "Tests"). Every step goes through
// executeRaw with a JSON envelope, as a client would send it; ids and ts are assigned here
// (unique ids, ts one millisecond apart unless a test moves the clock), and after every step the
// state must pass validateState.
import assert from 'node:assert/strict';
import {
  emptyState,
  encodeState,
  executeRaw,
  validateState,
  type CommandType,
  type EnvelopeOf,
  type EventEnvelope,
  type EventType,
  type LendOrder,
  type Pool,
  type RejectedData,
  type State,
  type TraderOrder,
} from '../../src/engine/index.js';

/** 2024-01-01T00:00:00.000Z: the clock every scenario starts from. */
export const T0 = Date.UTC(2024, 0, 1);
export const ALICE = 'alice';

type Params = Record<string, unknown>;
type Lazy<T> = T | ((w: World) => T);

export interface Cmd {
  kind: 'cmd';
  type: CommandType | string;
  params: Lazy<Params>;
  id?: string;
  ts?: number;
}
export interface RawCmd {
  kind: 'raw';
  body: Lazy<unknown>;
  fallback: string;
}
export interface Wait {
  kind: 'wait';
  ms: number;
}
export type Step = Cmd | RawCmd | Wait;

const resolve = <T>(x: Lazy<T>, w: World): T => (typeof x === 'function' ? (x as (w: World) => T)(w) : x);

/** The engine state plus what a test needs to refer to orders by account. */
export class World {
  readonly state: State = emptyState();
  /** ts of the last command sent. */
  now = T0;
  private n = 0;
  private readonly traders = new Map<string, string>();
  private readonly lenders = new Map<string, string>();

  run(step: Step): EventEnvelope[] {
    if (step.kind === 'wait') {
      this.now += step.ms;
      return [];
    }
    const seqBefore = this.state.seq;
    let events: EventEnvelope[];
    let label: string;
    if (step.kind === 'raw') {
      label = `raw ${step.fallback}`;
      events = executeRaw(this.state, resolve(step.body, this), step.fallback);
    } else {
      const ts = step.ts ?? this.now + 1;
      this.now = ts;
      const id = step.id ?? `cmd-${++this.n}`;
      label = `${step.type} ${id}`;
      events = executeRaw(this.state, { v: 1, id, ts, type: step.type, params: resolve(step.params, this) }, `line:${this.n}`);
    }
    events.forEach((e, i) => {
      assert.equal(e.seq, seqBefore + i + 1, `${label}: event seqs must follow on`);
    });
    for (const e of events) this.remember(e);
    assert.deepEqual(validateState(this.state), [], `${label}: state invariants after the step`);
    return events;
  }

  private remember(e: EventEnvelope): void {
    if (e.type === 'TraderOrderOpened' || e.type === 'TraderOrderPending') {
      const o = e.data.order;
      this.traders.set(o.account_id, o.uuid);
      if (o.account_id === o.uuid) this.traders.set('account_id', o.uuid); // the §1 placeholder
    }
    if (e.type === 'LendOrderCreated') this.lenders.set(e.data.lend_order.account_id, e.data.lend_order.uuid);
  }

  /** uuid of the last trader order created for `acct`. */
  uuid(acct: string = ALICE): string {
    const u = this.traders.get(acct);
    if (u === undefined) throw new Error(`no trader order was created for ${acct}`);
    return u;
  }

  /** The live (PENDING or FILLED) trader order of `acct`. */
  order(acct: string = ALICE): TraderOrder {
    const o = this.state.orders.get(this.uuid(acct));
    if (o === undefined) throw new Error(`the order of ${acct} is not active`);
    return o;
  }

  isActive(acct: string = ALICE): boolean {
    return this.state.orders.has(this.uuid(acct));
  }

  lendUuid(acct: string = ALICE): string {
    const u = this.lenders.get(acct);
    if (u === undefined) throw new Error(`no lend order was created for ${acct}`);
    return u;
  }

  lendOrder(acct: string = ALICE): LendOrder | undefined {
    return this.state.lends.get(this.lendUuid(acct));
  }

  /** The keys held by one of the ten trigger indices (§5.1), ascending. */
  keys(index: keyof State['books']): number[] {
    return [...this.state.books[index].entries()].map((e) => e.key);
  }

  get pool(): Pool {
    assert.ok(this.state.pool !== null, 'the pool exists');
    return { ...this.state.pool };
  }

  /** Everything a command can change except the event counter and the remembered command ids. */
  fingerprint(): string {
    const lines = [...encodeState(this.state, false)].filter((l) => !l.startsWith('{"s":'));
    const header = JSON.parse(lines[0]!) as Record<string, unknown>;
    delete header['seq'];
    delete header['last_ts'];
    (header['counts'] as Record<string, unknown>)['seen'] = null;
    lines[0] = JSON.stringify(header);
    return lines.join('\n');
  }
}

export class Scenario {
  private events: EventEnvelope[] | null = null;
  private before = '';
  constructor(readonly world: World) {}

  when(step: Step): this {
    this.before = this.world.fingerprint();
    this.events = this.world.run(step);
    return this;
  }

  then(check: (events: EventEnvelope[], w: World) => void): this {
    assert.ok(this.events !== null, 'then() needs a when()');
    check(this.events, this.world);
    return this;
  }

  /** Exactly one Rejected event with this status and code, and nothing else changed. */
  thenRejected(status: RejectedData['status'], code: RejectedData['reason_code'], check?: (r: RejectedData, w: World) => void): this {
    return this.then((events, w) => {
      const r = rejection(events);
      assert.equal(r.status, status);
      assert.equal(r.reason_code, code);
      this.thenUnchanged();
      check?.(r, w);
    });
  }

  /** No order, pool, price, flag, fee or exposure changed in the last when(). */
  thenUnchanged(): this {
    assert.equal(this.world.fingerprint(), this.before, 'state changed');
    return this;
  }
}

export function given(...steps: Step[]): Scenario {
  const w = new World();
  for (const s of steps) w.run(s);
  return new Scenario(w);
}

// ---- event helpers ------------------------------------------------------------------------

export function types(events: readonly EventEnvelope[]): string[] {
  return events.map((e) => e.type);
}

export function all<K extends EventType>(events: readonly EventEnvelope[], type: K): EnvelopeOf<K>[] {
  return events.filter((e): e is EnvelopeOf<K> => e.type === type);
}

/** The single event of `type`; fails when there is none or more than one. */
export function only<K extends EventType>(events: readonly EventEnvelope[], type: K): EnvelopeOf<K> {
  const found = all(events, type);
  assert.equal(found.length, 1, `expected exactly one ${type} in [${types(events).join(', ')}]`);
  return found[0]!;
}

/** The data of the only event, which must be a Rejected. */
export function rejection(events: readonly EventEnvelope[]): RejectedData {
  assert.deepEqual(types(events), ['Rejected']);
  return only(events, 'Rejected').data;
}

export const near = (actual: number, expected: number, tol = 1e-4): void =>
  assert.ok(Math.abs(actual - expected) < tol, `${actual} is not within ${tol} of ${expected}`);

// ---- step builders ------------------------------------------------------------------------

export const cmd = (type: CommandType | string, params: Lazy<Params> = {}): Cmd => ({ kind: 'cmd', type, params });
export const withId = (id: string, c: Cmd): Cmd => ({ ...c, id });
export const at = (ts: number, c: Cmd): Cmd => ({ ...c, ts });
/** Moves the clock without sending anything. */
export const wait = (ms: number): Wait => ({ kind: 'wait', ms });
/** A raw decoded JSON value sent as a whole envelope. */
export const raw = (body: Lazy<unknown>, fallback = 'line:1'): RawCmd => ({ kind: 'raw', body, fallback });

export const pool = (p: Params = {}): Cmd => cmd('InitPool', p);
export const price = (p: number): Cmd => cmd('PriceTick', { price: p, source: 'test' });
export const tick = price;
export const heartbeat = (): Cmd => cmd('Heartbeat');
export const funding = (): Cmd => cmd('FundingCycle');
export const snapshot = (): Cmd => cmd('Snapshot');

interface OpenOpts {
  im: number;
  lev: number;
  acct?: string;
  sltp?: { sl?: number | null; tp?: number | null };
}

function open(side: 'LONG' | 'SHORT', orderType: 'MARKET' | 'LIMIT', o: OpenOpts, entry = 0): Cmd {
  const body: Params = {
    account_id: o.acct ?? ALICE,
    position_type: side,
    order_type: orderType,
    leverage: o.lev,
    initial_margin: o.im,
    available_margin: o.im,
    order_status: 'PENDING',
    entryprice: entry,
    execution_price: 0,
  };
  if (o.sltp === undefined) return cmd('CreateTraderOrder', body);
  return cmd('CreateTraderOrderSlTp', { ...body, sltp: { sl: o.sltp.sl ?? null, tp: o.sltp.tp ?? null } });
}

export const marketLong = (o: OpenOpts): Cmd => open('LONG', 'MARKET', o);
export const marketShort = (o: OpenOpts): Cmd => open('SHORT', 'MARKET', o);
export const limitLong = (o: OpenOpts & { at: number }): Cmd => open('LONG', 'LIMIT', o, o.at);
export const limitShort = (o: OpenOpts & { at: number }): Cmd => open('SHORT', 'LIMIT', o, o.at);
/** A CreateTraderOrder with a hand-written body (odd values, missing fields). */
export const createOrder = (body: Params, type = 'CreateTraderOrder'): Cmd => cmd(type, { account_id: ALICE, ...body });

/** Which order a request names: `acct`'s order (or `uuid`), requested by `by` (default: the owner). */
interface Ref {
  acct?: string;
  by?: string;
  uuid?: string;
}
const refOf = (r: Ref, w: World): Params => ({ account_id: r.by ?? r.acct ?? ALICE, uuid: r.uuid ?? w.uuid(r.acct ?? ALICE) });

export const close = (r: Ref & { type?: string; at?: number } = {}): Cmd =>
  cmd('ExecuteTraderOrder', (w) => ({
    ...refOf(r, w),
    order_type: r.type ?? 'MARKET',
    settle_margin: 0,
    order_status: 'FILLED',
    execution_price: r.at ?? 0,
  }));
export const closeLimit = (at: number, r: Ref = {}): Cmd => close({ ...r, type: 'LIMIT', at });
/** ExecuteTraderOrderSlTp: set (or trigger) stop-loss / take-profit legs. */
export const setSlTp = (legs: { sl?: number | null; tp?: number | null }, r: Ref & { type?: string } = {}): Cmd =>
  cmd('ExecuteTraderOrderSlTp', (w) => ({
    ...refOf(r, w),
    order_type: r.type ?? 'SLTP',
    settle_margin: 0,
    order_status: 'FILLED',
    execution_price: 0,
    sltp: { sl: legs.sl ?? null, tp: legs.tp ?? null },
  }));
export const cancel = (r: Ref & { type?: string } = {}): Cmd =>
  cmd('CancelTraderOrder', (w) => ({ ...refOf(r, w), order_type: r.type ?? 'LIMIT', order_status: 'PENDING' }));
export const cancelSlTp = (flags: { sl?: boolean; tp?: boolean } | null, r: Ref & { type?: string } = {}): Cmd =>
  cmd('CancelTraderOrderSlTp', (w) => ({
    ...refOf(r, w),
    order_type: r.type ?? 'SLTP',
    order_status: 'FILLED',
    ...(flags === null ? {} : { sltp_cancel: flags }),
  }));

export const lend = (o: { deposit: number; acct?: string }): Cmd =>
  cmd('CreateLendOrder', { account_id: o.acct ?? ALICE, balance: 10, order_type: 'LEND', order_status: 'PENDING', deposit: o.deposit });
export const withdraw = (r: Ref = {}): Cmd =>
  cmd('ExecuteLendOrder', (w) => ({
    account_id: r.by ?? r.acct ?? ALICE,
    uuid: r.uuid ?? w.lendUuid(r.acct ?? ALICE),
    order_type: 'LEND',
    settle_withdraw: 100,
    order_status: 'PENDING',
    poolshare_price: 1.5,
  }));

/** SPEC §4 default fee rates, in percent. */
export const SPEC_FEES = { order_filled_on_market: 0.04, order_filled_on_limit: 0.02, order_settled_on_market: 0.04, order_settled_on_limit: 0.02 };
export const fees = (f: Partial<typeof SPEC_FEES>): Cmd => cmd('UpdateFees', { ...SPEC_FEES, ...f });
export const halt = (p: Params = {}): Cmd => cmd('SetMarketHalt', { enabled: true, ...p });
export const unhalt = (p: Params = {}): Cmd => cmd('SetMarketHalt', { enabled: false, ...p });
export const closeOnly = (enabled = true): Cmd => cmd('SetMarketCloseOnly', { enabled });
export const pauseFunding = (enabled = true): Cmd => cmd('SetPauseFunding', { enabled });
export const pauseFeed = (enabled = true): Cmd => cmd('SetPausePriceFeed', { enabled });
export const riskParams = (p: Params): Cmd => cmd('UpdateRiskParams', p);
export const recalc = (): Cmd => cmd('RecalculateRiskState');
export const priceCheck = (p: number, phases: Params = {}): Cmd => cmd('TriggerPriceCheck', { price: p, ...phases });
