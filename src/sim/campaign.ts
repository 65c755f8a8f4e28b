// Many seeds: each one simulated, each failure shrunk to its fewest faults and given the one
// command that replays it. `jobs` > 1 spreads seeds over worker threads (each its own engine).
import { Worker } from 'node:worker_threads';
import { formatSchedule, planFaults, type Fault, type FaultKind } from './faults.js';
import { shrink } from './shrink.js';
import { simulate, type LoopFactory, type SimStats } from './simulate.js';
import type { BackendKind } from './world.js';

/** `both` alternates by seed (D142): odd seeds on SQLite, even seeds on the Kafka backend. */
export type BackendChoice = BackendKind | 'both';

export function backendOf(seed: number, choice: BackendChoice): BackendKind {
  if (choice !== 'both') return choice;
  return seed % 2 === 0 ? 'kafka' : 'sqlite';
}

export interface CampaignOptions {
  seeds: number[];
  steps: number;
  kinds: readonly FaultKind[];
  /** Default both. */
  backend?: BackendChoice;
  /** An explicit schedule (replay): used instead of the seed's own. */
  schedule?: Fault[];
  shrink: boolean;
  fsync: boolean;
  jobs: number;
  tmp?: string;
  loop?: LoopFactory;
}

export interface SeedReport {
  seed: number;
  backend: BackendKind;
  ok: boolean;
  ms: number;
  faults: string;
  stats: SimStats;
  violations: string[];
  /** The shrunk schedule and the command that replays it (failures only). */
  shrunk?: string;
  replay?: string;
}

export function replayCommand(seed: number, steps: number, schedule: string, backend: BackendKind = 'sqlite'): string {
  return `relayer sim --backend ${backend} --seed ${seed} --steps ${steps} --schedule '${schedule}'`;
}

export async function runSeed(seed: number, o: Omit<CampaignOptions, 'seeds' | 'jobs'>): Promise<SeedReport> {
  const faults = o.schedule ?? planFaults(seed, o.steps, o.kinds);
  const backend = backendOf(seed, o.backend ?? 'both');
  const opts = {
    seed,
    steps: o.steps,
    faults,
    backend,
    fsync: o.fsync,
    ...(o.tmp === undefined ? {} : { tmp: o.tmp }),
    ...(o.loop === undefined ? {} : { loop: o.loop }),
  };
  const r = await simulate(opts);
  const report: SeedReport = {
    seed,
    backend,
    ok: r.violations.length === 0,
    ms: Math.round(r.ms),
    faults: formatSchedule(faults),
    stats: r.stats,
    violations: r.violations,
  };
  if (!report.ok) {
    const s = o.shrink ? (await shrink(opts, r)).result : r;
    report.violations = s.violations;
    report.shrunk = formatSchedule(s.faults);
    report.replay = replayCommand(seed, o.steps, report.shrunk, backend);
  }
  return report;
}

/** Runs every seed, calling `each` as reports arrive (in seed order when jobs = 1). */
export async function runCampaign(o: CampaignOptions, each: (r: SeedReport) => void): Promise<SeedReport[]> {
  const out: SeedReport[] = [];
  const jobs = Math.max(1, Math.min(o.jobs, o.seeds.length));
  if (jobs === 1 || o.loop !== undefined) {
    for (const seed of o.seeds) {
      const r = await runSeed(seed, o);
      out.push(r);
      each(r);
    }
    return out;
  }
  const queue = [...o.seeds];
  const { loop: _unused, seeds: _s, ...shared } = o;
  await Promise.all(
    Array.from(
      { length: jobs },
      () =>
        new Promise<void>((resolve, reject) => {
          const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: shared });
          const next = (): void => {
            const seed = queue.shift();
            if (seed === undefined) {
              void w.terminate().then(() => resolve());
              return;
            }
            w.postMessage(seed);
          };
          w.on('message', (r: SeedReport) => {
            out.push(r);
            each(r);
            next();
          });
          w.on('error', reject);
          next();
        }),
    ),
  );
  return out.sort((a, b) => a.seed - b.seed);
}
