// Log format: readable lines on a terminal, JSON lines otherwise, RELAYER_LOG_FORMAT overriding.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { logFormat } from '../../src/infra/logger.js';

const LOGGER = new URL('../../src/infra/logger.js', import.meta.url).href;

function logged(format: string | undefined): string {
  const script = `import(${JSON.stringify(LOGGER)}).then(({ createLogger }) => createLogger('info', 'relayer').info({ seq: 7 }, 'recovered'))`;
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env['RELAYER_LOG_FORMAT'];
  if (format !== undefined) env['RELAYER_LOG_FORMAT'] = format;
  const r = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '', 'logs never go to stdout');
  return r.stderr;
}

test('logger: the format follows the terminal unless RELAYER_LOG_FORMAT says', () => {
  assert.equal(logFormat({}, true), 'pretty');
  assert.equal(logFormat({}, false), 'json');
  assert.equal(logFormat({ RELAYER_LOG_FORMAT: 'json' }, true), 'json');
  assert.equal(logFormat({ RELAYER_LOG_FORMAT: 'pretty' }, false), 'pretty');
  assert.equal(logFormat({ RELAYER_LOG_FORMAT: 'xml' }, false), 'json', 'an unknown value is ignored');
});

test('logger: JSON lines when piped, one readable line when pretty', () => {
  const json = logged(undefined);
  const entry = JSON.parse(json.trim()) as Record<string, unknown>;
  assert.equal(entry['msg'], 'recovered');
  assert.equal(entry['seq'], 7);
  assert.equal(entry['level'], 30);
  const pretty = logged('pretty');
  assert.equal(pretty.trim().split('\n').length, 1, pretty);
  assert.match(pretty, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: recovered \{"seq":7\}\n$/);
});
