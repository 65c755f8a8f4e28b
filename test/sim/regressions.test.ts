// Bugs `relayer sim` found, one test each (docs/decisions.md D90–D93). Those whose fix lies in files
// of other owners (the loop) run as `todo` until the fix lands: they report, they do not fail the
// suite. Remove the todo with the fix.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyState, executeRaw } from '../../src/engine/index.js';
import { runLine } from '../../src/runtime/exec-line.js';
import { fastStateHash } from '../../src/runtime/fast-hash.js';
import { runRecord } from '../../src/runtime/record.js';
import { simulate } from '../../src/sim/simulate.js';

const deep = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;

test('D91: a record whose type or version is a 10 000-deep array is refused, not thrown (a poison record would stop the loop for good)', () => {
  for (const raw of [`{"v":1,"id":"x","type":${deep(10_000)}}`, `{"v":${deep(10_000)},"id":"x","type":"PriceTick"}`]) {
    const out = runRecord(emptyState(), { position: '1', ts: 1, raw });
    assert.equal(out.length, 1);
    assert.equal(out[0]!.type, 'Rejected');
  }
});

test('D92: a record the source hands back again is not executed a second time', async () => {
  const r = await simulate({ seed: 1, steps: 100, faults: [{ step: 15, kind: 'redeliver' }] });
  assert.deepEqual(r.violations, []);
});

test('D93: a settlement with a payment ending in exactly .5 below zero pays out exactly the margin it frees', () => {
  // found by seed 147 of relayer sim (IM 108 625, 50x, closed at its entry price): fees of
  // 2 172.5 in and out make payment −4 345.5; round(IM + payment) and round(payment) disagree
  const s = emptyState();
  const run = (id: string, type: string, params: object, ts: number) => executeRaw(s, { v: 1, id, ts, type, params }, id);
  run('p', 'InitPool', {}, 1);
  run('t0', 'PriceTick', { price: 72129 }, 2);
  const opened = run(
    'o',
    'CreateTraderOrder',
    { account_id: 'a', position_type: 'SHORT', order_type: 'MARKET', leverage: 50, initial_margin: 108_625, entryprice: 72129 },
    3,
  );
  assert.equal(opened[0]!.type, 'TraderOrderOpened');
  const uuid = opened[0]!.type === 'TraderOrderOpened' ? opened[0]!.data.order.uuid : '';
  const tlv0 = s.pool!.total_locked_value;
  const out = run('c', 'ExecuteTraderOrder', { account_id: 'a', uuid, order_type: 'MARKET' }, 4);
  const settled = out.find((e) => e.type === 'TraderOrderSettled');
  assert.ok(settled !== undefined && settled.type === 'TraderOrderSettled');
  const paid = settled.data.order.available_margin;
  assert.equal(paid + (s.pool!.total_locked_value - tlv0), 108_625, `payment ${settled.data.payment}`);
});

test('D90: relayer exec and the loop reach the same state over input holding a record without a usable id', () => {
  const input = ['{"v":1,"id":"p","ts":1,"type":"InitPool","params":{}}', '{"v":1,"id":', '{"v":1,"ts":3,"type":"PriceTick","params":{"price":60000}}'];
  const exec = emptyState();
  input.forEach((line, i) => {
    runLine(exec, line, `line:${i + 1}`, i + 1);
  });
  const loop = emptyState();
  input.forEach((raw, i) => {
    runRecord(loop, { position: String(i + 1), ts: i + 1, raw });
  });
  assert.equal(fastStateHash(loop), fastStateHash(exec));
});
