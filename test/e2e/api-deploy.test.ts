// The deployment samples of docs/deploy.md run for real by scripts/deploy-check.sh: supervisord with
// run, feed, project and two gateways, nginx with TLS in front; SIGTERM loses no acknowledged order.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { needServices } from '../helpers/services.js';

const SCRIPT = fileURLToPath(new URL('../../../scripts/deploy-check.sh', import.meta.url));
const missing = ['supervisord', 'nginx', 'openssl', 'curl'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);

test('deploy samples: supervisord + nginx (TLS) + two gateways; a stop loses nothing', { timeout: 120_000 }, async (t) => {
  if (missing.length > 0) {
    const msg = `${missing.join(', ')} not installed (apt-get install -y supervisor nginx openssl curl)`;
    if (process.env['CI'] === 'true') assert.fail(`${msg}; under CI=true this is a failure`);
    process.stderr.write(`\n${'!'.repeat(100)}\n!!! SKIPPED: ${msg}\n${'!'.repeat(100)}\n\n`);
    t.skip(`SKIPPED LOUDLY: ${msg}`);
    return;
  }
  const svc = await needServices(t, 'the gateway tests');
  if (svc === null) return;
  const r = spawnSync('bash', [SCRIPT], {
    encoding: 'utf8',
    env: { ...process.env, RELAYER_TEST_PG_URL: svc.pg, RELAYER_TEST_REDIS_URL: svc.redis },
    timeout: 110_000,
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /40\/40 orders durable/);
  assert.match(r.stdout, /load balancing: gateway a appended [1-9]\d*, gateway b [1-9]/);
});
