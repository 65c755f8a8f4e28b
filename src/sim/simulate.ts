// One seed of the deterministic simulation: the real EngineLoop over a real backend — the SQLite
// store on a temp file, or the Kafka backend over an in-process stand-in (world.ts, D142) — every
// read a scheduling point, the clock simulated (the loop's and the log's), the traffic and the
// faults drawn from the seed. A crash drops the loop and everything in memory and recovers from the
// reopened store, as the supervisor's restart would. At the end the input is drained and every
// invariant checked.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { State } from '../engine/index.js';
import { silentLogger } from '../runtime/logger.js';
import { DEFAULT_LOOP, EngineLoop, type BatchStats, type LoopOptions } from '../runtime/loop.js';
import { recover } from '../runtime/recover.js';
import type { Backend } from '../store/types.js';
import { fastStateHash } from '../runtime/fast-hash.js';
import { allInput, checkRun, execLine } from './checks.js';
import { faultRng, type Fault } from './faults.js';
import { KafkaWorld } from './kafka-world.js';
import { CrashSignal, SimBackend, SimIoError } from './sim-backend.js';
import { SqliteWorld } from './sqlite-world.js';
import type { BackendKind, SimWorld } from './world.js';
import { planWorkload, SIM_EPOCH } from './workload.js';

/** What the simulation needs of a loop: EngineLoop's public face (a mutant copy may stand in). */
export interface LoopLike {
  run(): Promise<unknown>;
  stop(): void;
  readonly state: State;
  onBatch: ((s: BatchStats) => void) | null;
}

export type LoopFactory = (backend: Backend, state: State, lastHash: string, position: string | null, opts: LoopOptions) => LoopLike;

export const realLoop: LoopFactory = (b, s, h, p, o) => new EngineLoop(b, s, h, p, o);

export interface SimOptions {
  seed: number;
  steps: number;
  faults: readonly Fault[];
  /** Which backend the engine runs on (default sqlite). */
  backend?: BackendKind;
  loop?: LoopFactory;
  /** Keep SQLite's fsync (slow); the simulated crash never loses the OS cache, so it proves nothing more. */
  fsync?: boolean;
  /** Real-time limit for the loop to reach its next read (a hang). */
  hangMs?: number;
  /** Where the temp store goes (default the OS temp dir). */
  tmp?: string;
  /** Return the committed input as `relayer exec` lines (for checking against the binary). */
  keepInput?: boolean;
}

export interface SimStats { records: number; events: number; crashes: number; restarts: number; snapshots: number; takeovers?: number; fenced?: number; reclaimed?: number }

export interface SimResult {
  seed: number;
  steps: number;
  faults: readonly Fault[];
  violations: string[];
  stats: SimStats;
  ms: number;
  /** The engine's final state hash and the event log's last chain hash (same seed and faults: same values). */
  stateHash: string | null;
  logHash: string | null;
  input?: string[];
}

const HOUR = 3_600_000;

export async function simulate(o: SimOptions): Promise<SimResult> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(o.tmp ?? tmpdir(), 'relayer-sim-'));
  let now = SIM_EPOCH;
  const kind = o.backend ?? 'sqlite';
  const world: SimWorld = kind === 'kafka' ? new KafkaWorld(dir, () => now) : new SqliteWorld(dir, o.fsync === true, o.seed);
  const factory = o.loop ?? realLoop;
  const hangMs = o.hangMs ?? 10_000;
  const violations: string[] = [];
  const stats: SimStats = { records: 0, events: 0, crashes: 0, restarts: 0, snapshots: 0 };
  let stateHash: string | null = null;
  let logHash: string | null = null;
  let input: string[] | undefined;
  const sb = new SimBackend(await world.open());
  sb.readWaitMs = world.readWaitMs;
  const opts: LoopOptions = {
    ...DEFAULT_LOOP, batchMax: 64, batchMs: 2, idleMs: 1, now: () => now,
    snapshotEveryEvents: 150, keepSnapshots: 3, log: silentLogger(),
  };
  let loop: LoopLike | null = null;
  let running: Promise<unknown> | null = null;
  let exited: { error: unknown } | null = null;

  const boot = async (): Promise<void> => {
    const r = await recover(sb, {});
    const l = factory(sb, r.state, r.lastHash, r.position, opts);
    l.onBatch = (s) => sb.acknowledged(s.lastSeq);
    exited = null;
    loop = l;
    running = l.run().then(() => { exited = { error: null }; }, (e: unknown) => { exited = { error: e }; });
  };

  /** Waits until the loop parks in read (true) or ends (false); a hang is a violation. */
  const parked = async (): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<'hang'>((resolve) => { timer = setTimeout(() => resolve('hang'), hangMs); });
    const r = await Promise.race([sb.whenParked().then(() => 'parked' as const), running!.then(() => 'exited' as const), hang]);
    clearTimeout(timer);
    if (r === 'hang') throw new HangError(`the loop neither read again nor stopped within ${hangMs} ms`);
    return r === 'parked';
  };

  /** The process died (crash or fatal error): memory lost, the supervisor starts a new one. */
  const restart = async (crash: boolean): Promise<void> => {
    if (crash) { stats.crashes++; sb.kill(); }
    await running;
    const e = exited?.error;
    if (e !== null && e !== undefined && !(e instanceof CrashSignal) && !(e instanceof SimIoError) && !world.expected(e)) {
      violations.push(`the loop failed: ${(e as Error).message ?? String(e)}`);
    }
    await world.drop(sb.tornLeft);
    sb.tornLeft = false;
    await sb.attach(await world.open());
    stats.restarts++;
    await boot();
  };

  const plans = planWorkload(o.seed, o.steps);
  const faultAt = new Map(o.faults.map((f) => [f.step, f.kind]));
  const sent: string[] = [];
  let silentSteps = 0;
  let hour = Math.floor(now / HOUR);
  const append = async (raws: string[]): Promise<void> => { if (raws.length > 0) { await world.append(raws, now); stats.records += raws.length; } };

  try {
    await sb.attach(sb.inner);
    await boot();
    for (let step = 0; step < o.steps; step++) {
      if (!(await parked())) { await restart(false); await parked(); }
      const plan = plans[step]!;
      const kind = faultAt.get(step);
      const rng = faultRng(o.seed, step);
      now += plan.advanceMs;
      let crash = false;
      if (kind !== undefined && !(await world.fault(kind, rng, sb, violations))) {
        switch (kind) {
          case 'crash': crash = true; break;
          case 'commit-throws': case 'commit-unknown': case 'torn': sb.commitFault = kind; break;
          case 'fsync': sb.commitFault = 'fsync'; sb.snapshotFault = true; break;
          case 'duplicate': if (sent.length > 0) await append([rng.pick(sent)]); break;
          case 'delay': sb.emptyReads = rng.int(1, 4); sb.trickleReads = rng.int(1, 6); break;
          case 'burst': for (let k = 1; k <= 4 && step + k < o.steps; k++) { plan.submits.push(...plans[step + k]!.submits); plans[step + k]!.submits = []; } break;
          case 'snapshot-corrupt': if (await sb.corruptNewest()) crash = true; break;
          case 'clock-jump': now += rng.chance(0.6) ? rng.int(1, 48) * HOUR : -rng.int(1000, HOUR); break;
          case 'feed-silent': now += rng.int(35_000, 120_000); silentSteps = rng.int(2, 8); break;
          case 'second-engine': break;
          case 'redeliver': sb.rewind = rng.int(1, 5); break;
        }
      }
      // each client appends on its own (its own transaction), in arrival order; a client's
      // consecutive commands are one append, as one submit of several commands is
      for (let i = 0; i < plan.submits.length;) {
        let j = i + 1;
        while (j < plan.submits.length && plan.submits[j]!.client === plan.submits[i]!.client) j++;
        const raws = plan.submits.slice(i, j).map((x) => x.raw);
        await append(raws);
        for (const raw of raws) if (!raw.includes('"genesis"')) sent.push(raw);
        i = j;
      }
      if (plan.price !== null && silentSteps === 0) await append([JSON.stringify({ v: 1, id: `tick-${step}`, type: 'PriceTick', params: { price: plan.price, source: 'sim' } })]);
      if (silentSteps > 0) silentSteps--;
      if (Math.floor(now / HOUR) > hour) {
        hour = Math.floor(now / HOUR);
        await append([JSON.stringify({ v: 1, id: `funding-${hour}`, type: 'FundingCycle', params: {} })]);
      }
      if (crash) { await restart(true); continue; }
      await sb.serve();
    }
    // drain: no more faults; the engine takes everything appended
    sb.commitFault = null; sb.snapshotFault = false; sb.emptyReads = 0; sb.trickleReads = 0; sb.rewind = 0;
    let idle = 0;
    for (let guard = 0; idle < 3; guard++) {
      if (guard > 100_000) throw new HangError('the engine does not drain its input');
      if (!(await parked())) { await restart(false); continue; }
      const n = await sb.serve();
      idle = n === 0 && sb.durablePosition === (await world.head()) ? idle + 1 : 0;
    }
    const l = loop as unknown as LoopLike;
    l.stop();
    if (await parked()) await sb.serve();
    await running;
    if (exited !== null && (exited as { error: unknown }).error !== null) violations.push(`the loop failed while stopping: ${String((exited as { error: unknown }).error)}`);
    stats.snapshots = (await sb.listSnapshots()).length;
    stats.events = sb.durableSeq;
    const witness = await world.witness();
    violations.push(...sb.violations, ...world.finish(), ...await checkRun({ backend: witness, recoverFrom: sb, live: l.state }));
    if (world instanceof KafkaWorld) { stats.takeovers = world.takeovers; stats.fenced = world.fencedStops; stats.reclaimed = world.reclaimed; }
    stateHash = fastStateHash(l.state);
    logHash = (await witness.lastCommitted()).hash;
    if (o.keepInput === true) input = (await allInput(witness)).map(execLine);
  } catch (e) {
    violations.push(...sb.violations, e instanceof HangError ? `hang: ${e.message}` : `the simulation stopped: ${(e as Error).stack ?? String(e)}`);
    sb.kill();
  } finally {
    await world.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    seed: o.seed, steps: o.steps, faults: o.faults, violations: [...new Set(violations)], stats, ms: performance.now() - t0, stateHash, logHash,
    ...(input === undefined ? {} : { input }),
  };
}

class HangError extends Error {}
