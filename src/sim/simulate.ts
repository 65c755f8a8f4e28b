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
import { silentLogger } from '../infra/logger.js';
import { DEFAULT_LOOP, EngineLoop, type BatchStats, type LoopOptions } from '../runtime/loop.js';
import { recover } from '../runtime/recover.js';
import type { Backend } from '../store/types.js';
import { fastStateHash } from '../runtime/fast-hash.js';
import { allInput, checkRun, execLine } from './checks.js';
import { faultRng, type Fault } from './faults.js';
import type { Prng } from '../infra/prng.js';
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

export interface SimStats {
  records: number;
  events: number;
  crashes: number;
  restarts: number;
  snapshots: number;
  takeovers?: number;
  fenced?: number;
}

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
  const opts: LoopOptions = {
    ...DEFAULT_LOOP,
    batchMax: 64,
    batchMs: 2,
    idleMs: 1,
    now: () => now,
    snapshotEveryEvents: 150,
    keepSnapshots: 3,
    log: silentLogger(),
  };

  /** One engine process: its scheduled store, its loop, and how the loop ended. */
  interface Proc {
    sb: SimBackend;
    loop: LoopLike;
    running: Promise<void>;
    exited: { error: unknown } | null;
  }
  const start = async (sb: SimBackend): Promise<Proc> => {
    const r = await recover(sb, {});
    const l = factory(sb, r.state, r.lastHash, r.position, opts);
    l.onBatch = (st) => sb.acknowledged(st.lastSeq);
    const p: Proc = { sb, loop: l, running: Promise.resolve(), exited: null };
    p.running = l.run().then(
      () => {
        p.exited = { error: null };
      },
      (e: unknown) => {
        p.exited = { error: e };
      },
    );
    return p;
  };
  const first = new SimBackend(await world.open());
  first.readWaitMs = world.readWaitMs;
  await first.attach(first.inner);
  let cur = await start(first);
  /** Older engines still running after a second engine took the market over (Kafka): each must stop on the fence. */
  const zombies: Proc[] = [];

  /** Waits until the loop parks in read (true) or ends (false); a hang is a violation. */
  const parked = async (p: Proc = cur): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<'hang'>((resolve) => {
      timer = setTimeout(() => resolve('hang'), hangMs);
    });
    const r = await Promise.race([p.sb.whenParked().then(() => 'parked' as const), p.running.then(() => 'exited' as const), hang]);
    clearTimeout(timer);
    if (r === 'hang') throw new HangError(`the loop neither read again nor stopped within ${hangMs} ms`);
    return r === 'parked';
  };

  const ended = (p: Proc, who: string): void => {
    const e = p.exited?.error;
    if (e !== null && e !== undefined && !(e instanceof CrashSignal) && !(e instanceof SimIoError) && !world.expected(e)) {
      violations.push(`${who} failed: ${(e as Error).message ?? String(e)}`);
    }
  };

  /** The process died (crash or fatal error): memory lost, the supervisor starts a new one. */
  const restart = async (crash: boolean): Promise<void> => {
    if (crash) {
      stats.crashes++;
      cur.sb.kill();
    }
    await cur.running;
    ended(cur, 'the loop');
    await world.drop(cur.sb.tornLeft);
    cur.sb.tornLeft = false;
    await cur.sb.attach(await world.open());
    stats.restarts++;
    cur = await start(cur.sb);
  };

  /** Older engines get their reads served too; one that ended must have stopped on the fence. */
  const serveZombies = async (): Promise<void> => {
    for (const z of [...zombies]) {
      if (z.exited === null && world.isDead(z.sb.inner)) {
        z.sb.kill();
        await z.running;
      }
      // busy (a retry waits on a real timer): let it reach its next read or end
      if (z.exited === null && !z.sb.isParked) await parked(z);
      if (z.exited !== null) {
        ended(z, 'an engine that was taken over');
        violations.push(...z.sb.violations);
        zombies.splice(zombies.indexOf(z), 1);
        continue;
      }
      if (z.sb.isParked) await z.sb.serve();
    }
  };

  /**
   * A second engine takes the market over (Kafka): while the running engine's next transaction is
   * on its way to commit, the newcomer initialises the transactional id (aborting that transaction),
   * recovers, and commits what it reads; then the old engine's commit request fails without an
   * answer (or is refused as fenced), and the old engine, still running, must stop on the fence.
   */
  const takeover = async (kw: KafkaWorld, rng: Prng): Promise<void> => {
    const old = cur;
    const client = kw.engineClient();
    let reached!: () => void;
    const atCommit = new Promise<'commit'>((resolve) => {
      reached = () => resolve('commit');
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    client.meanwhile = async () => {
      reached();
      await gate;
    };
    const served = old.sb.serve();
    const r = await Promise.race([atCommit, served.then(() => old.sb.whenParked()).then(() => 'parked' as const), old.running.then(() => 'exited' as const)]);
    if (r !== 'commit') client.meanwhile = null;
    const sb = new SimBackend(await kw.takeOver());
    sb.readWaitMs = world.readWaitMs;
    await sb.attach(sb.inner);
    cur = await start(sb);
    zombies.push(old);
    if (await parked()) await cur.sb.serve();
    if (r === 'commit' && rng.chance(0.5)) {
      client.commitFault = 'fail';
      client.commitFaultAfter = 0;
    }
    // always: a commit that reached the hook after the race was decided waits here too
    release();
  };
  const plans = planWorkload(o.seed, o.steps);
  const faultAt = new Map(o.faults.map((f) => [f.step, f.kind]));
  const sent: string[] = [];
  let silentSteps = 0;
  let hour = Math.floor(now / HOUR);
  const append = async (raws: string[]): Promise<void> => {
    if (raws.length > 0) {
      await world.append(raws, now);
      stats.records += raws.length;
    }
  };

  try {
    for (let step = 0; step < o.steps; step++) {
      if (!(await parked())) {
        await restart(false);
        await parked();
      }
      // a process that died inside a commit it had left running: its loop waits in a read, a ghost
      if (world.isDead(cur.sb.inner)) {
        await restart(true);
        await parked();
      }
      const plan = plans[step]!;
      const kind = faultAt.get(step);
      const rng = faultRng(o.seed, step);
      now += plan.advanceMs;
      let crash = false;
      const sb = cur.sb;
      if (kind === 'second-engine' && world instanceof KafkaWorld) {
        await takeover(world, rng);
      } else if (kind !== undefined && !(await world.fault(kind, rng, sb, violations))) {
        switch (kind) {
          case 'crash':
            crash = true;
            break;
          case 'commit-throws':
          case 'commit-unknown':
          case 'torn':
            sb.commitFault = kind;
            break;
          case 'fsync':
            sb.commitFault = 'fsync';
            sb.snapshotFault = true;
            break;
          case 'duplicate':
            if (sent.length > 0) await append([rng.pick(sent)]);
            break;
          case 'delay':
            sb.emptyReads = rng.int(1, 4);
            sb.trickleReads = rng.int(1, 6);
            break;
          case 'burst':
            for (let k = 1; k <= 4 && step + k < o.steps; k++) {
              plan.submits.push(...plans[step + k]!.submits);
              plans[step + k]!.submits = [];
            }
            break;
          case 'snapshot-corrupt':
            if (await sb.corruptNewest()) crash = true;
            break;
          case 'clock-jump':
            now += rng.chance(0.6) ? rng.int(1, 48) * HOUR : -rng.int(1000, HOUR);
            break;
          case 'feed-silent':
            now += rng.int(35_000, 120_000);
            silentSteps = rng.int(2, 8);
            break;
          case 'second-engine':
            break;
          case 'redeliver':
            sb.rewind = rng.int(1, 5);
            break;
        }
      }
      // each client appends on its own (its own transaction), in arrival order; a client's
      // consecutive commands are one append, as one submit of several commands is
      for (let i = 0; i < plan.submits.length; ) {
        let j = i + 1;
        while (j < plan.submits.length && plan.submits[j]!.client === plan.submits[i]!.client) j++;
        const raws = plan.submits.slice(i, j).map((x) => x.raw);
        await append(raws);
        for (const raw of raws) if (!raw.includes('"genesis"')) sent.push(raw);
        i = j;
      }
      if (plan.price !== null && silentSteps === 0)
        await append([JSON.stringify({ v: 1, id: `tick-${step}`, type: 'PriceTick', params: { price: plan.price, source: 'sim' } })]);
      if (silentSteps > 0) silentSteps--;
      if (Math.floor(now / HOUR) > hour) {
        hour = Math.floor(now / HOUR);
        await append([JSON.stringify({ v: 1, id: `funding-${hour}`, type: 'FundingCycle', params: {} })]);
      }
      if (crash) {
        await restart(true);
        await serveZombies();
        continue;
      }
      if (await parked()) await cur.sb.serve();
      await serveZombies();
    }
    // drain: no more faults; the engine takes everything appended, older engines stop on the fence
    const sb = cur.sb;
    sb.commitFault = null;
    sb.snapshotFault = false;
    sb.emptyReads = 0;
    sb.trickleReads = 0;
    sb.rewind = 0;
    let idle = 0;
    for (let guard = 0; idle < 3 || zombies.length > 0; guard++) {
      if (guard > 100_000)
        throw new HangError(zombies.length > 0 ? 'an engine that was taken over never stopped on the fence' : 'the engine does not drain its input');
      if (!(await parked())) {
        await restart(false);
        continue;
      }
      if (world.isDead(cur.sb.inner)) {
        await restart(true);
        continue;
      }
      const n = await cur.sb.serve();
      await serveZombies();
      idle = n === 0 && cur.sb.durablePosition === (await world.head()) ? idle + 1 : 0;
    }
    const l = cur.loop;
    l.stop();
    if (await parked()) await cur.sb.serve();
    await cur.running;
    if (cur.exited !== null && cur.exited.error !== null) violations.push(`the loop failed while stopping: ${String(cur.exited.error)}`);
    stats.snapshots = (await cur.sb.listSnapshots()).length;
    stats.events = cur.sb.durableSeq;
    const witness = await world.witness();
    violations.push(...cur.sb.violations, ...(await world.finish()), ...(await checkRun({ backend: witness, recoverFrom: cur.sb, live: l.state })));
    if (world instanceof KafkaWorld) {
      stats.takeovers = world.takeovers;
      stats.fenced = world.fencedStops;
    }
    stateHash = fastStateHash(l.state);
    logHash = (await witness.lastCommitted()).hash;
    if (o.keepInput === true) input = (await allInput(witness)).map(execLine);
  } catch (e) {
    violations.push(...cur.sb.violations, e instanceof HangError ? `hang: ${e.message}` : `the simulation stopped: ${(e as Error).stack ?? String(e)}`);
    cur.sb.kill();
    for (const z of zombies) z.sb.kill();
  } finally {
    await world.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    seed: o.seed,
    steps: o.steps,
    faults: o.faults,
    violations: [...new Set(violations)],
    stats,
    ms: performance.now() - t0,
    stateHash,
    logHash,
    ...(input === undefined ? {} : { input }),
  };
}

class HangError extends Error {}
