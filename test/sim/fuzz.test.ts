// `relayer sim fuzz`: mutated input records through the parser, the engine and the gateway's write
// handling find no crash, no silent record and no refusal that changes state; inputs replay alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzCampaign } from '../../src/sim/fuzz/campaign.js';
import { fuzzHttp } from '../../src/sim/fuzz/http.js';
import { inputAt } from '../../src/sim/fuzz/inputs.js';
import { fuzzRange } from '../../src/sim/fuzz/run.js';
import { businessDigest, EngineTarget } from '../../src/sim/fuzz/targets.js';
import { needRedis } from '../helpers/services.js';

test('20 000 fuzzed inputs: no crash, no hang, every refusal coded, refused input leaves the state alone', async () => {
  const r = await fuzzCampaign({ seed: 1, from: 0, inputs: 20_000, hangMs: 60_000 });
  assert.equal(r.inputs, 20_000);
  assert.deepEqual(r.findings, []);
});

test('input i of a seed is the same whether generated alone or in sequence', () => {
  for (const i of [0, 1, 255, 256, 9999]) assert.deepEqual(inputAt(42, i), inputAt(42, i));
  assert.notDeepEqual(inputAt(42, 1), inputAt(43, 1));
});

test('the inputs reach both targets and every mutation family', () => {
  const kinds = new Set<string>();
  for (let i = 0; i < 3000; i++) {
    const x = inputAt(5, i);
    kinds.add(x.target);
    if (x.target === 'engine') {
      if (x.raw.length > 65_536) kinds.add('oversized');
      if (x.raw.includes('[[[[[[[[') || x.raw.includes('{"a":{"a":{"a":')) kinds.add('deep');
      if (x.raw.includes('\ufffd')) kinds.add('bad-utf8');
      if (x.raw.includes('__proto__') || x.raw.includes('constructor')) kinds.add('hostile-key');
      if (/1e400|1e-400|1e\+?30\d|e309/.test(x.raw)) kinds.add('extreme-number');
    }
  }
  for (const k of ['engine', 'gateway', 'oversized', 'deep', 'bad-utf8', 'hostile-key', 'extreme-number']) assert.ok(kinds.has(k), `no ${k} input`);
});

test('the checks see an accepted command as no finding, a refusal that changes state and an exception as findings', () => {
  const t = new EngineTarget();
  t.reset();
  const before = t.state.pool!.total_locked_value;
  // a command the engine accepts changes the state and is no finding
  assert.equal(t.feed(0, JSON.stringify({ v: 1, id: 'ok-1', type: 'CreateLendOrder', params: { account_id: 'z', deposit: 100000 } })), null);
  assert.notEqual(t.state.pool!.total_locked_value, before);
  // an exception out of the engine is a crash finding
  const throwing = Object.create(t) as EngineTarget;
  throwing.run = () => {
    throw new Error('boom');
  };
  assert.equal(EngineTarget.prototype.feed.call(throwing, 1, '{}')?.kind, 'crash');
  // a refusal that still moved money
  const leaky = Object.create(t) as EngineTarget;
  leaky.run = (raw) => {
    const out = t.run(raw);
    t.state.pool!.total_locked_value += 1;
    return out;
  };
  const f = EngineTarget.prototype.feed.call(
    leaky,
    2,
    JSON.stringify({ v: 1, id: 'bad-1', type: 'CreateLendOrder', params: { account_id: 'z2', deposit: -5 } }),
  );
  assert.equal(f?.kind, 'state-changed');
});

test('replaying from input i rebuilds exactly the engine state the full run had there', () => {
  const full = new Map<number, string>();
  fuzzRange(9, 0, 700, (i, e) => full.set(i, businessDigest(e.state)));
  let compared = 0;
  fuzzRange(9, 300, 700, (i, e) => {
    assert.equal(businessDigest(e.state), full.get(i), `input ${i}`);
    compared++;
  });
  assert.equal(compared, 400);
  assert.ok(new Set(full.values()).size > 10, 'the fuzzed inputs never changed the state');
});

test('a bounded HTTP fuzz of the gateway: clear answers only, no hang, nothing logged for a refused request', async (t) => {
  // Redis holds the gateway's API keys
  const redisUrl = await needRedis(t);
  if (redisUrl === null) return;
  const r = await fuzzHttp({ seed: 1, requests: 400, redisUrl });
  assert.deepEqual(r.findings, []);
  assert.ok(r.requests >= 380, `only ${r.requests} requests answered`);
  assert.ok(r.submitted > 0, 'no request was accepted: the fuzz never reached the input log');
  assert.ok((r.statuses['401'] ?? 0) > 0 && (r.statuses['400'] ?? 0) > 0, JSON.stringify(r.statuses));
});
