// `relayer project` through the real binary against real PostgreSQL and Redis: killed in the
// middle of a catch-up and restarted (nothing applied twice, nothing missing); connections cut
// again and again while a live engine keeps committing (retries with backoff, catches up, the
// engine never notices); `relayer status` shows each read model's lag.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { seededLog } from '../../src/workload/seeded-log.js';
import { workload } from '../../src/workload/commands.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { checkPostgres, checkRedis, readLog } from '../projections/verify.js';
import { drained, relayer, sleep, spawnCaptured, untilAsync } from './cli-helpers.js';
import { projectWorld } from './project-world.js';

test('relayer project: killed mid-catch-up and restarted, every row lands exactly once', async (t) => {
  const w = await projectWorld(t, 'kill');
  if (w === null) return;
  const { url, rurl, data, schema, prefix, c } = w;
  const seeded = await seededLog(data, 10_000, 31);
  await seeded.store.close();
  const lastSeq = seeded.lastSeq;

  const args = w.args(['--batch-size', '250', '--closed-ttl', '0', '--once', '--json', '--log-level', 'warn']);

  const first = spawnCaptured(t, args);
  let pgAt = 0;
  let redisAt = 0;
  await untilAsync(
    'both read models part-way',
    async () => {
      pgAt = await w.pgAt();
      redisAt = await w.redisAt();
      return (pgAt > 2000 && redisAt > 2000) || first.child.exitCode !== null ? true : null;
    },
    60_000,
    10,
  );
  first.child.kill('SIGKILL');
  await first.closed;
  // a COMMIT the server had already received still lands after the client died: wait until the
  // killed projector's session is gone before reading where PostgreSQL stands
  await untilAsync(
    "the killed projector's PostgreSQL session to end",
    async () =>
      Number((await c.query('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [`relayer-project:${schema}`])).rows[0].n) === 0
        ? true
        : null,
    10_000,
    10,
  );
  pgAt = await w.pgAt();
  redisAt = await w.redisAt();
  assert.ok(pgAt < lastSeq && redisAt < lastSeq, `killed mid-catch-up (postgres at ${pgAt}, redis at ${redisAt}, head ${lastSeq})`);

  const second = spawnCaptured(t, args);
  assert.equal(await second.closed, 0, second.err());
  const summary = JSON.parse(second.out()) as Record<string, { seq: number; events: number }>;
  assert.equal(summary['postgres']!.seq, lastSeq);
  assert.equal(summary['postgres']!.events, lastSeq - pgAt, 'the restart applied exactly the events after the checkpoint');
  assert.equal(summary['redis']!.seq, lastSeq);
  assert.equal(summary['redis']!.events, lastSeq - redisAt);

  const store = new SqliteStore(data);
  try {
    const log = await readLog(store);
    await checkPostgres(url, schema, log);
    await checkRedis(rurl, prefix, log);
  } finally {
    await store.close();
  }

  // status shows both at lag 0
  const st = relayer(['status', '--data', data, '--json', '--postgres', url, '--pg-schema', schema, '--redis', rurl, '--redis-prefix', prefix]);
  assert.equal(st.code, 0, st.stderr);
  const proj = (JSON.parse(st.stdout) as { projections: Record<string, { state: string; seq: number; lag: number }> }).projections;
  assert.deepEqual([proj['postgres']!.state, proj['postgres']!.seq, proj['postgres']!.lag], ['ok', lastSeq, 0]);
  assert.deepEqual([proj['redis']!.state, proj['redis']!.seq, proj['redis']!.lag], ['ok', lastSeq, 0]);
});

test('relayer project: connections cut while the engine runs; retries with backoff and catches up', async (t) => {
  const w = await projectWorld(t, 'cut');
  if (w === null) return;
  const { url, rurl, dir, data, schema, prefix, c, r } = w;
  const seeded = await seededLog(data, 2000, 41);
  await seeded.store.close();

  const engine = spawnCaptured(t, ['run', '--data', data, '--no-scheduler', '--log-level', 'warn']);
  const projector = spawnCaptured(t, w.args(['--closed-ttl', '0', '--poll-ms', '5', '--log-level', 'warn']));
  await untilAsync('the first catch-up', async () => ((await w.pgAt()) >= seeded.lastSeq && (await w.redisAt()) >= seeded.lastSeq ? true : null), 60_000, 10);

  // three rounds: submit work and, while the engine runs it, keep cutting the projector's connections
  const cut = async (): Promise<number> => {
    const pgKilled = await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [`relayer-project:${schema}`]);
    const clients = ((await r.client('LIST')) as string).split('\n').filter((l) => l.includes(` name=relayer-project:${prefix} `));
    for (const line of clients) await r.client('KILL', 'ID', /\bid=(\d+)/.exec(line)![1]!);
    return (pgKilled.rowCount ?? 0) + clients.length;
  };
  let cuts = 0;
  const seqs: number[] = [];
  for (let round = 0; round < 3; round++) {
    const file = join(dir, `round${round}.jsonl`);
    writeFileSync(file, `${workload(400, 50 + round, `cut${round}`).join('\n')}\n`);
    const sub = relayer(['submit', '--data', data, '--file', file, '--json']);
    assert.equal(sub.code, 0, sub.stderr);
    const cutUntil = Date.now() + 700;
    while (Date.now() < cutUntil) {
      cuts += await cut();
      await sleep(40);
    }
    seqs.push((await drained(data)).last_seq);
  }
  assert.ok(cuts >= 3, `connections cut: ${cuts}`);
  assert.ok(seqs[0]! > seeded.lastSeq && seqs[1]! > seqs[0]! && seqs[2]! > seqs[1]!, `the engine kept committing: ${seqs.join(', ')}`);
  const last = seqs[2]!;
  await untilAsync('both read models at the head', async () => ((await w.pgAt()) >= last && (await w.redisAt()) >= last ? true : null), 60_000, 10);
  assert.match(projector.err(), /postgres write failed; retrying|postgres: connect failed; retrying/);
  assert.match(projector.err(), /redis write failed; retrying|redis: connect failed; retrying/);

  projector.child.kill('SIGTERM');
  assert.equal(await projector.closed, 0, projector.err());
  engine.child.kill('SIGTERM');
  assert.equal(await engine.closed, 0, engine.err());
  assert.equal(engine.err().includes('"level":50'), false, `engine errors: ${engine.err()}`);

  const store = new SqliteStore(data);
  try {
    const log = await readLog(store);
    assert.equal(log.lastSeq, last);
    await checkPostgres(url, schema, log);
    await checkRedis(rurl, prefix, log);
  } finally {
    await store.close();
  }
});

test('relayer project: usage errors', () => {
  const none = relayer(['project', '--data', '/nonexistent']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /nothing to project into/);
  const help = relayer(['project', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Examples:/);
  const bad = relayer(['project', '--redis', 'redis://127.0.0.1:1', '--source', 'carrier-pigeon', '--data', '/nonexistent']);
  assert.equal(bad.code, 2);
});
