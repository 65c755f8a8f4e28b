// withRetry and a topic the broker does not host: right after a broker restart it answers so for
// every topic until its logs are loaded (seen as an engine exiting mid-outage-test), so that refusal
// is retried for a grace window and is fatal only when it outlasts it (D250).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../src/infra/logger.js';
import { withRetry } from '../../src/store/kafka/client.js';

const notHosted = () => Object.assign(new Error('This server does not host this topic-partition'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
const quick = { log: silentLogger(), stopped: () => false, backoff: { initialMs: 1, maxMs: 2 } };

test('given a broker that refuses the topic twice and then hosts it, when an operation is retried, then it succeeds', async () => {
  let calls = 0;
  const r = await withRetry(
    'fetching',
    async () => {
      if (++calls <= 2) throw notHosted();
      return 'ok';
    },
    { ...quick, unknownTopicGraceMs: 60_000 },
  );
  assert.equal(r, 'ok');
  assert.equal(calls, 3);
});

test('given a topic that stays missing past the grace window, then the operation fails with that error', async () => {
  let calls = 0;
  await assert.rejects(
    withRetry(
      'fetching',
      async () => {
        calls++;
        throw notHosted();
      },
      { ...quick, unknownTopicGraceMs: 20 },
    ),
    /does not host this topic-partition/,
  );
  assert.ok(calls >= 2, `retried within the grace window (${calls} calls)`);
});

test('given another fatal error, then it is not retried at all', async () => {
  let calls = 0;
  await assert.rejects(
    withRetry(
      'producing',
      async () => {
        calls++;
        throw Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' });
      },
      { ...quick, unknownTopicGraceMs: 60_000 },
    ),
    /too large/,
  );
  assert.equal(calls, 1);
});
