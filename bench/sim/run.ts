// `relayer bench sim`: how long a nightly `relayer sim --seeds 1..1000 --jobs 2` takes here.
//  * sim.seeds: seeds 1..N (N = 1000, --quick 50) at the default 200 steps and default faults,
//    over two worker threads as the nightly runs them; s = wall time, projected_1000_s = the time
//    for 1000 seeds at this rate; target: 1000 seeds in under 600 s. RELAYER_SIM_TMP puts the temp
//    stores elsewhere.
//  * sim.seed_ms: per-seed times (each seed's own simulate call) as median / p90 / max, and the
//    median per backend (the default `both`: odd seeds SQLite, even seeds the Kafka backend over
//    the in-process stand-in).
import { runCampaign } from '../../src/sim/campaign.js';
import { DEFAULT_FAULTS } from '../../src/sim/faults.js';
import { Reporter, result } from '../engine/report.js';

export interface SimBenchOptions {
  quick: boolean;
  json: boolean;
  tmp?: string;
}

export async function benchSim(opts: SimBenchOptions): Promise<void> {
  const rep = new Reporter(opts.json);
  const n = opts.quick ? 50 : 1000;
  const seeds = Array.from({ length: n }, (_, i) => i + 1);
  const t0 = performance.now();
  let failed = 0;
  const times: number[] = [];
  const per: Record<string, number[]> = { sqlite: [], kafka: [] };
  const tmp = opts.tmp ?? process.env['RELAYER_SIM_TMP'];
  await runCampaign({ seeds, steps: 200, kinds: DEFAULT_FAULTS, shrink: false, fsync: false, jobs: 2, ...(tmp === undefined ? {} : { tmp }) }, (r) => {
    times.push(r.ms);
    per[r.backend]!.push(r.ms);
    if (!r.ok) failed++;
    if (times.length % 50 === 0) rep.note(`${times.length}/${n} seeds`);
  });
  const s = (performance.now() - t0) / 1000;
  rep.add(
    result(
      'sim.seeds',
      { seeds: n, backend: 'both', jobs: 2, steps: 200, tmp: tmp ?? 'os', s: Math.round(s * 10) / 10, projected_1000_s: Math.round((s / n) * 1000), failed },
      { metric: 'projected_1000_s', op: '<=', value: 600 },
    ),
  );
  times.sort((a, b) => a - b);
  const q = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;
  for (const xs of Object.values(per)) xs.sort((a, b) => a - b);
  rep.add(
    result(
      'sim.seed_ms',
      {
        median_ms: q(times, 0.5),
        p90_ms: q(times, 0.9),
        max_ms: times[times.length - 1]!,
        sqlite_median_ms: q(per['sqlite']!, 0.5),
        kafka_median_ms: q(per['kafka']!, 0.5),
      },
      { metric: 'median_ms', op: '<=', value: 1200 },
    ),
  );
  rep.finish(`relayer sim: ${n} seeds × 200 steps, 2 worker threads`);
}
