// `relayer sim`: seeded simulations of the real loop and store under faults (src/sim/), and
// `relayer sim fuzz`: mutated inputs through the parser, the gateway and (with Redis) its HTTP port.
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { CliError, usage } from '../errors.js';
import { progressBar } from '../runtime/progress.js';
import { runCampaign, type BackendChoice, type SeedReport } from '../sim/campaign.js';
import { DEFAULT_FAULTS, parseFaultList, parseSchedule, type Fault, type FaultKind } from '../sim/faults.js';
import { fuzzCampaign } from '../sim/fuzz/campaign.js';
import { BACKENDS } from '../sim/world.js';
import { printJson } from './print.js';

export interface SimCliOptions {
  backend?: string;
  seed?: string;
  seeds?: string;
  steps?: string;
  faults?: string;
  schedule?: string;
  json?: boolean;
  fsync?: boolean;
  shrink?: boolean;
  jobs?: string;
  tmp?: string;
}

const int = (name: string, min: number) =>
  z
    .string()
    .regex(/^\d+$/, `--${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min, `--${name} must be at least ${min}`);

function parse<T>(schema: z.ZodType<T>, v: unknown): T {
  const r = schema.safeParse(v);
  if (!r.success) throw usage(r.error.issues[0]?.message ?? 'bad option');
  return r.data;
}

function seedRange(opts: { seed?: string; seeds?: string }): number[] {
  if (opts.seed !== undefined && opts.seeds !== undefined) throw usage('give --seed or --seeds, not both');
  if (opts.seeds !== undefined) {
    const m = /^(\d+)\.\.(\d+)$/.exec(opts.seeds);
    if (m === null || Number(m[2]) < Number(m[1])) throw usage('--seeds must be A..B with A <= B, e.g. 1..1000');
    return Array.from({ length: Number(m[2]) - Number(m[1]) + 1 }, (_, i) => Number(m[1]) + i);
  }
  return [parse(int('seed', 0), opts.seed ?? '1')];
}

export async function sim(opts: SimCliOptions): Promise<void> {
  const seeds = seedRange(opts);
  const backend = opts.backend ?? 'both';
  if (backend !== 'both' && !(BACKENDS as readonly string[]).includes(backend))
    throw usage(`--backend must be sqlite, kafka or both, not ${JSON.stringify(backend)}`);
  const steps = parse(int('steps', 1), opts.steps ?? '200');
  const jobs = parse(int('jobs', 1), opts.jobs ?? '1');
  let kinds: readonly FaultKind[];
  let schedule: Fault[] | undefined;
  try {
    kinds = opts.faults === undefined ? DEFAULT_FAULTS : parseFaultList(opts.faults);
    schedule = opts.schedule === undefined ? undefined : parseSchedule(opts.schedule);
  } catch (e) {
    throw usage((e as Error).message);
  }
  if (schedule !== undefined && seeds.length !== 1) throw usage('--schedule replays one seed: give --seed');
  const tmp = opts.tmp ?? process.env['RELAYER_SIM_TMP'];
  if (tmp !== undefined && !existsSync(tmp)) throw usage(`--tmp ${tmp}: no such directory`);
  const bar = progressBar('sim');
  let done = 0;
  let failed = 0;
  const t0 = performance.now();
  await runCampaign(
    {
      seeds,
      steps,
      kinds,
      backend: backend as BackendChoice,
      ...(schedule === undefined ? {} : { schedule }),
      shrink: opts.shrink !== false,
      fsync: opts.fsync === true,
      jobs,
      ...(tmp === undefined ? {} : { tmp }),
    },
    (r) => {
      done++;
      if (!r.ok) failed++;
      bar.update(done, seeds.length);
      if (opts.json) printJson(r);
      else if (!r.ok) {
        bar.stop();
        printFailure(r);
      } else if (seeds.length === 1)
        process.stdout.write(
          `seed ${r.seed} (${r.backend}): ok (${r.stats.records} records, ${r.stats.events} events, ${r.stats.restarts} restarts, faults ${r.faults || 'none'}) in ${r.ms} ms\n`,
        );
    },
  );
  bar.stop();
  const ms = Math.round(performance.now() - t0);
  if (opts.json) printJson({ summary: { seeds: seeds.length, failed, steps, ms } });
  else if (seeds.length > 1) process.stdout.write(`${seeds.length} seeds, ${failed} failed, ${steps} steps each, ${(ms / 1000).toFixed(1)} s\n`);
  if (failed > 0) throw new CliError(`${failed} of ${seeds.length} seeds failed (each replays with the command printed above it)`);
}

/** What a failing seed prints: the seed, its schedule shrunk, every violation, the replay command. */
export function failureText(r: SeedReport): string {
  let out = `\nseed ${r.seed} (${r.backend}) FAILED (faults ${r.faults || 'none'}; shrunk to ${r.shrunk || 'no faults'})\n`;
  for (const v of r.violations) out += `  - ${v}\n`;
  return `${out}  replay: ${r.replay}\n`;
}

function printFailure(r: SeedReport): void {
  process.stderr.write(failureText(r));
}

export interface FuzzCliOptions {
  inputs?: string;
  seed?: string;
  from?: string;
  hangMs?: string;
  http?: string;
  redis?: string;
  json?: boolean;
}

export async function fuzz(opts: FuzzCliOptions): Promise<void> {
  const inputs = parse(int('inputs', 1), opts.inputs ?? '100000');
  const seed = parse(int('seed', 0), opts.seed ?? '1');
  const from = parse(int('from', 0), opts.from ?? '0');
  const hangMs = parse(int('hang-ms', 100), opts.hangMs ?? '10000');
  const http = parse(int('http', 0), opts.http ?? '0');
  const bar = progressBar('fuzz');
  const r = await fuzzCampaign({ seed, from, inputs, hangMs }, (d) => bar.update(d, inputs));
  bar.stop();
  let httpReport = null;
  if (http > 0) {
    const { fuzzHttp, RedisUnavailable } = await import('../sim/fuzz/http.js');
    try {
      httpReport = await fuzzHttp({ seed, requests: http, redisUrl: opts.redis ?? process.env['RELAYER_REDIS_URL'] ?? 'redis://127.0.0.1:6379' });
    } catch (e) {
      if (e instanceof RedisUnavailable) throw new CliError(e.message);
      throw e;
    }
  }
  const findings = [...r.findings, ...(httpReport?.findings ?? [])];
  const crashes = findings.filter((f) => f.kind === 'crash').length;
  const summary = {
    seed,
    from,
    inputs: r.inputs,
    findings: findings.length,
    crashes,
    hangs: r.hangs,
    slowest_ms: Math.round(r.slowestMs * 10) / 10,
    slowest_index: r.slowestIndex,
    ms: r.ms,
    http: httpReport === null ? null : { requests: httpReport.requests, statuses: httpReport.statuses, submitted: httpReport.submitted, ms: httpReport.ms },
  };
  if (opts.json) {
    for (const f of findings) printJson({ finding: f });
    printJson({ summary });
  } else {
    for (const f of findings)
      process.stderr.write(
        `${f.kind} (${f.target}) at input ${f.index}: ${f.message}\n  input: ${f.input}\n  replay: relayer sim fuzz --seed ${seed} --from ${f.index} --inputs 1\n`,
      );
    process.stdout.write(
      `${r.inputs} inputs, ${findings.length} findings (${crashes} crashes, ${r.hangs} hangs), slowest input ${summary.slowest_ms} ms (#${r.slowestIndex}), ${(r.ms / 1000).toFixed(1)} s` +
        `${httpReport === null ? '' : `; HTTP: ${httpReport.requests} requests, statuses ${JSON.stringify(httpReport.statuses)}`}\n`,
    );
  }
  if (findings.length > 0) throw new CliError(`fuzzing found ${findings.length} problems (listed above)`);
}
