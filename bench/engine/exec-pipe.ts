// engine.exec_pipe: the real binary end to end, `relayer exec < file > /dev/null`: process start,
// stdin reading, parsing, deciding, the hash chain and the write to stdout all count. The file is
// the market setup and the mixed stream as JSON lines, written once; each run is a fresh process.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../../src/infra/node-flags.js';
import { nsSince, round1, runsOf } from './measure.js';
import { result, type Result } from './report.js';
import { Clock, MixedGenerator, preparedState, setupCommands, toWire } from './workload.js';

const BIN = fileURLToPath(new URL('../../../bin/relayer', import.meta.url));

export interface ExecPipePlan {
  lines: number;
  runs: number;
}

/** Writes the input file: setup commands, then `lines` commands of the mixed stream. */
function inputFile(dir: string, lines: number): string {
  const setupClock = new Clock();
  const wire = setupCommands(setupClock).map(toWire);
  const clock = new Clock(setupClock.ts);
  const gen = new MixedGenerator(preparedState(0, clock), clock);
  // the generator's own setup shifts its clock; the stream's ts stay increasing after ours
  while (wire.length < lines) for (const c of gen.segment(Math.min(50_000, lines - wire.length))) wire.push(toWire(c));
  const file = join(dir, 'stream.jsonl');
  writeFileSync(file, `${wire.join('\n')}\n`);
  return file;
}

export function benchExecPipe(plan: ExecPipePlan): Result {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-bench-exec-'));
  try {
    const file = inputFile(dir, plan.lines);
    const rates: number[] = [];
    for (let i = 0; i < plan.runs + 1; i++) {
      const stdin = openSync(file, 'r');
      const stdout = openSync('/dev/null', 'w');
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [...NODE_FLAGS, BIN, 'exec'], { stdio: [stdin, stdout, 'pipe'] });
      const ns = nsSince(t0);
      closeSync(stdin);
      closeSync(stdout);
      if (r.status !== 0) throw new Error(`relayer exec failed: ${r.stderr.toString()}`);
      if (i > 0) rates.push(plan.lines / (ns / 1e9)); // the first run warms the file cache
    }
    const s = runsOf(rates);
    return result(
      'engine.exec_pipe',
      {
        ops_per_s: Math.round(s.median),
        lines: plan.lines,
        runs: s.runs,
        spread_pct: round1(s.spread_pct),
        note: 'fresh process per run: start-up, stdin, parse, decide, hash chain, stdout to /dev/null',
      },
      { metric: 'ops_per_s', op: '>=', value: 400_000 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
