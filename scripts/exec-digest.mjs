#!/usr/bin/env node
// Prints what must be identical on every supported Node release for one seeded input: the SHA-256
// of `relayer exec --json`'s stdout bytes and the state hash from its summary. `.ci/run` runs it
// on each Node and compares the two lines. Needs the build (dist/).
//   node scripts/exec-digest.mjs [commands] [seed]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const n = Number(process.argv[2] ?? 20_000);
const seed = Number(process.argv[3] ?? 7);
const { workload } = await import(new URL('../dist/src/workload/commands.js', import.meta.url).href);
// exec needs a ts on every envelope: one command per 50 ms of a fixed clock
const t0 = Date.UTC(2026, 0, 1);
const input = [
  JSON.stringify({
    v: 1,
    id: 'genesis',
    ts: t0,
    type: 'InitPool',
    params: { total_locked_value: 10_000_000_000, total_pool_share: 1_000_000, account_id: 'operator' },
  }),
];
workload(n, seed).forEach((line, i) => {
  input.push(JSON.stringify({ ...JSON.parse(line), ts: t0 + 50 * (i + 1) }));
});
const r = spawnSync(process.execPath, ['bin/relayer', 'exec', '--json'], { cwd: ROOT, input: `${input.join('\n')}\n`, maxBuffer: 1 << 30 });
if (r.status !== 0) {
  process.stderr.write(r.stderr);
  process.exit(1);
}
const lines = r.stdout.toString('utf8').trimEnd().split('\n');
const summary = JSON.parse(lines[lines.length - 1]).summary;
const digest = createHash('sha256').update(r.stdout).digest('hex');
process.stdout.write(`commands ${summary.commands} events ${summary.events} stdout-sha256 ${digest} state_hash ${summary.state_hash}\n`);
