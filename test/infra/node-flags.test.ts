// The V8 settings relayer runs with (D320): which are missing, the relaunch that adds them, and
// every way the project starts relayer carrying them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { missingNodeFlags, NODE_FLAGS } from '../../src/infra/node-flags.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FLAGS_MODULE = new URL('../../src/infra/node-flags.js', import.meta.url).href;

test('node flags: given none, every flag is missing; given any value of a flag, it is not', () => {
  assert.deepEqual(missingNodeFlags([], undefined), [...NODE_FLAGS]);
  assert.deepEqual(missingNodeFlags(['--expose-gc', '--inspect'], '--trace-warnings'), [...NODE_FLAGS]);
  assert.deepEqual(missingNodeFlags([...NODE_FLAGS], undefined), []);
  assert.deepEqual(missingNodeFlags(['--max-semi-space-size=4'], undefined), [], "the operator's own value wins");
  assert.deepEqual(missingNodeFlags(['--max_semi_space_size=8'], undefined), [], 'V8 spells - as _ too');
  assert.deepEqual(missingNodeFlags([], ' --max-semi-space-size=128  --enable-source-maps'), [], 'NODE_OPTIONS counts');
});

test('node flags: a process started without them runs again with them, keeping its arguments and exit code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-node-flags-'));
  try {
    const script = join(dir, 'probe.mjs');
    writeFileSync(
      script,
      [
        `import { missingNodeFlags, relaunchWith } from ${JSON.stringify(FLAGS_MODULE)};`,
        'const missing = missingNodeFlags(process.execArgv, process.env.NODE_OPTIONS);',
        'if (missing.length > 0) process.exitCode = await relaunchWith(missing);',
        'else {',
        '  process.stdout.write(JSON.stringify({ execArgv: process.execArgv, args: process.argv.slice(2) }));',
        '  process.exitCode = Number(process.argv[2]);',
        '}',
      ].join('\n'),
    );
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    const r = spawnSync(process.execPath, ['--no-warnings', script, '2', 'x y'], { encoding: 'utf8', env });
    assert.equal(r.status, 2, r.stderr);
    const seen = JSON.parse(r.stdout) as { execArgv: string[]; args: string[] };
    for (const f of NODE_FLAGS) assert.ok(seen.execArgv.includes(f), `the child runs with ${f}: ${seen.execArgv.join(' ')}`);
    assert.ok(seen.execArgv.includes('--no-warnings'), 'the parent’s own flags are kept');
    assert.deepEqual(seen.args, ['2', 'x y']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('node flags: `node bin/relayer bench` (relaunched with them) ends with the command’s own exit code and says its error once', () => {
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/relayer'), 'bench', 'no-such-suite'], { encoding: 'utf8', env });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.match(/unknown bench suite no-such-suite/g)?.length, 1, r.stderr);
});

test('node flags: bin/relayer’s first line and every deploy unit that names node start it with them', () => {
  const shebang = readFileSync(join(ROOT, 'bin/relayer'), 'utf8').split('\n')[0]!;
  assert.match(shebang, /^#!\/usr\/bin\/env -S node /);
  for (const f of NODE_FLAGS) assert.ok(shebang.split(' ').includes(f), `bin/relayer's first line carries ${f}`);
  const units = readdirSync(join(ROOT, 'deploy/systemd')).map((f) => join(ROOT, 'deploy/systemd', f));
  const supervisor = ['deploy/supervisor', 'deploy/markets'].flatMap((d) => readdirSync(join(ROOT, d)).map((f) => join(ROOT, d, f)));
  let starts = 0;
  for (const file of [...units, ...supervisor]) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const cmd = /^(?:ExecStart|command)=(\S+)(.*)$/.exec(line);
      if (cmd === null) continue;
      starts++;
      if (cmd[1]!.endsWith('/bin/relayer')) continue; // through its first line
      if (cmd[1]!.endsWith('/scripts/market-standby.sh')) {
        const script = readFileSync(join(ROOT, 'scripts/market-standby.sh'), 'utf8');
        assert.match(script, /bin=\("\$\(dirname "\$0"\)\/\.\.\/bin\/relayer"\)/, 'the standby runs bin/relayer through its first line');
        continue;
      }
      assert.match(cmd[1]!, /\/node$/, `${file}: ${line}`);
      for (const f of NODE_FLAGS) assert.ok(cmd[2]!.split(' ').includes(f), `${file} starts node with ${f}: ${line}`);
    }
  }
  assert.ok(starts >= 8, `found ${starts} start lines`);
});
