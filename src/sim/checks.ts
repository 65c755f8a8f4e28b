// The invariants checked after every schedule, each against an independent witness: the committed
// log against the engine re-run over the committed input (each record's outcome exactly once, in
// order, byte for byte), the chain, the state hash against `relayer exec`'s, recovery and a read
// model fed from the log, the engine's own validateState, and conservation of satoshis.
import { emptyState, validateState, type EventEnvelope, type State } from '../engine/index.js';
import { runLine } from '../runtime/exec-line.js';
import { apply } from '../projections/mirror.js';
import { ChainWriter, checkLine, GENESIS_HASH } from '../runtime/chain.js';
import { fastStateHash } from '../runtime/fast-hash.js';
import { failedOf, runRecord } from '../runtime/record.js';
import { recover } from '../runtime/recover.js';
import type { Backend, InputRecord } from '../store/types.js';

export interface CheckInput {
  backend: Backend;
  /** What recovery reads (the store as the engine sees it, damaged snapshots included). */
  recoverFrom?: Backend;
  /** The engine's live state at the end of the run. */
  live: State;
}

export async function allInput(b: Backend): Promise<InputRecord[]> {
  const out: InputRecord[] = [];
  let after: string | null = null;
  for (;;) {
    const recs = await b.read(after, 10_000, 0);
    if (recs.length === 0) return out;
    out.push(...recs);
    after = recs[recs.length - 1]!.position;
  }
}

async function allEvents(b: Backend): Promise<{ seq: number; line: string; hash: string }[]> {
  const out: { seq: number; line: string; hash: string }[] = [];
  for (;;) {
    const rows = await b.readEvents(out.length + 1, 10_000);
    if (rows.length === 0) return out;
    out.push(...rows);
  }
}

/** The record as `relayer exec` reads it: the log's ts stamped on the envelope (record.ts does the same). */
export function execLine(rec: InputRecord): string {
  let v: unknown;
  try {
    v = JSON.parse(rec.raw);
  } catch {
    return rec.raw;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return rec.raw;
  (v as Record<string, unknown>)['ts'] = rec.ts;
  return JSON.stringify(v);
}

export async function checkRun(c: CheckInput): Promise<string[]> {
  const bad: string[] = [];
  const { backend, live } = c;
  const input = await allInput(backend);
  const head = await backend.lastCommitted();
  const last = input[input.length - 1];
  if (last !== undefined && head.position !== last.position) bad.push(`input position ${head.position} is not the input head ${last.position} after draining`);

  // 1. each input record's outcome exactly once, in order, byte for byte
  const oracle = emptyState();
  const chain = new ChainWriter(GENESIS_HASH);
  const expected: string[] = [];
  let failed = 0;
  for (const rec of input) {
    const out = runRecord(oracle, rec);
    for (const e of out) expected.push(chain.push(e));
    if (failedOf(rec, out) !== null) failed++;
  }
  const events = await allEvents(backend);
  if (head.seq !== events.length) bad.push(`the store says seq ${head.seq} is committed but holds ${events.length} events`);
  for (let i = 0; i < Math.max(events.length, expected.length); i++) {
    const got = events[i];
    const want = expected[i];
    if (got?.line !== want) {
      bad.push(
        `event ${i + 1}: the committed log ${got === undefined ? 'ends' : `has ${got.line.slice(0, 160)}`}, the input's outcome ${want === undefined ? 'ends' : `is ${want.slice(0, 160)}`}`,
      );
      break;
    }
  }
  const failedStored = await backend.failedCount();
  if (failedStored !== failed) bad.push(`${failedStored} failed-request records stored, ${failed} expected`);

  // 2. seq gapless from 1 and 3. the chain verifies
  let prev = GENESIS_HASH;
  for (const [i, e] of events.entries()) {
    if (e.seq !== i + 1) {
      bad.push(`seq gap: position ${i + 1} holds seq ${e.seq}`);
      break;
    }
    const ck = checkLine(e.line);
    if (!ck.ok || ck.prev !== prev || ck.hash !== e.hash) {
      bad.push(`hash chain broken at seq ${e.seq}: ${ck.reason ?? 'prev or hash does not link'}`);
      break;
    }
    prev = ck.hash;
  }

  // 4. the state hash equals relayer exec's over the committed input, and recovery's
  const exec = emptyState();
  // exec names a record without a usable id `line:N`, the loop `inbox:N`; neither is remembered
  // for dedupe (D90, fixed by D55), so exec's own naming must reach the same state
  input.forEach((rec, i) => {
    runLine(exec, execLine(rec), `line:${i + 1}`, i + 1);
  });
  const liveHash = fastStateHash(live);
  const execHash = fastStateHash(exec);
  if (liveHash !== execHash) bad.push(`state hash ${liveHash.slice(0, 16)}… differs from relayer exec over the committed input (${execHash.slice(0, 16)}…)`);
  const rec = await recover(c.recoverFrom ?? backend);
  if (fastStateHash(rec.state) !== liveHash)
    bad.push(`recovery from the store gives state hash ${fastStateHash(rec.state).slice(0, 16)}…, the engine held ${liveHash.slice(0, 16)}…`);

  // 5. validateState, on the live state and the recovered one
  for (const v of validateState(live).slice(0, 3)) bad.push(`validateState: ${v}`);
  for (const v of validateState(rec.state).slice(0, 3)) bad.push(`validateState after recovery: ${v}`);

  // 6. a read model fed from the log equals the engine state
  const mirror = emptyState();
  const envs: EventEnvelope[] = events.map((e) => JSON.parse(e.line) as EventEnvelope);
  for (const env of envs) apply(mirror, env);
  if (head.clock !== null) mirror.price_ts = head.clock.price_ts;
  if (fastStateHash(mirror) !== liveHash)
    bad.push(`a read model fed from the log has state hash ${fastStateHash(mirror).slice(0, 16)}…, the engine ${liveHash.slice(0, 16)}…`);

  // 7. no satoshi created or destroyed
  const m = conservation(envs, live);
  if (m !== null) bad.push(m);
  return bad;
}

/** Money in (genesis, deposits, margins posted) = money held (TLV, live margins) + money paid out. */
export function conservation(events: readonly EventEnvelope[], s: State): string | null {
  let inflow = 0;
  let outflow = 0;
  for (const e of events) {
    switch (e.type) {
      case 'PoolInitialized':
        inflow += e.data.pool.total_locked_value;
        break;
      case 'LendOrderCreated':
        inflow += Math.round(e.data.lend_order.deposit);
        break;
      case 'LendOrderSettled':
        outflow += e.data.withdraw;
        break;
      case 'TraderOrderOpened':
      case 'TraderOrderPending':
        inflow += e.data.order.initial_margin;
        break;
      case 'TraderOrderSettled':
        outflow += e.data.order.available_margin;
        break;
      case 'TraderOrderCancelled':
        outflow += e.data.order.initial_margin;
        break;
      default:
        break;
    }
  }
  let held = s.pool?.total_locked_value ?? 0;
  for (const o of s.orders.values()) held += o.initial_margin;
  if (inflow !== held + outflow)
    return `satoshis not conserved: ${inflow} in, ${held} held + ${outflow} paid out = ${held + outflow} (${held + outflow - inflow > 0 ? 'created' : 'destroyed'} ${Math.abs(held + outflow - inflow)})`;
  return null;
}
