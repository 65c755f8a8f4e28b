// The parser's refusals (SPEC §2, §12 envelope errors) as decisions D54–D57 shape them: deep values
// are named, not quoted; fallback names are never remembered; the first failure in SPEC order wins
// without the parser throwing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyState, evolve, executeRaw, parseEnvelope, quote, rejectUnparsable, stateHash, type EventEnvelope } from '../../src/engine/index.js';

const deep = (n: number): unknown => {
  let v: unknown = [];
  for (let i = 0; i < n; i++) v = [v];
  return v;
};
const create = (params: Record<string, unknown>) => ({ v: 1, id: 'c', ts: 5, type: 'CreateTraderOrder', params });
const good = { account_id: 'a', position_type: 'LONG', order_type: 'MARKET', leverage: 10, initial_margin: 1000 };
const reasonOf = (raw: unknown): string => {
  const r = parseEnvelope(raw);
  assert.ok(!r.ok);
  return r.fail.reason;
};

test('D54: a shallow offending value is quoted as JSON text, a deep one is named by its kind', () => {
  assert.equal(quote('x"y'), '"x\\"y"');
  assert.equal(quote(2), '2');
  assert.equal(quote(null), 'null');
  assert.equal(quote({ a: [1, { b: 2 }] }), '{"a":[1,{"b":2}]}');
  assert.equal(quote(deep(31)), JSON.stringify(deep(31)));
  assert.equal(quote(deep(32)), 'an array nested deeper than 32');
  assert.equal(quote({ a: deep(40) }), 'an object nested deeper than 32');
});

test('D54: v, type and order_type nested 100 000 deep are refused with a short reason', () => {
  const v = deep(100_000);
  for (const raw of [{ v, id: 'x', ts: 1, type: 'Snapshot' }, { v: 1, id: 'x', ts: 1, type: v }, create({ ...good, order_type: v })]) {
    const reason = reasonOf(raw);
    assert.ok(reason.length < 100, reason);
    assert.match(reason, /an array nested deeper than 32/);
  }
  assert.match(reasonOf({ v: 1, id: 'x', ts: 1, type: 'ExecuteTraderOrder', params: { account_id: 'a', uuid: 'u', order_type: v } }), /nested deeper/);
});

test('D55: a record without a usable id is refused under its fallback name, which is not remembered', () => {
  const s = emptyState();
  executeRaw(s, { v: 1, id: 'p', ts: 1, type: 'InitPool', params: {} }, 'line:1');
  const out = [...executeRaw(s, { v: 1, ts: 2, type: 'Snapshot', params: {} }, 'line:2'), ...rejectUnparsable(s, 'inbox:3', 'not JSON')];
  assert.deepEqual(
    out.map((e) => [e.cmd, e.type]),
    [
      ['line:2', 'Rejected'],
      ['inbox:3', 'Rejected'],
    ],
  );
  assert.equal(s.seen.has('line:2'), false);
  assert.equal(s.seen.has('inbox:3'), false);
  // a client whose id happens to be the same text is executed, not answered as a duplicate
  const next = executeRaw(s, { v: 1, id: 'line:2', ts: 4, type: 'Snapshot', params: {} }, 'line:4');
  assert.deepEqual(
    next.map((e) => e.type),
    ['SnapshotRequested'],
  );
  assert.equal(s.seen.has('line:2'), true);
});

test('D55: replaying the events (recovery, read models) forgets exactly what the live engine did', () => {
  const live = emptyState();
  const log: EventEnvelope[] = [];
  const inputs: unknown[] = [
    { v: 1, id: 'p', ts: 1, type: 'InitPool', params: {} },
    { v: 1, ts: 2, type: 'PriceTick', params: { price: 60_000 } },
    { v: 1, id: 'line:9', ts: 3, type: 'CreateTraderOrder', params: { ...good, leverage: 'x' } },
    { v: 1, id: 't', ts: 4, type: 'PriceTick', params: { price: 60_100 } },
    [1, 2],
  ];
  inputs.forEach((raw, i) => {
    log.push(...executeRaw(live, raw, `inbox:${i + 1}`));
  });
  const replayed = emptyState();
  for (const e of log) evolve(replayed, structuredClone(e));
  assert.equal(stateHash(replayed), stateHash(live));
  assert.deepEqual(
    [...replayed.seen.entries()].map((r) => r[0]),
    ['p', 't'],
  );
});

test('the first failure in SPEC order wins when several parameters are wrong', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...good, order_type: 'STOP', leverage: 'x', account_id: '' }, /order_type "STOP" cannot open/],
    [{ ...good, account_id: '', position_type: 'UP', leverage: 'x' }, /^account_id must be/],
    [{ ...good, position_type: 'UP', leverage: 'x' }, /^position_type must be/],
    [{ ...good, leverage: 'x', initial_margin: -Infinity }, /^leverage must be a finite number/],
    [{ ...good, leverage: 10, initial_margin: 1e300 }, /^initial_margin must be at most/],
  ];
  for (const [params, reason] of cases) assert.match(reasonOf(create(params)), reason);
  const slTp = { v: 1, id: 'c', ts: 5, type: 'CreateTraderOrderSlTp', params: { ...good, sltp: { sl: 'a', tp: 1e12 } } };
  const r = parseEnvelope(slTp);
  assert.ok(!r.ok && r.fail.code === 'INVALID_SLTP' && /^sltp\.sl /.test(r.fail.reason));
  const hex = parseEnvelope({ v: 1, id: 'h', ts: 5, type: 'CreateLendOrder', params: { data: 'ab' } });
  assert.ok(!hex.ok && hex.fail.code === 'UNSUPPORTED_ENCODING' && hex.fail.status === 'Error');
});

test('a refusal leaves nothing behind for the next command to inherit', () => {
  assert.ok(!parseEnvelope(create({ ...good, leverage: 'x' })).ok);
  const ok = parseEnvelope(create(good));
  assert.ok(ok.ok);
  assert.equal(ok.cmd.type, 'CreateTraderOrder');
  const cancel = parseEnvelope({ v: 1, id: 'k', ts: 5, type: 'CancelTraderOrder', params: { account_id: 'a', uuid: 'u', order_type: 7 } });
  assert.ok(!cancel.ok && cancel.fail.reason === 'order_type must be a string');
  assert.ok(parseEnvelope({ v: 1, id: 'f', ts: 5, type: 'FundingCycle', params: {} }).ok);
});
