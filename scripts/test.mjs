#!/usr/bin/env node
// Runs the whole compiled test suite with node's test runner. Services (PostgreSQL, Redis, Kafka)
// are checked by the suites that need them: locally they skip loudly, under CI=true they fail.
//
// Kafka: when nothing answers on 127.0.0.1:9092 this starts the project's broker
// (scripts/kafka/start.sh fetches it with Maven the first time) and stops it at the end; a broker
// that was already running is left alone. Under CI=true a broker that cannot start fails the run;
// locally (no Java or Maven, say) the Kafka tests skip with a loud message. The broker-outage test
// stops and restarts the broker, so it runs alone after the main suite.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CI = process.env.CI === 'true';
const BROKERS = process.env.RELAYER_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092';

// Static checks first, each failing the run on a finding: the import boundaries of
// docs/architecture.md (dependency-cruiser, .dependency-cruiser.cjs) and the linter and formatter
// (Biome, biome.json).
for (const script of ['boundaries', 'lint']) {
  const r = spawnSync('npm', ['run', '--silent', script], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`test: npm run ${script} found problems (see above): failing the run\n`);
    process.exit(1);
  }
}

function answers(hostPort) {
  const [host, port] = hostPort.split(',')[0].split(':');
  return new Promise((resolve) => {
    const s = connect({ host, port: Number(port) });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

// System tools the end-to-end tests drive (tmux, supervisord, nginx, openssl, curl, java, mvn):
// installed by scripts/system-deps.sh when missing and this user can (root or passwordless sudo).
// Under CI=true a tool that stays missing fails the run; locally its tests skip loudly.
if (spawnSync('bash', ['scripts/system-deps.sh', '--check'], { cwd: ROOT, stdio: 'ignore' }).status !== 0) {
  const inst = spawnSync('bash', ['scripts/system-deps.sh'], { cwd: ROOT, stdio: 'inherit' });
  if (inst.status !== 0) {
    const msg = 'system tools are missing and could not be installed (run scripts/system-deps.sh as root)';
    if (CI) {
      process.stderr.write(`test: ${msg} (CI=true): failing the run\n`);
      process.exit(1);
    }
    process.stderr.write(`\n${'!'.repeat(100)}\n!!! ${msg}: the tests that need them will skip\n${'!'.repeat(100)}\n\n`);
  }
}

// The optional Kafka client @confluentinc/kafka-javascript is a native addon built for one Node
// release. When it does not load (not built at `npm ci` because CKJS_LINKING was unset, or built for
// another Node), build it here against the system's libraries (scripts/system-deps.sh installs
// them): its tests need it under CI=true and skip loudly without it locally.
const require = createRequire(import.meta.url);
function confluentLoads() {
  const r = spawnSync(process.execPath, ['-e', "require('@confluentinc/kafka-javascript')"], { cwd: ROOT, stdio: 'ignore' });
  return r.status === 0;
}
if (!confluentLoads()) {
  let present = true;
  try {
    require.resolve('@confluentinc/kafka-javascript/package.json', { paths: [ROOT] });
  } catch {
    present = false;
  }
  process.stderr.write(
    `test: the Kafka client @confluentinc/kafka-javascript does not load; ${present ? 'rebuilding' : 'installing'} it (CKJS_LINKING=dynamic, a few minutes)\n`,
  );
  const buildEnv = { ...process.env, CKJS_LINKING: 'dynamic', npm_config_build_from_source: 'true' };
  const args = present
    ? ['rebuild', '@confluentinc/kafka-javascript', '--foreground-scripts']
    : ['install', '--no-save', '--no-audit', '--no-fund', '--include=optional'];
  const b = spawnSync('npm', args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: buildEnv });
  if (b.status !== 0 || !confluentLoads()) {
    const msg = 'the optional Kafka client @confluentinc/kafka-javascript could not be built';
    if (CI) {
      process.stderr.write(`test: ${msg} (CI=true): failing the run\n`);
      process.exit(1);
    }
    process.stderr.write(`\n${'!'.repeat(100)}\n!!! ${msg}: its tests will skip\n${'!'.repeat(100)}\n\n`);
  }
}

const env = { ...process.env };
let startedKafka = false;
if (process.env.RELAYER_TEST_KAFKA_BROKERS !== undefined || (await answers(BROKERS))) {
  env.RELAYER_TEST_KAFKA_BROKERS = BROKERS;
} else {
  process.stderr.write('test: no Kafka broker on 127.0.0.1:9092; starting one with scripts/kafka/start.sh\n');
  const k = spawnSync('bash', ['scripts/kafka/start.sh'], { cwd: ROOT, stdio: 'inherit' });
  if (k.status === 0) {
    startedKafka = true;
    env.RELAYER_TEST_KAFKA_BROKERS = BROKERS;
  } else if (CI) {
    process.stderr.write('test: the Kafka broker did not start (CI=true): failing the run\n');
    process.exit(1);
  } else {
    env.RELAYER_TEST_KAFKA_SKIP = 'scripts/kafka/start.sh could not start a broker (it needs java 17+ and mvn); see its output above';
    process.stderr.write(`\n${'!'.repeat(100)}\n!!! THE KAFKA TESTS WILL SKIP: ${env.RELAYER_TEST_KAFKA_SKIP}\n${'!'.repeat(100)}\n\n`);
  }
}
const stopKafka = () => {
  if (!startedKafka) return;
  startedKafka = false;
  spawnSync('bash', ['scripts/kafka/stop.sh'], { cwd: ROOT, stdio: 'inherit' });
};
process.on('SIGINT', () => {
  stopKafka();
  process.exit(130);
});
process.on('SIGTERM', () => {
  stopKafka();
  process.exit(143);
});

let status = 0;
try {
  // the files themselves: Node 20 expands a directory, Node 22+ takes only files or globs (and
  // Node 20 no globs), so the list is made here, the same on every release
  const files = readdirSync(join(ROOT, 'dist', 'test'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .map((f) => join('dist', 'test', f));
  const args = ['--test', '--test-reporter=spec', '--test-concurrency=2', ...files];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', env });
  status = r.status ?? 1;
  // a signal that stopped the suite (Ctrl-C, kill) also ends the run: signal handlers only run
  // once this synchronous code yields, so look at how the suite ended
  const interrupted = r.signal !== null || status === 130 || status === 143;
  if (env.RELAYER_TEST_KAFKA_BROKERS !== undefined && !interrupted) {
    // alone: it stops and restarts the broker the other Kafka tests use
    const outage = spawnSync(process.execPath, ['--test', '--test-reporter=spec', 'dist/test/e2e/kafka-outage.test.js'], {
      stdio: 'inherit',
      env: { ...env, RELAYER_TEST_KAFKA_OUTAGE: '1' },
    });
    if (status === 0) status = outage.status ?? 1;
  }
} finally {
  stopKafka();
}
process.exit(status);
