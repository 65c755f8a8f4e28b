// Generators for property tests of the engine: fast-check produces abstract *steps*, and a Driver
// turns each step into a raw command envelope (DESIGN §3) at run time. Steps name orders by
// reference numbers, not uuids, because uuids only exist once the engine has emitted the events
// that mint them (SPEC §12); the Driver learns uuids, prices and trigger levels from those events.
// Everything here is deterministic given the steps, so a run can be repeated byte for byte.
import fc from 'fast-check';
import type { EventEnvelope } from '../../src/engine/index.js';

// ─── abstract steps ──────────────────────────────────────────────────────────────────────────

export type Side = 'LONG' | 'SHORT';

/** A stop-loss / take-profit leg, as a distance from the reference price R (§2.1 rule 5). */
interface LegSpec {
  /** USD away from R; 0 puts the leg exactly on R (invalid at open: the rule is strict). */
  off: number;
  /** true puts the leg on the wrong side of R (invalid at open, crossed at close). */
  flip: boolean;
  /** An absolute nonsense price (0, negative) instead of the offset. */
  raw: number | null;
}
export interface LegsSpec {
  sl: LegSpec | null;
  tp: LegSpec | null;
}

export type LevelKind = 'liq' | 'entry' | 'sl' | 'tp' | 'close';

type TickMode = 'walk' | 'jump' | 'level' | 'frac' | 'far' | 'bad';

export interface PriceMove {
  mode: TickMode;
  /** USD moved by walk / jump / frac, or offset from the level for level. */
  delta: number;
  level: LevelKind;
  ref: number;
}

export type StepBody =
  | { k: 'init'; tlv: number | null; tps: number | null; account: string | null }
  | { k: 'tick'; move: PriceMove; source: boolean }
  | { k: 'heartbeat'; asTick: boolean }
  | {
      k: 'open';
      variant: 'plain' | 'sltp' | 'nested';
      side: Side;
      otype: 'MARKET' | 'LIMIT' | 'DARK' | 'SLTP';
      lev: number;
      im: number;
      entryOff: number;
      entryBad: boolean;
      legs: LegsSpec | null;
      acct: number;
      placeholder: boolean;
    }
  | {
      k: 'close';
      variant: 'plain' | 'sltp' | 'nested';
      otype: 'MARKET' | 'LIMIT' | 'SLTP' | 'DARK';
      ref: number;
      ghost: boolean;
      wrong: boolean;
      priceOff: number;
      badPrice: boolean;
      legs: LegsSpec | null;
    }
  | {
      k: 'cancel';
      variant: 'plain' | 'sltp';
      otype: 'LIMIT' | 'SLTP' | 'MARKET' | null;
      ref: number;
      ghost: boolean;
      wrong: boolean;
      flags: { sl: boolean; tp: boolean } | null;
    }
  | { k: 'lend'; acct: number; deposit: number; placeholder: boolean }
  | { k: 'withdraw'; ref: number; ghost: boolean; wrong: boolean }
  | { k: 'funding' }
  | { k: 'snapshot' }
  | { k: 'recalc' }
  | { k: 'fees'; rates: [number, number, number, number]; drop: boolean }
  | {
      k: 'halt';
      enabled: boolean;
      cancelPending: boolean;
      cancelSettling: boolean;
      pauseFunding: boolean | null;
      pausePrice: boolean | null;
      exit: boolean;
    }
  | { k: 'flag'; which: 'SetMarketCloseOnly' | 'SetPauseFunding' | 'SetPausePriceFeed'; enabled: boolean }
  | { k: 'risk'; params: Partial<Record<RiskKey, number>> }
  /** §15 PnL cap and ADL target (UpdateRiskParams); the target is sometimes ≥ the cap (refused). */
  | { k: 'cap'; max: number; target: number }
  | {
      k: 'check';
      move: PriceMove;
      phases: { check_pending_limit?: boolean; check_liquidation?: boolean; check_settling_limit?: boolean };
    }
  | { k: 'malformed'; kind: MalformedKind; ref: number };

export type MalformedKind =
  | 'no-id'
  | 'empty-id'
  | 'long-id'
  | 'number-id'
  | 'float-ts'
  | 'string-ts'
  | 'unknown-type'
  | 'params-array'
  | 'not-object'
  | 'bad-version'
  | 'hex-body'
  | 'nan-price'
  | 'infinite-margin'
  | 'bad-side'
  | 'bad-bool';

type RiskKey = 'max_oi_mult' | 'max_net_mult' | 'max_position_pct' | 'min_position_btc' | 'max_leverage' | 'mm_ratio';

/** One step: how far the clock moves, whether the id repeats an earlier one, and the command. */
export interface Step {
  gap: number;
  dup: number | null;
  body: StepBody;
}

// ─── arbitraries ─────────────────────────────────────────────────────────────────────────────

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });

/** null one time in `freq`, else a value of `arb`. */
const opt = <T>(arb: fc.Arbitrary<T>, freq: number): fc.Arbitrary<T | null> => fc.option(arb, { freq, nil: null });

/** Clock gaps: mostly sub-second to seconds; sometimes > 30 s (stale feed, §6.1); rarely an hour or 8 days (dedupe window). */
const gapArb: fc.Arbitrary<number> = fc.oneof(
  w(3, fc.constant(0)),
  w(60, fc.integer({ min: 1, max: 3_000 })),
  w(3, fc.integer({ min: 4_001, max: 29_999 })),
  w(1, fc.constantFrom(30_000, 30_001)),
  w(1, fc.integer({ min: 30_002, max: 180_000 })),
  w(1, fc.constant(3_600_000)),
  w(1, fc.constant(8 * 24 * 3_600_000)),
);

const legArb: fc.Arbitrary<LegSpec> = fc.record({
  off: fc.oneof(w(1, fc.constant(0)), w(8, fc.integer({ min: 1, max: 3_000 })), w(2, fc.integer({ min: 3_001, max: 15_000 }))),
  flip: fc.oneof(w(5, fc.constant(false)), w(1, fc.constant(true))),
  raw: fc.oneof(w(12, fc.constant(null)), w(1, fc.constantFrom(0, -100))),
});

const legsArb: fc.Arbitrary<LegsSpec> = fc.record({
  sl: opt(legArb, 3),
  tp: opt(legArb, 3),
});

const levelArb: fc.Arbitrary<LevelKind> = fc.constantFrom('liq', 'entry', 'sl', 'tp', 'close');

const priceMoveArb: fc.Arbitrary<PriceMove> = fc.oneof(
  w(10, fc.record({ mode: fc.constant<TickMode>('walk'), delta: fc.integer({ min: -400, max: 400 }), level: levelArb, ref: fc.nat() })),
  w(
    3,
    fc.record({
      mode: fc.constant<TickMode>('jump'),
      delta: fc.oneof(fc.integer({ min: -12_000, max: -1_000 }), fc.integer({ min: 1_000, max: 12_000 })),
      level: levelArb,
      ref: fc.nat(),
    }),
  ),
  w(
    8,
    fc.record({
      mode: fc.constant<TickMode>('level'),
      delta: fc.oneof(w(3, fc.constant(0)), w(4, fc.integer({ min: -40, max: 40 })), w(1, fc.constantFrom(-0.5, 0.5, 0.49))),
      level: levelArb,
      ref: fc.nat(),
    }),
  ),
  w(2, fc.record({ mode: fc.constant<TickMode>('frac'), delta: fc.constantFrom(0.5, -0.5, 0.4999, 0.25, 1.5), level: levelArb, ref: fc.nat() })),
  w(1, fc.record({ mode: fc.constant<TickMode>('far'), delta: fc.constantFrom(1, 500, 20_000, 150_000, 1_000_000), level: levelArb, ref: fc.nat() })),
  w(1, fc.record({ mode: fc.constant<TickMode>('bad'), delta: fc.constantFrom(0, -1, Number.NaN), level: levelArb, ref: fc.nat() })),
);

const initArb: fc.Arbitrary<StepBody> = fc.record({
  k: fc.constant('init' as const),
  tlv: fc.oneof(w(6, fc.constant(null)), w(3, fc.constantFrom(10_000_000, 100_000_000, 500_000_000, 1_000_000_000, 50_000_000_000))),
  tps: fc.oneof(w(6, fc.constant(null)), w(2, fc.constantFrom(1_000, 1_000_000, 123_457))),
  account: fc.oneof(w(8, fc.constant(null)), w(1, fc.constantFrom('operator', 'genesis'))),
});

const leverageArb: fc.Arbitrary<number> = fc.oneof(
  w(6, fc.integer({ min: 1, max: 20 })),
  w(4, fc.integer({ min: 21, max: 50 })),
  w(2, fc.constantFrom(1, 50, 1.5, 2.5, 12.25, 33.75)),
  w(1, fc.constantFrom(0, 0.5, -1, 51, 100)),
);

const marginArb: fc.Arbitrary<number> = fc.oneof(
  w(6, fc.integer({ min: 1_000, max: 50_000 })),
  w(3, fc.integer({ min: 50_001, max: 2_000_000 })),
  w(1, fc.integer({ min: 2_000_001, max: 20_000_000 })),
  w(1, fc.constantFrom(0, -100, 1, 7)),
);

const openArb: fc.Arbitrary<StepBody> = fc.record({
  k: fc.constant('open' as const),
  variant: fc.oneof(w(4, fc.constant('plain' as const)), w(4, fc.constant('sltp' as const)), w(1, fc.constant('nested' as const))),
  side: fc.constantFrom<Side>('LONG', 'SHORT'),
  otype: fc.oneof(w(6, fc.constant('MARKET' as const)), w(6, fc.constant('LIMIT' as const)), w(1, fc.constantFrom('DARK' as const, 'SLTP' as const))),
  lev: leverageArb,
  im: marginArb,
  entryOff: fc.oneof(w(6, fc.integer({ min: -3_000, max: 3_000 })), w(1, fc.constant(0)), w(1, fc.constantFrom(-0.5, 0.5, 12.75))),
  entryBad: fc.oneof(w(20, fc.constant(false)), w(1, fc.constant(true))),
  legs: opt(legsArb, 3),
  acct: fc.nat({ max: 5 }),
  placeholder: fc.oneof(w(15, fc.constant(false)), w(1, fc.constant(true))),
});

const closeArb: fc.Arbitrary<StepBody> = fc.record({
  k: fc.constant('close' as const),
  variant: fc.oneof(w(4, fc.constant('plain' as const)), w(4, fc.constant('sltp' as const)), w(1, fc.constant('nested' as const))),
  otype: fc.oneof(
    w(4, fc.constant('MARKET' as const)),
    w(4, fc.constant('LIMIT' as const)),
    w(4, fc.constant('SLTP' as const)),
    w(1, fc.constant('DARK' as const)),
  ),
  ref: fc.nat(),
  ghost: fc.oneof(w(15, fc.constant(false)), w(1, fc.constant(true))),
  wrong: fc.oneof(w(12, fc.constant(false)), w(1, fc.constant(true))),
  priceOff: fc.oneof(w(4, fc.integer({ min: -3_000, max: 3_000 })), w(1, fc.constant(0))),
  badPrice: fc.oneof(w(20, fc.constant(false)), w(1, fc.constant(true))),
  legs: opt(legsArb, 5),
});

const cancelArb: fc.Arbitrary<StepBody> = fc.record({
  k: fc.constant('cancel' as const),
  variant: fc.constantFrom('plain' as const, 'sltp' as const),
  otype: fc.oneof(w(4, fc.constant('LIMIT' as const)), w(4, fc.constant('SLTP' as const)), w(1, fc.constant('MARKET' as const)), w(1, fc.constant(null))),
  ref: fc.nat(),
  ghost: fc.oneof(w(15, fc.constant(false)), w(1, fc.constant(true))),
  wrong: fc.oneof(w(12, fc.constant(false)), w(1, fc.constant(true))),
  flags: opt(fc.record({ sl: fc.boolean(), tp: fc.boolean() }), 6),
});

const lendArb: fc.Arbitrary<StepBody> = fc.record({
  k: fc.constant('lend' as const),
  acct: fc.nat({ max: 3 }),
  deposit: fc.oneof(
    w(6, fc.integer({ min: 5_000, max: 1_000_000_000 })),
    w(1, fc.integer({ min: 1, max: 4_999 })),
    w(1, fc.constantFrom(0, -5, 12_345.5, 0.4, 2_500_000.25)),
  ),
  placeholder: fc.oneof(w(15, fc.constant(false)), w(1, fc.constant(true))),
});

const withdrawArb: fc.Arbitrary<StepBody> = fc.record({
  k: fc.constant('withdraw' as const),
  ref: fc.nat(),
  ghost: fc.oneof(w(15, fc.constant(false)), w(1, fc.constant(true))),
  wrong: fc.oneof(w(12, fc.constant(false)), w(1, fc.constant(true))),
});

const rateArb = fc.oneof(w(8, fc.constantFrom(0, 0.01, 0.02, 0.04, 0.1, 0.25, 1)), w(1, fc.constant(-0.01)));

const feesArb: fc.Arbitrary<StepBody> = fc.record({
  k: fc.constant('fees' as const),
  rates: fc.tuple(rateArb, rateArb, rateArb, rateArb),
  drop: fc.oneof(w(12, fc.constant(false)), w(1, fc.constant(true))),
});

const haltArb: fc.Arbitrary<StepBody> = fc.record({
  k: fc.constant('halt' as const),
  enabled: fc.boolean(),
  cancelPending: fc.boolean(),
  cancelSettling: fc.boolean(),
  pauseFunding: fc.constantFrom(null, null, true, false),
  pausePrice: fc.constantFrom(null, null, true, false),
  exit: fc.oneof(w(8, fc.constant(false)), w(1, fc.constant(true))),
});

const flagArb: fc.Arbitrary<StepBody> = fc.record({
  k: fc.constant('flag' as const),
  which: fc.constantFrom('SetMarketCloseOnly' as const, 'SetPauseFunding' as const, 'SetPausePriceFeed' as const),
  // off more often than on, so a sequence is not frozen by one flag for its whole length
  enabled: fc.oneof(w(2, fc.constant(true)), w(3, fc.constant(false))),
});

const riskArb: fc.Arbitrary<StepBody> = fc.record({
  k: fc.constant('risk' as const),
  params: fc.record(
    {
      max_oi_mult: fc.constantFrom(0, 1, 4, 10, -1),
      max_net_mult: fc.constantFrom(0, 0.1, 0.8, 2),
      max_position_pct: fc.constantFrom(0.001, 0.02, 0.1, 1),
      min_position_btc: fc.constantFrom(0, 100_000, 1_000_000),
      max_leverage: fc.constantFrom(0, 10, 20, 50),
      mm_ratio: fc.constantFrom(0, 0.1, 0.4, 1, 5, 50),
    },
    { requiredKeys: [] },
  ),
});

// factors of TLV: one position is at most max_position_pct (2 %) of TLV and a jump moves it by
// up to ~20 %, so caps of a few ‰ of TLV are what a sequence can actually exceed
const capArb: fc.Arbitrary<StepBody> = fc.record({
  k: fc.constant('cap' as const),
  max: fc.oneof(w(6, fc.constantFrom(0.0001, 0.0005, 0.001, 0.003, 0.01)), w(1, fc.constant(0))),
  target: fc.oneof(w(6, fc.constantFrom(0, 0.00005, 0.0002, 0.0008)), w(1, fc.constant(0.02))),
});

const checkArb: fc.Arbitrary<StepBody> = fc.record({
  k: fc.constant('check' as const),
  move: priceMoveArb,
  phases: fc.record(
    {
      check_pending_limit: fc.boolean(),
      check_liquidation: fc.boolean(),
      check_settling_limit: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
});

const malformedArb: fc.Arbitrary<StepBody> = fc.record({
  k: fc.constant('malformed' as const),
  kind: fc.constantFrom<MalformedKind>(
    'no-id',
    'empty-id',
    'long-id',
    'number-id',
    'float-ts',
    'string-ts',
    'unknown-type',
    'params-array',
    'not-object',
    'bad-version',
    'hex-body',
    'nan-price',
    'infinite-margin',
    'bad-side',
    'bad-bool',
  ),
  ref: fc.nat(),
});

const stepBodyArb: fc.Arbitrary<StepBody> = fc.oneof(
  w(22, fc.record({ k: fc.constant('tick' as const), move: priceMoveArb, source: fc.boolean() })),
  w(3, fc.record({ k: fc.constant('heartbeat' as const), asTick: fc.boolean() })),
  w(18, openArb),
  w(12, closeArb),
  w(6, cancelArb),
  w(4, lendArb),
  w(3, withdrawArb),
  w(3, fc.constant({ k: 'funding' as const })),
  w(1, fc.constant({ k: 'snapshot' as const })),
  w(1, fc.constant({ k: 'recalc' as const })),
  w(1, feesArb),
  w(1, haltArb),
  w(2, flagArb),
  w(1, riskArb),
  w(2, capArb),
  w(2, checkArb),
  w(1, initArb),
  w(1, malformedArb),
);

const dupArb: fc.Arbitrary<number | null> = fc.oneof(w(24, fc.constant(null)), w(1, fc.nat()));

const stepArb: fc.Arbitrary<Step> = fc.record({ gap: gapArb, dup: dupArb, body: stepBodyArb });

/**
 * A scenario: (mostly) InitPool first, (mostly) a first price tick, then 4–58 mixed steps, so a
 * sequence holds 4–60 commands.
 */
export const scenarioArb: fc.Arbitrary<Step[]> = fc
  .tuple(opt(initArb, 12), opt(fc.integer({ min: -2_000, max: 2_000 }), 8), fc.array(stepArb, { minLength: 4, maxLength: 58, size: 'max' }))
  .map(([init, firstTick, rest]) => {
    const head: Step[] = [];
    if (init !== null) head.push({ gap: 0, dup: null, body: init });
    if (firstTick !== null) {
      head.push({ gap: 100, dup: null, body: { k: 'tick', move: { mode: 'walk', delta: firstTick, level: 'liq', ref: 0 }, source: false } });
    }
    return [...head, ...rest];
  });

// ─── the Driver: steps → raw envelopes, learning from the emitted events ─────────────────────

const START_TS = 1_732_492_800_000;
const BASE_PRICE = 60_000;
const TRADERS = ['acc-0', 'acc-1', 'acc-2', 'acc-3', 'acc-4', 'acc-5'];
const LENDERS = ['lp-0', 'lp-1', 'lp-2', 'lp-3'];
const PLACEHOLDER = 'account_id';

interface TraderInfo {
  uuid: string;
  account: string;
  side: Side;
  status: string;
  entry: number;
  liq: number;
  sl: number | null;
  tp: number | null;
  close: number | null;
  onFill: { sl: number | null; tp: number | null } | null;
}
interface LendInfo {
  uuid: string;
  account: string;
  active: boolean;
}

export type RawCommand = Record<string, unknown> | unknown[] | string | number | null;

export class Driver {
  ts = START_TS;
  private n = 0;
  private readonly ids: string[] = [];
  /** The price as the events last reported it (PriceUpdated), null before the first. */
  price: number | null = null;
  private readonly traders: TraderInfo[] = [];
  private readonly traderByUuid = new Map<string, TraderInfo>();
  private readonly lends: LendInfo[] = [];

  /** The fallback id executeRaw needs for envelopes without a usable id (`line:<n>`, §12). */
  fallbackId(): string {
    return `line:${this.n}`;
  }

  /** Turns one step into a raw envelope; call observe() with its events before the next step. */
  next(step: Step): RawCommand {
    this.n++;
    this.ts += step.gap;
    let id = `c-${this.n}`;
    if (step.dup !== null && this.ids.length > 0) id = this.ids[step.dup % this.ids.length]!;
    else this.ids.push(id);
    const env = (type: string, params: Record<string, unknown>): Record<string, unknown> => ({ v: 1, id, ts: this.ts, type, params });
    const b = step.body;
    switch (b.k) {
      case 'init': {
        const p: Record<string, unknown> = {};
        if (b.tlv !== null) p['total_locked_value'] = b.tlv;
        if (b.tps !== null) p['total_pool_share'] = b.tps;
        if (b.account !== null) p['account_id'] = b.account;
        return env('InitPool', p);
      }
      case 'tick': {
        const price = this.movePrice(b.move);
        const p: Record<string, unknown> = { price };
        if (b.source) {
          p['source'] = 'manual';
          p['feed_ts'] = this.ts - 5;
        }
        return env('PriceTick', p);
      }
      case 'heartbeat':
        if (b.asTick && this.price !== null) return env('PriceTick', { price: this.price });
        return env('Heartbeat', {});
      case 'open':
        return this.open(b, env);
      case 'close':
        return this.close(b, env);
      case 'cancel':
        return this.cancel(b, env);
      case 'lend': {
        const account = b.placeholder ? PLACEHOLDER : LENDERS[b.acct % LENDERS.length]!;
        return env('CreateLendOrder', {
          account_id: account,
          balance: 10.0,
          order_type: 'LEND',
          order_status: 'PENDING',
          deposit: b.deposit,
        });
      }
      case 'withdraw': {
        const lend = this.pickLend(b.ref);
        const uuid = b.ghost || lend === null ? ghostUuid(b.ref) : lend.uuid;
        let account = lend === null ? LENDERS[b.ref % LENDERS.length]! : lend.account;
        if (lend !== null && lend.account === lend.uuid && b.ref % 2 === 0) account = PLACEHOLDER;
        if (b.wrong) account = otherThan(account, LENDERS, b.ref);
        return env('ExecuteLendOrder', {
          account_id: account,
          uuid,
          order_type: 'LEND',
          settle_withdraw: 100.0,
          order_status: 'PENDING',
          poolshare_price: 1.5,
        });
      }
      case 'funding':
        return env('FundingCycle', {});
      case 'snapshot':
        return env('Snapshot', {});
      case 'recalc':
        return env('RecalculateRiskState', {});
      case 'fees': {
        const p: Record<string, unknown> = {
          order_filled_on_market: b.rates[0],
          order_filled_on_limit: b.rates[1],
          order_settled_on_market: b.rates[2],
          order_settled_on_limit: b.rates[3],
        };
        if (b.drop) delete p['order_settled_on_limit'];
        return env('UpdateFees', p);
      }
      case 'halt': {
        const p: Record<string, unknown> = {
          enabled: b.enabled,
          cancel_pending_limit_orders: b.cancelPending,
          cancel_settling_limit_orders: b.cancelSettling,
        };
        if (b.pauseFunding !== null) p['pause_funding'] = b.pauseFunding;
        if (b.pausePrice !== null) p['pause_price_feed'] = b.pausePrice;
        if (b.exit) p['exit_relayer'] = true;
        return env('SetMarketHalt', p);
      }
      case 'flag':
        return env(b.which, { enabled: b.enabled });
      case 'risk':
        return env('UpdateRiskParams', { ...b.params });
      case 'cap':
        return env('UpdateRiskParams', { max_pnl_factor: b.max, adl_target_factor: b.target });
      case 'check':
        return env('TriggerPriceCheck', { price: this.movePrice(b.move, false), ...b.phases });
      case 'malformed':
        return this.malformed(b.kind, b.ref, id);
      default: {
        const never: never = b;
        throw new Error(`unknown step ${JSON.stringify(never)}`);
      }
    }
  }

  /** Learns uuids, statuses, prices and trigger levels from the events of the last command. */
  observe(events: readonly EventEnvelope[]): void {
    for (const e of events) {
      switch (e.type) {
        case 'PriceUpdated':
          this.price = e.data.price;
          break;
        case 'TraderOrderOpened':
        case 'TraderOrderPending': {
          const o = e.data.order;
          const info: TraderInfo = {
            uuid: o.uuid,
            account: o.account_id,
            side: o.position_type,
            status: o.order_status,
            entry: o.entryprice,
            liq: o.liquidation_price,
            sl: null,
            tp: null,
            close: null,
            onFill: o.sltp_on_fill === null ? null : { ...o.sltp_on_fill },
          };
          this.traders.push(info);
          this.traderByUuid.set(o.uuid, info);
          break;
        }
        case 'TraderOrderFilled':
        case 'TraderOrderFundingApplied':
        case 'TraderOrderSettled':
        case 'TraderOrderLiquidated':
        case 'TraderOrderCancelled': {
          const o = e.data.order;
          const info = this.traderByUuid.get(o.uuid);
          if (info === undefined) break;
          info.status = o.order_status;
          info.entry = o.entryprice;
          info.liq = o.liquidation_price;
          info.onFill = o.sltp_on_fill === null ? null : { ...o.sltp_on_fill };
          break;
        }
        case 'StopLossPlaced':
        case 'TakeProfitPlaced':
        case 'CloseLimitPlaced': {
          const info = this.traderByUuid.get(e.data.order_id);
          if (info === undefined) break;
          if (e.type === 'StopLossPlaced') info.sl = e.data.price;
          else if (e.type === 'TakeProfitPlaced') info.tp = e.data.price;
          else info.close = e.data.price;
          break;
        }
        case 'StopLossRemoved':
        case 'TakeProfitRemoved':
        case 'CloseLimitRemoved': {
          const info = this.traderByUuid.get(e.data.order_id);
          if (info === undefined) break;
          const pending = info.status === 'PENDING';
          if (e.type === 'StopLossRemoved') {
            if (pending && info.onFill !== null) info.onFill.sl = null;
            else info.sl = null;
          } else if (e.type === 'TakeProfitRemoved') {
            if (pending && info.onFill !== null) info.onFill.tp = null;
            else info.tp = null;
          } else info.close = null;
          break;
        }
        case 'LendOrderCreated':
          this.lends.push({ uuid: e.data.lend_order.uuid, account: e.data.lend_order.account_id, active: true });
          break;
        case 'LendOrderSettled': {
          const l = this.lends.find((x) => x.uuid === e.data.lend_order.uuid);
          if (l !== undefined) l.active = false;
          break;
        }
        default:
          break;
      }
    }
  }

  private refPrice(): number {
    return this.price ?? BASE_PRICE;
  }

  /** A tick price: random walk, jump, or aimed at a trigger level of a live order (± a little). */
  private movePrice(m: PriceMove, allowBad = true): number {
    const p = this.refPrice();
    switch (m.mode) {
      case 'walk':
      case 'jump':
        return Math.max(1_000, p + m.delta);
      case 'frac':
        return Math.max(1_000, p + m.delta);
      case 'far':
        return m.delta;
      case 'bad':
        return allowBad ? m.delta : p;
      case 'level': {
        const lvl = this.level(m.level, m.ref);
        return lvl === null ? Math.max(1_000, p + (m.ref % 801) - 400) : Math.max(1, lvl + m.delta);
      }
      default: {
        const never: never = m.mode;
        throw new Error(`unknown tick mode ${String(never)}`);
      }
    }
  }

  /** A trigger level of some active order, searching from `ref`; null when no order has one. */
  private level(kind: LevelKind, ref: number): number | null {
    const live = this.traders.filter((t) => t.status === 'PENDING' || t.status === 'FILLED');
    for (let i = 0; i < live.length; i++) {
      const t = live[(ref + i) % live.length]!;
      const filled = t.status === 'FILLED';
      let v: number | null = null;
      switch (kind) {
        case 'liq':
          v = filled ? t.liq : null;
          break;
        case 'entry':
          v = filled ? null : t.entry;
          break;
        case 'sl':
          v = filled ? t.sl : (t.onFill?.sl ?? null);
          break;
        case 'tp':
          v = filled ? t.tp : (t.onFill?.tp ?? null);
          break;
        case 'close':
          v = filled ? t.close : null;
          break;
        default:
          break;
      }
      if (v !== null && Number.isFinite(v) && v > 0) return v;
    }
    return null;
  }

  private pickTrader(ref: number): TraderInfo | null {
    if (this.traders.length === 0) return null;
    const live = this.traders.filter((t) => t.status === 'PENDING' || t.status === 'FILLED');
    // three in four references aim at a live order; the rest may hit a closed one
    if (live.length > 0 && ref % 4 !== 3) return live[Math.floor(ref / 4) % live.length]!;
    return this.traders[ref % this.traders.length]!;
  }

  private pickLend(ref: number): LendInfo | null {
    if (this.lends.length === 0) return null;
    const live = this.lends.filter((l) => l.active);
    if (live.length > 0 && ref % 4 !== 3) return live[Math.floor(ref / 4) % live.length]!;
    return this.lends[ref % this.lends.length]!;
  }

  /** The account a client would send for an order: its owner, or the placeholder when it owns itself (§9). */
  private ownerFor(t: TraderInfo, ref: number, wrong: boolean): string {
    let account = t.account === t.uuid && ref % 2 === 0 ? PLACEHOLDER : t.account;
    if (wrong) account = otherThan(t.account, TRADERS, ref);
    return account;
  }

  private legsAt(spec: LegsSpec | null, side: Side, r: number): { sl: number | null; tp: number | null } | null {
    if (spec === null) return null;
    const one = (l: LegSpec | null, kind: 'sl' | 'tp'): number | null => {
      if (l === null) return null;
      if (l.raw !== null) return l.raw;
      // LONG: sl below R, tp above; SHORT mirrored; flip puts the leg on the other side
      const below = (kind === 'sl') === (side === 'LONG');
      const sign = (below ? -1 : 1) * (l.flip ? -1 : 1);
      return Math.max(1, r + sign * l.off);
    };
    return { sl: one(spec.sl, 'sl'), tp: one(spec.tp, 'tp') };
  }

  private open(b: Extract<StepBody, { k: 'open' }>, env: (t: string, p: Record<string, unknown>) => Record<string, unknown>): RawCommand {
    const p = this.refPrice();
    const entry = b.entryBad ? 0 : Math.max(1, p + b.entryOff);
    const long = b.side === 'LONG';
    const fillsNow = b.otype === 'MARKET' || (long ? entry >= p : entry <= p);
    const legs = this.legsAt(b.legs, b.side, fillsNow ? p : entry);
    const body: Record<string, unknown> = {
      account_id: b.placeholder ? PLACEHOLDER : TRADERS[b.acct % TRADERS.length]!,
      position_type: b.side,
      order_type: b.otype,
      leverage: b.lev,
      initial_margin: b.im,
      available_margin: b.im,
      order_status: 'PENDING',
      entryprice: b.otype === 'MARKET' ? p + 123 : entry,
      execution_price: 0,
    };
    if (b.variant === 'nested') {
      return env('CreateTraderOrderSlTp', { create_trader_order: body, sltp: legs, msg: 'm', tx: 't', input: 'i' });
    }
    // the plain variant ignores sltp (§2.1), so sending it anyway checks that too
    if (legs !== null) body['sltp'] = legs;
    return env(b.variant === 'sltp' ? 'CreateTraderOrderSlTp' : 'CreateTraderOrder', body);
  }

  private close(b: Extract<StepBody, { k: 'close' }>, env: (t: string, p: Record<string, unknown>) => Record<string, unknown>): RawCommand {
    const t = this.pickTrader(b.ref);
    const p = this.refPrice();
    const uuid = b.ghost || t === null ? ghostUuid(b.ref) : t.uuid;
    const account = t === null ? TRADERS[b.ref % TRADERS.length]! : this.ownerFor(t, b.ref, b.wrong);
    const side = t?.side ?? 'LONG';
    const body: Record<string, unknown> = {
      account_id: account,
      uuid,
      order_type: b.otype,
      settle_margin: 0,
      order_status: 'FILLED',
      execution_price: b.badPrice ? 0 : Math.max(1, p + b.priceOff),
    };
    const legs = this.legsAt(b.legs, side, p);
    if (b.variant === 'nested') return env('ExecuteTraderOrderSlTp', { execute_trader_order: body, sltp: legs });
    if (legs !== null) body['sltp'] = legs;
    return env(b.variant === 'sltp' ? 'ExecuteTraderOrderSlTp' : 'ExecuteTraderOrder', body);
  }

  private cancel(b: Extract<StepBody, { k: 'cancel' }>, env: (t: string, p: Record<string, unknown>) => Record<string, unknown>): RawCommand {
    const t = this.pickTrader(b.ref);
    const uuid = b.ghost || t === null ? ghostUuid(b.ref) : t.uuid;
    const account = t === null ? TRADERS[b.ref % TRADERS.length]! : this.ownerFor(t, b.ref, b.wrong);
    const body: Record<string, unknown> = { account_id: account, uuid, order_status: 'PENDING' };
    if (b.otype !== null) body['order_type'] = b.otype;
    if (b.flags !== null) body['sltp_cancel'] = b.flags;
    return env(b.variant === 'sltp' ? 'CancelTraderOrderSlTp' : 'CancelTraderOrder', body);
  }

  private malformed(kind: MalformedKind, ref: number, id: string): RawCommand {
    const ts = this.ts;
    const tick = { price: this.refPrice() };
    const open = {
      account_id: TRADERS[ref % TRADERS.length]!,
      position_type: 'LONG',
      order_type: 'MARKET',
      leverage: 5,
      initial_margin: 10_000,
      entryprice: 0,
    };
    switch (kind) {
      case 'no-id':
        return { v: 1, ts, type: 'PriceTick', params: tick };
      case 'empty-id':
        return { v: 1, id: '', ts, type: 'Heartbeat', params: {} };
      case 'long-id':
        return { v: 1, id: 'x'.repeat(129), ts, type: 'FundingCycle', params: {} };
      case 'number-id':
        return { v: 1, id: 42, ts, type: 'Snapshot', params: {} };
      case 'float-ts':
        return { v: 1, id, ts: ts + 0.5, type: 'PriceTick', params: tick };
      case 'string-ts':
        return { v: 1, id, ts: String(ts), type: 'PriceTick', params: tick };
      case 'unknown-type':
        return { v: 1, id, ts, type: 'SellEverything', params: {} };
      case 'params-array':
        return { v: 1, id, ts, type: 'CreateTraderOrder', params: [open] };
      case 'not-object':
        return ref % 3 === 0 ? [id, ts] : ref % 3 === 1 ? 'PriceTick' : null;
      case 'bad-version':
        return { v: 2, id, ts, type: 'FundingCycle', params: {} };
      case 'hex-body':
        return { v: 1, id, ts, type: 'CreateTraderOrder', params: { data: '0a0b0c' } };
      case 'nan-price':
        return { v: 1, id, ts, type: 'PriceTick', params: { price: Number.NaN } };
      case 'infinite-margin':
        return { v: 1, id, ts, type: 'CreateTraderOrder', params: { ...open, initial_margin: Number.POSITIVE_INFINITY } };
      case 'bad-side':
        return { v: 1, id, ts, type: 'CreateTraderOrder', params: { ...open, position_type: 'SIDEWAYS' } };
      case 'bad-bool':
        return { v: 1, id, ts, type: 'SetMarketCloseOnly', params: { enabled: 'yes' } };
      default: {
        const never: never = kind;
        throw new Error(`unknown malformed kind ${String(never)}`);
      }
    }
  }
}

function otherThan(account: string, pool: readonly string[], ref: number): string {
  const others = pool.filter((a) => a !== account);
  return ref % 5 === 0 ? PLACEHOLDER : others[ref % others.length]!;
}

/** A well-formed uuid that no command of a run mints. */
function ghostUuid(ref: number): string {
  return `00000000-0000-4000-8000-${(ref % 1_000_000_000_000).toString(16).padStart(12, '0')}`;
}

/** Runs the steps through the driver, handing each raw envelope to `exec`; returns what ran. */
export function drive(
  steps: readonly Step[],
  exec: (raw: RawCommand, fallbackId: string, index: number) => EventEnvelope[],
): { raws: RawCommand[]; events: EventEnvelope[][] } {
  const d = new Driver();
  const raws: RawCommand[] = [];
  const events: EventEnvelope[][] = [];
  steps.forEach((s, i) => {
    const raw = d.next(s);
    const out = exec(raw, d.fallbackId(), i);
    d.observe(out);
    raws.push(raw);
    events.push(out);
  });
  return { raws, events };
}
