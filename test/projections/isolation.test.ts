// One read model that cannot start (a PostgreSQL URL whose user does not exist: the error of
// docs/read-models.md's old URL where $USER is unset) no longer stops the other: the Redis
// projection catches up and follows, the PostgreSQL one keeps retrying and says why.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { pgModel, projector, reached, redisModel, seeded, moreWork } from './helpers.js';
import { dropPrefix, needPg, needRedis, uniqueName } from '../helpers/services.js';
import { until } from '../helpers/wait.js';
import { capturedLogger } from '../helpers/log-capture.js';

test('projections: a PostgreSQL model that cannot connect does not stop the Redis one', { timeout: 60_000 }, async (t) => {
  const pgUrl = await needPg(t);
  if (pgUrl === null) return;
  const redisUrl = await needRedis(t);
  if (redisUrl === null) return;
  const prefix = `${uniqueName('iso')}:`;
  t.after(() => dropPrefix(redisUrl, prefix));
  const { store, lastSeq } = await seeded(t, 300, 11);
  // given a PostgreSQL URL naming a user the server does not have
  const bad = new URL(pgUrl);
  bad.username = uniqueName('nobody');
  const { log, lines } = capturedLogger('info');
  const opts = { pollMs: 5, minBackoffMs: 10, maxBackoffMs: 50, log };
  const pgP = projector(pgModel(bad.toString(), uniqueName('iso')), store, opts);
  const redisP = projector(redisModel(redisUrl, prefix), store, opts);
  // when both run as `relayer project` runs them
  const runs = [pgP.run(), redisP.run()];
  const settled = Promise.allSettled(runs);
  t.after(async () => {
    pgP.stop();
    redisP.stop();
    await settled;
    await pgP.model.close();
    await redisP.model.close();
  });
  // then Redis catches up, and follows new work
  await reached(redisP, lastSeq);
  const more = await moreWork(store, 100, 12);
  await reached(redisP, more);
  const r = new Redis(redisUrl);
  t.after(() => r.disconnect());
  assert.equal(Number(await r.hget(`${prefix}checkpoint`, 'seq')), more);
  // and PostgreSQL is still trying, with the reason in an error log line
  // (Redis may get there before PostgreSQL has failed twice on a loaded machine: wait for the retry)
  await until('a second PostgreSQL connect failure', 30_000, () => (pgP.failures >= 2 ? true : null), 10);
  assert.equal(pgP.committed, null);
  assert.match(pgP.lastError ?? '', /role|password|authentication/i);
  const errors = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 50);
  assert.ok(
    errors.some((e) => /postgres: connect failed/.test(e.msg) && /other read models go on/.test(e.msg)),
    lines.slice(0, 3).join(''),
  );
  pgP.stop();
  redisP.stop();
  const outcome = await settled;
  assert.deepEqual(
    outcome.map((o) => o.status),
    ['fulfilled', 'fulfilled'],
    'stopping ends both cleanly',
  );
});

test('projections: with --once a model that cannot connect fails at once (a batch job waits for nothing)', { timeout: 30_000 }, async (t) => {
  const pgUrl = await needPg(t);
  if (pgUrl === null) return;
  const { store } = await seeded(t, 20, 13);
  const bad = new URL(pgUrl);
  bad.username = uniqueName('nobody');
  const p = projector(pgModel(bad.toString(), uniqueName('iso')), store, { once: true, minBackoffMs: 10, maxBackoffMs: 50 });
  await assert.rejects(p.run(), /role|password|authentication/i);
  await p.model.close();
});
