// The static checks `npm test` runs first: the import-boundary rules (.dependency-cruiser.cjs) and
// the linter/formatter (biome.json). Each is run for real over a small tree made in a temp folder:
// arrows that run the wrong way and code with a lint finding must fail it, a clean tree must pass.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const BIOME = join(ROOT, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A temp project holding `files` (path → text) plus the repository's own check configs. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-static-'));
  dirs.push(dir);
  copyFileSync(join(ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
  // the same rules, without the git ignore file (the temp folder is no repository)
  const biome = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8')) as Record<string, unknown>;
  delete biome['$schema'];
  biome['vcs'] = { enabled: false };
  writeFileSync(join(dir, 'biome.json'), JSON.stringify(biome));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function boundaries(dir: string): { code: number; out: string } {
  const r = spawnSync(process.execPath, [DEPCRUISE, 'src', 'bench', 'test', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], {
    cwd: dir,
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

function lint(dir: string): { code: number; out: string } {
  const r = spawnSync(process.execPath, [BIOME, 'check', '--error-on-warnings', '--colors=off', 'src'], { cwd: dir, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

describe('import boundaries', () => {
  test('the repository passes', () => {
    const r = spawnSync(process.execPath, [DEPCRUISE, 'src', 'bench', 'test', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test('arrows that follow the layers pass', () => {
    const r = boundaries(
      tree({
        'src/engine/core.ts': 'export const core = 1;\n',
        'src/infra/log.ts': "import { createHash } from 'node:crypto';\nexport const log = createHash;\n",
        'src/store/store.ts': "import { core } from '../engine/core.js';\nimport { log } from '../infra/log.js';\nexport const store = [core, log];\n",
        'src/runtime/loop.ts': "import { store } from '../store/store.js';\nexport const loop = store;\n",
        'src/commands/run.ts': "import { loop } from '../runtime/loop.js';\nexport const run = loop;\n",
        'src/cli.ts': "import { run } from './commands/run.js';\nexport const cli = run;\n",
        'bench/b.ts': "import { loop } from '../src/runtime/loop.js';\nexport const b = loop;\n",
        'test/t.ts': "import { run } from '../src/commands/run.js';\nexport const t = run;\n",
      }),
    );
    assert.equal(r.code, 0, r.out);
  });

  test('every arrow that runs the wrong way fails the check, each under its rule', () => {
    const r = boundaries(
      tree({
        'src/engine/core.ts': "import { readFileSync } from 'node:fs';\nimport { log } from '../infra/log.js';\nexport const core = [readFileSync, log];\n",
        'src/infra/log.ts': "import { loop } from '../runtime/loop.js';\nexport const log = loop;\n",
        'src/store/store.ts': "import { loop } from '../runtime/loop.js';\nexport const store = loop;\n",
        'src/feed/source.ts': "import { loop } from '../runtime/loop.js';\nexport const source = loop;\n",
        'src/runtime/loop.ts': "import { run } from '../commands/run.js';\nexport const loop = run;\n",
        'src/projections/model.ts': "import { gateway } from '../api/gateway.js';\nexport const model = gateway;\n",
        'src/api/gateway.ts': "import { b } from '../../bench/b.js';\nexport const gateway = b;\n",
        'src/commands/run.ts': 'export const run = 1;\n',
        'bench/b.ts': "import { t } from '../test/t.js';\nexport const b = t;\n",
        'test/t.ts': 'export const t = 1;\n',
      }),
    );
    assert.notEqual(r.code, 0, r.out);
    for (const rule of [
      'engine-is-pure',
      'infra-is-a-leaf',
      'store-below-runtime',
      'feed-below-runtime',
      'runtime-below-commands',
      'projections-below-api-and-tui',
      'only-the-cli-imports-commands',
      'nothing-imports-bench',
      'nothing-imports-test',
    ])
      assert.match(r.out, new RegExp(`error ${rule}:`), `${rule} reported\n${r.out}`);
  });
});

describe('lint and format', () => {
  test('clean code passes', () => {
    const r = lint(tree({ 'src/a.ts': 'export function twice(x: number): number {\n  return x * 2;\n}\n' }));
    assert.equal(r.code, 0, r.out);
  });

  test('a lint finding fails the check', () => {
    const r = lint(tree({ 'src/a.ts': 'export function f(): number {\n  let x;\n  x = 1;\n  return x;\n}\n' }));
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /noImplicitAnyLet/);
  });

  test('unformatted code fails the check', () => {
    const r = lint(tree({ 'src/a.ts': 'export function twice( x:number ):number{return x*2}\n' }));
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /format/i);
  });
});
