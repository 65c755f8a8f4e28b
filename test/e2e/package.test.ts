// The installable package (issue 20): `npm pack` of this tree, `npm i -g` of the tarball into an
// empty prefix (better-sqlite3 compiles from source against this Node's headers, dependencies come
// from the local npm cache first), then the installed `relayer` outside the repository: --help,
// exec (the same bytes as the repository's bin), and run --demo until its first output, stopped
// cleanly. No part of the repository is on the installed binary's paths.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { relayer, tempDir } from './cli-helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../../test/e2e/fixtures/example-a-d.jsonl', import.meta.url));

/** The Node headers next to this node (official tarballs and Debian both ship include/node), if any. */
function nodeDir(): string | null {
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node.h')) ? prefix : null;
}

test('package: npm pack, npm i -g into an empty prefix, relayer works without the repository', { timeout: 900_000 }, async (t) => {
  const work = tempDir('relayer-pack-');
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // given the tarball of this tree (dist is built: the tests run from it)
  const pack = spawnSync(npm, ['pack', '--ignore-scripts', '--pack-destination', work, '--json'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(pack.status, 0, pack.stderr);
  const [{ filename, files }] = JSON.parse(pack.stdout) as [{ filename: string; files: { path: string }[] }];
  const paths = files.map((f) => f.path);
  assert.ok(paths.includes('bin/relayer') && paths.includes('dist/src/cli.js'), 'bin and dist are shipped');
  assert.ok(!paths.some((p) => p.startsWith('src/') || p.startsWith('dist/test/') || p.startsWith('test/')), 'no sources or tests shipped');

  // when it is installed globally into an empty prefix
  const prefix = join(work, 'prefix');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_prefix: prefix,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    // no prebuilt binary is downloaded: compile against this Node (its headers when they sit beside it)
    npm_config_build_from_source: 'true',
    // the optional librdkafka client is left out: its compile takes minutes and the package runs
    // on kafkajs without it (D80); the suite tests that client from the repository's install
    npm_config_omit: 'optional',
  };
  const headers = nodeDir();
  if (headers !== null) env['npm_config_nodedir'] = headers;
  const inst = spawnSync(npm, ['install', '--global', '--prefer-offline', join(work, filename)], { cwd: work, env, encoding: 'utf8' });
  assert.equal(inst.status, 0, `npm i -g failed:\n${inst.stdout}\n${inst.stderr}`);
  const bin = join(prefix, 'bin', 'relayer');
  assert.ok(existsSync(bin), `installed bin at ${bin}`);
  assert.ok(readdirSync(join(prefix, 'lib', 'node_modules', 'relayer', 'node_modules')).includes('better-sqlite3'));
  // run from a directory outside the repository, with only the prefix's bin and node on PATH
  const cwd = join(work, 'elsewhere');
  spawnSync('mkdir', ['-p', cwd]);
  const runEnv = { ...process.env, PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}:/usr/bin:/bin`, NODE_PATH: '' };
  const run = (args: string[], input?: string) => spawnSync(bin, args, { cwd, env: runEnv, input, encoding: 'utf8' });

  // then --help lists the commands
  const help = run(['--help']);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /exec/);
  assert.match(help.stdout, /run/);

  // exec gives the same bytes as the repository's binary
  const input = readFileSync(FIXTURE, 'utf8');
  const installed = run(['exec', '--json'], input);
  assert.equal(installed.status, 0, installed.stderr);
  const repo = relayer(['exec', '--json'], input);
  assert.equal(installed.stdout, repo.stdout);
  assert.match(installed.stdout, /"state_hash"/);

  // run --demo starts on the embedded default, prints what to try next, stops cleanly on SIGINT
  const demo = spawn(bin, ['run', '--demo', '--data', join(work, 'data')], {
    cwd,
    env: { ...runEnv, RELAYER_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (demo.exitCode === null) demo.kill('SIGKILL');
  });
  let stderr = '';
  const started = new Promise<void>((resolve, reject) => {
    demo.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.includes('demo market running')) resolve();
    });
    demo.once('exit', (code) => reject(new Error(`demo exited (${code}) before running:\n${stderr}`)));
  });
  await started;
  const exit = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
  demo.kill('SIGINT');
  assert.equal(await exit, 0, stderr);
  assert.match(stderr, /relayer book/);
  assert.match(stderr, /"msg":"stopped"/);
});
