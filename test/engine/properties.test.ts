// Property tests of the pure engine: random but realistic command sequences (test/helpers/
// arbitraries.ts) must keep the invariants of SPEC.md §2–§7 and §12 after every command.
// fast-check reports the seed and the shrunk counterexample; our own messages add the raw
// command envelopes the counterexample turned into, so a failure can be replayed by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeState, emptyState, encodeState, evolve, executeRaw, stateHash, validateState, type EventEnvelope, type State } from '../../src/engine/index.js';
import { Driver, drive, scenarioArb, type RawCommand, type Step } from '../helpers/arbitraries.js';

/** `list` with `x` pushed onto it (the commands run so far, for the failure message). */
function appended<T>(list: T[], x: T): T[] {
  list.push(x);
  return list;
}

/** Sequences per property (SPEC-level invariants deserve many); raise with PROPERTY_RUNS. */
const RUNS = Math.max(1_000, Number(process.env['PROPERTY_RUNS'] ?? 0) || 0);
/** includeErrorInReport puts our message (with the raw commands) next to the seed and counterexample. */
const OPTIONS: fc.Parameters<unknown> = { numRuns: RUNS, includeErrorInReport: true };

// ─── helpers ─────────────────────────────────────────────────────────────────────────────────

/** SPEC §1 round: half away from zero (our own copy, so the test does not trust engine math). */
const round = (x: number): number => (x < 0 ? -Math.round(-x) : Math.round(x));

/** JSON text that still shows NaN / ±Infinity (JSON.stringify would print null). */
function show(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `<${String(v)}>` : v));
}

function fail(message: string, raws: readonly RawCommand[], events?: readonly EventEnvelope[]): never {
  const lines = raws.map((r, i) => `  ${String(i + 1).padStart(2)}: ${show(r)}`).join('\n');
  const tail = events === undefined ? '' : `\n--- events of the last command ---\n${events.map((e) => `  ${show(e)}`).join('\n')}`;
  throw new assert.AssertionError({ message: `${message}\n--- commands (${raws.length}) ---\n${lines}${tail}` });
}

function lines(state: State, withClock: boolean): string[] {
  return [...encodeState(state, withClock)];
}

/** Path of the first value JSON cannot carry (NaN, ±Infinity, undefined, function…), or null. */
function notJsonSafe(x: unknown, path = '$'): string | null {
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return null;
  if (typeof x === 'number') return Number.isFinite(x) ? null : `${path} = ${String(x)}`;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const bad = notJsonSafe(x[i], `${path}[${i}]`);
      if (bad !== null) return bad;
    }
    return null;
  }
  if (typeof x === 'object') {
    for (const [k, v] of Object.entries(x as Record<string, unknown>)) {
      const bad = notJsonSafe(v, `${path}.${k}`);
      if (bad !== null) return bad;
    }
    return null;
  }
  return `${path} is a ${typeof x}`;
}

/**
 * executeRaw, but an exception (SPEC §2: refusals are Rejected events, never exceptions) fails
 * the property with the commands that led to it. `raws` ends with the command being run.
 */
function run(state: State, raw: RawCommand, fallback: string, raws: readonly RawCommand[]): EventEnvelope[] {
  try {
    return executeRaw(state, raw, fallback);
  } catch (e) {
    return fail(`the engine threw on command ${raws.length} instead of emitting events: ${(e as Error).stack ?? String(e)}`, raws);
  }
}

/** Runs the raw envelopes [from, to) of a finished run again on `state` (determinism is property 5). */
function rerun(state: State, raws: readonly RawCommand[], from: number, to: number): EventEnvelope[][] {
  const out: EventEnvelope[][] = [];
  for (let i = from; i < to; i++) out.push(run(state, raws[i], `line:${i + 1}`, raws.slice(0, i + 1)));
  return out;
}

// ─── 1. replay ───────────────────────────────────────────────────────────────────────────────

test('replaying the emitted events rebuilds the live state, also after a JSON round-trip (SPEC §3, §10.5, §12)', () => {
  fc.assert(
    fc.property(scenarioArb, fc.nat(), (steps: Step[], cut: number) => {
      const live = emptyState();
      const frozen: string[] = [];
      const ran: RawCommand[] = [];
      const { raws, events } = drive(steps, (raw, fallback) => {
        ran.push(raw);
        const out = run(live, raw, fallback, ran);
        frozen.push(JSON.stringify(out));
        return out;
      });
      const all = events.flat();

      // seq is dense from 1 and an event, once emitted, is never changed by later commands
      all.forEach((e, i) => {
        if (e.seq !== i + 1) fail(`event #${i + 1} has seq ${e.seq}`, raws);
      });
      events.forEach((es, i) => {
        if (JSON.stringify(es) !== frozen[i]) fail(`events of command ${i + 1} changed after they were emitted`, raws.slice(0, i + 1), es);
      });
      // the event log is JSON: every value must survive JSON unchanged
      for (const e of all) {
        const bad = notJsonSafe(e);
        if (bad !== null) fail(`event seq ${e.seq} (${e.type}) holds a value JSON cannot carry: ${bad}`, raws, [e]);
      }

      const liveHash = stateHash(live);
      const replayed = emptyState();
      for (const e of all) evolve(replayed, e);
      if (stateHash(replayed) !== liveHash) {
        fail(
          `replayed state hash differs from the live one\n  live:     ${lines(live, false).join('\n            ')}\n  replayed: ${lines(replayed, false).join('\n            ')}`,
          raws,
        );
      }
      const viaJson = emptyState();
      for (const e of JSON.parse(JSON.stringify(all)) as EventEnvelope[]) evolve(viaJson, e);
      if (stateHash(viaJson) !== liveHash) {
        fail(
          `state replayed from the JSON event log differs from the live one\n  live:     ${lines(live, false).join('\n            ')}\n  replayed: ${lines(viaJson, false).join('\n            ')}`,
          raws,
        );
      }

      // a state rebuilt from the JSON log of a prefix behaves like the live one afterwards; the feed
      // clock is the one field events do not carry (src/engine/state.ts), so it is copied across as a
      // restart from commit metadata would
      const k = cut % (raws.length + 1);
      const a = emptyState();
      const prefix = rerun(a, raws, 0, k).flat();
      const b = emptyState();
      for (const e of JSON.parse(JSON.stringify(prefix)) as EventEnvelope[]) evolve(b, e);
      b.price_ts = a.price_ts;
      for (let i = k; i < raws.length; i++) {
        const ea = run(a, raws[i], `line:${i + 1}`, raws.slice(0, i + 1));
        const eb = run(b, raws[i], `line:${i + 1}`, raws.slice(0, i + 1));
        if (JSON.stringify(ea) !== JSON.stringify(eb)) {
          fail(
            `after rebuilding from the JSON log of the first ${k} commands, command ${i + 1} emits different events\n  live:    ${show(ea)}\n  rebuilt: ${show(eb)}`,
            raws.slice(0, i + 1),
          );
        }
      }
    }),
    OPTIONS,
  );
});

// ─── 2. open interest ────────────────────────────────────────────────────────────────────────

test('open interest totals always equal the summed entry value of filled and pending orders (SPEC §6.1)', () => {
  fc.assert(
    fc.property(scenarioArb, (steps: Step[]) => {
      const live = emptyState();
      // uuid → side, status and EV, learned from the events only
      const book = new Map<string, { side: 'LONG' | 'SHORT'; status: 'PENDING' | 'FILLED'; ev: number }>();
      const raws: RawCommand[] = [];
      drive(steps, (raw, fallback) => {
        raws.push(raw);
        const out = run(live, raw, fallback, raws);
        for (const e of out) {
          switch (e.type) {
            case 'TraderOrderOpened':
            case 'TraderOrderPending':
            case 'TraderOrderFilled': {
              const o = e.data.order;
              book.set(o.uuid, { side: o.position_type, status: e.type === 'TraderOrderPending' ? 'PENDING' : 'FILLED', ev: o.initial_margin * o.leverage });
              break;
            }
            case 'TraderOrderCancelled':
            case 'TraderOrderSettled':
            case 'TraderOrderLiquidated':
              book.delete(e.data.order.uuid);
              break;
            case 'ExposureRecalculated':
              if (show(e.data.before) !== show(e.data.after)) fail(`RecalculateRiskState found a drift: ${show(e.data)}`, raws, out);
              break;
            default:
              break;
          }
        }
        const want = { total_long_btc: 0, total_short_btc: 0, total_pending_long_btc: 0, total_pending_short_btc: 0 };
        for (const o of book.values()) {
          if (o.status === 'FILLED') {
            if (o.side === 'LONG') want.total_long_btc += o.ev;
            else want.total_short_btc += o.ev;
          } else if (o.side === 'LONG') want.total_pending_long_btc += o.ev;
          else want.total_pending_short_btc += o.ev;
        }
        const r = live.risk;
        const got = {
          total_long_btc: r.total_long_btc,
          total_short_btc: r.total_short_btc,
          total_pending_long_btc: r.total_pending_long_btc,
          total_pending_short_btc: r.total_pending_short_btc,
        };
        // margins are integers and leverages integers or dyadic fractions, so every EV and every
        // partial sum is exact in binary floating point: no tolerance is needed or allowed
        if (show(got) !== show(want)) fail(`exposure totals ${show(got)} ≠ Σ EV from the events ${show(want)}`, raws, out);
        return out;
      });
    }),
    OPTIONS,
  );
});

// ─── 3. conservation ─────────────────────────────────────────────────────────────────────────

test('no satoshi is created or destroyed: pool plus active margins equal everything paid in minus paid out (SPEC §4.6–§4.8, §7)', () => {
  fc.assert(
    fc.property(scenarioArb, (steps: Step[]) => {
      const live = emptyState();
      const raws: RawCommand[] = [];
      let genesis = 0;
      let deposits = 0;
      let withdrawals = 0;
      let marginIn = 0;
      let paidOut = 0;
      let pool: { total_locked_value: number; total_pool_share: number; nonce: number } | null = null;
      const active = new Map<string, number>(); // uuid → initial margin of a PENDING or FILLED order

      drive(steps, (raw, fallback) => {
        raws.push(raw);
        const out = run(live, raw, fallback, raws);
        for (const e of out) {
          // each event's pool is the pool right after that event's own effect (§12): check the step
          const step = (tlvDelta: number, shareDelta: number, next: { total_locked_value: number; total_pool_share: number; nonce: number }): void => {
            if (pool === null) fail(`${e.type} before any PoolInitialized`, raws, out);
            const want = {
              total_locked_value: pool.total_locked_value + tlvDelta,
              total_pool_share: pool.total_pool_share + shareDelta,
              nonce: pool.nonce + 1,
            };
            if (show(next) !== show(want)) fail(`${e.type} (seq ${e.seq}) reports pool ${show(next)}, expected ${show(want)} from ${show(pool)}`, raws, out);
            pool = { ...next };
          };
          switch (e.type) {
            case 'PoolInitialized':
              genesis = e.data.pool.total_locked_value;
              pool = { ...e.data.pool };
              break;
            case 'LendOrderCreated': {
              const l = e.data.lend_order;
              deposits += round(l.deposit);
              step(round(l.deposit), l.npoolshare / 10_000, e.data.pool);
              break;
            }
            case 'LendOrderSettled': {
              const l = e.data.lend_order;
              withdrawals += e.data.withdraw;
              if (e.data.withdraw !== l.new_lend_state_amount)
                fail(`withdraw ${e.data.withdraw} ≠ new_lend_state_amount ${l.new_lend_state_amount}`, raws, out);
              step(-e.data.withdraw, -round(l.npoolshare / 10_000), e.data.pool);
              break;
            }
            case 'TraderOrderOpened':
            case 'TraderOrderPending':
              marginIn += e.data.order.initial_margin;
              active.set(e.data.order.uuid, e.data.order.initial_margin);
              break;
            case 'TraderOrderCancelled':
              paidOut += e.data.order.initial_margin;
              active.delete(e.data.order.uuid);
              break;
            case 'TraderOrderSettled': {
              const o = e.data.order;
              paidOut += o.available_margin;
              active.delete(o.uuid);
              if (e.data.payment < -o.initial_margin) fail(`payment ${e.data.payment} below −IM ${-o.initial_margin} (§4.6, §10.20)`, raws, out);
              // D56 (corrects SPEC §4.6): the trader gets IM + round(payment), the pool gives
              // round(payment), so the two together move exactly IM
              if (o.available_margin !== o.initial_margin + round(e.data.payment)) {
                fail(`payout ${o.available_margin} ≠ IM + round(payment) = ${o.initial_margin + round(e.data.payment)} (§4.6, D56)`, raws, out);
              }
              step(-round(e.data.payment), 0, e.data.pool);
              break;
            }
            case 'TraderOrderLiquidated': {
              const o = e.data.order;
              active.delete(o.uuid);
              if (o.available_margin !== 0) fail(`liquidation paid the trader ${o.available_margin}`, raws, out);
              step(round(o.initial_margin), 0, e.data.pool);
              break;
            }
            default:
              break;
          }
        }
        if (pool !== null) {
          if (live.pool === null || show(live.pool) !== show(pool)) fail(`live pool ${show(live.pool)} ≠ pool from the events ${show(pool)}`, raws, out);
          let held = 0;
          for (const im of active.values()) held += im;
          const paidIn = genesis + deposits - withdrawals + marginIn - paidOut;
          const heldNow = pool.total_locked_value + held;
          // Exact: a settlement pays IM + round(payment) and moves TLV by −round(payment) (D56), so
          // deposits, withdrawals, settlements, liquidations, cancels and funding balance to the
          // satoshi. All terms are integers below 2^53, so the comparison is exact.
          if (paidIn !== heldNow) {
            fail(
              `conservation broken: in − out = ${paidIn} but pool TLV + active margin = ${heldNow} (Δ ${paidIn - heldNow})\n  genesis ${genesis} deposits ${deposits} withdrawals ${withdrawals} margin in ${marginIn} paid out ${paidOut} TLV ${pool.total_locked_value} held ${held}`,
              raws,
              out,
            );
          }
        }
        return out;
      });
    }),
    OPTIONS,
  );
});

// ─── 4. validateState ────────────────────────────────────────────────────────────────────────

test('the engine state passes validateState after every command', () => {
  fc.assert(
    fc.property(scenarioArb, (steps: Step[]) => {
      const live = emptyState();
      const raws: RawCommand[] = [];
      drive(steps, (raw, fallback) => {
        raws.push(raw);
        const out = run(live, raw, fallback, raws);
        const bad = validateState(live);
        if (bad.length > 0) fail(`validateState after command ${raws.length}:\n  ${bad.join('\n  ')}`, raws, out);
        return out;
      });
    }),
    OPTIONS,
  );
});

// ─── 5. determinism ──────────────────────────────────────────────────────────────────────────

test('the same commands on fresh states give the same events byte for byte and the same hash (DESIGN §1)', () => {
  fc.assert(
    fc.property(scenarioArb, (steps: Step[]) => {
      const s1 = emptyState();
      const s2 = emptyState();
      const ran1: RawCommand[] = [];
      const ran2: RawCommand[] = [];
      const r1 = drive(steps, (raw, fallback) => run(s1, raw, fallback, appended(ran1, raw)));
      const r2 = drive(steps, (raw, fallback) => run(s2, raw, fallback, appended(ran2, raw)));
      for (let i = 0; i < r1.events.length; i++) {
        const a = JSON.stringify(r1.events[i]);
        const b = JSON.stringify(r2.events[i]);
        if (show(r1.raws[i]) !== show(r2.raws[i]) || a !== b) {
          fail(`run 2 diverged at command ${i + 1}\n  run 1: ${a}\n  run 2: ${b}`, r1.raws.slice(0, i + 1));
        }
      }
      assert.equal(stateHash(s2), stateHash(s1));
      assert.deepEqual(lines(s2, true), lines(s1, true));
    }),
    OPTIONS,
  );
});

// ─── 6. snapshots ────────────────────────────────────────────────────────────────────────────

test('a snapshot decodes to the same state, and both continue with identical events (DESIGN §4)', () => {
  fc.assert(
    fc.property(scenarioArb, fc.nat(), (steps: Step[], cut: number) => {
      const k = cut % (steps.length + 1);
      const live = emptyState();
      const d = new Driver();
      const raws: RawCommand[] = [];
      let restored: State | null = null;
      const takeSnapshot = (): void => {
        const text = lines(live, true);
        restored = decodeState(text);
        if (stateHash(restored) !== stateHash(live)) fail(`decoded snapshot after ${raws.length} commands hashes differently`, raws);
        assert.deepEqual(lines(restored, true), text, 'encode(decode(snapshot)) reproduces the snapshot');
        const before = validateState(live);
        const after = validateState(restored);
        if (show(after) !== show(before)) fail(`decoding changed the violations of validateState: live ${show(before)}, decoded ${show(after)}`, raws);
      };
      steps.forEach((s, i) => {
        if (i === k) takeSnapshot();
        const raw = d.next(s);
        raws.push(raw);
        const a = run(live, raw, d.fallbackId(), raws);
        if (restored !== null) {
          const b = run(restored, raw, d.fallbackId(), raws);
          if (JSON.stringify(a) !== JSON.stringify(b)) {
            fail(`after a snapshot at command ${k}, command ${i + 1} emits different events\n  live:     ${show(a)}\n  restored: ${show(b)}`, raws);
          }
        }
        d.observe(a);
      });
      if (restored === null) takeSnapshot();
      assert.equal(stateHash(restored!), stateHash(live));
    }),
    OPTIONS,
  );
});

// ─── 7. pool solvency (§15) ──────────────────────────────────────────────────────────────────

test('with the PnL cap on, after every tick each side is within max_pnl_factor × TLV or has no profitable position left (SPEC §15)', () => {
  let fired = 0;
  fc.assert(
    fc.property(scenarioArb, (steps: Step[]) => {
      const live = emptyState();
      const raws: RawCommand[] = [];
      drive(steps, (raw, fallback) => {
        raws.push(raw);
        const pausedBefore = live.risk.pause_price_feed;
        const out = run(live, raw, fallback, raws);
        const type = (raw as { type?: unknown } | null)?.type;
        const ticked = (type === 'PriceTick' || type === 'Heartbeat') && !pausedBefore && live.price !== null && !out.some((e) => e.type === 'Rejected');
        const cap = live.params.max_pnl_factor ?? 0;
        if (!ticked || cap <= 0 || live.pool === null) return out;
        if (out.some((e) => e.type === 'AdlTriggered')) fired++;
        const p = live.price!;
        const tlv = live.pool.total_locked_value;
        for (const side of ['LONG', 'SHORT'] as const) {
          // Π from the orders themselves (Σ EV and Σ PS are exact for the generated margins and leverages)
          let ev = 0;
          let ps = 0;
          let profitable = 0;
          for (const o of live.orders.values()) {
            if (o.order_status !== 'FILLED' || o.position_type !== side) continue;
            ev += o.initial_margin * o.leverage;
            ps += o.positionsize;
            const upnl =
              side === 'LONG' ? (o.positionsize * (p - o.entryprice)) / (o.entryprice * p) : (o.positionsize * (o.entryprice - p)) / (o.entryprice * p);
            if (upnl > 0) profitable++;
          }
          const pi = side === 'LONG' ? ev - ps / p : ps / p - ev;
          if (pi > cap * tlv && profitable > 0) {
            fail(`after a tick at ${p}, Π_${side} ${pi} > ${cap} × TLV ${tlv} with ${profitable} profitable positions left`, raws, out);
          }
        }
        for (const e of out) {
          if (e.type === 'TraderOrderSettled' && (e.data.close_type === 'ADL') !== (e.data.trigger === 'ADL')) {
            fail(`settlement with close_type ${e.data.close_type} and trigger ${e.data.trigger}`, raws, out);
          }
        }
        return out;
      });
    }),
    OPTIONS,
  );
  // the generators must reach the rule, or this property proves nothing
  assert.ok(fired > 0, 'no generated sequence triggered ADL');
});
