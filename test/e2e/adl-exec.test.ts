// SPEC §15 through the real binary: `relayer exec` with the PnL cap on deleverages on a tick, and a
// run split at a state snapshot taken after the ADL continues exactly like the whole run.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bareLong } from '../helpers/orders.js';
import { relayer, tempDir } from './cli-helpers.js';

const T = 1_767_225_600_000;
const line = (i: number, id: string, type: string, params: Record<string, unknown>): string => JSON.stringify({ v: 1, id, ts: T + i, type, params });
const open = (i: number, acct: string, im: number, lev: number): string => line(i, `open-${acct}`, 'CreateTraderOrder', bareLong(acct, im, lev));

// three longs worth 5e6 each at 100 000 (bob 20×, alice and carol 10×); cap 0.3 × 4e7, target 0.25
const FIRST = [
  line(0, 'genesis', 'InitPool', { total_locked_value: 40_000_000, total_pool_share: 1_000_000 }),
  line(1, 'limits', 'UpdateRiskParams', { max_position_pct: 1, max_oi_mult: 100, max_net_mult: 100 }),
  line(2, 'p1', 'PriceTick', { price: 50_000 }),
  open(3, 'alice', 1_000_000, 10),
  open(4, 'bob', 500_000, 20),
  open(5, 'carol', 1_000_000, 10),
  line(6, 'cap', 'UpdateRiskParams', { max_pnl_factor: 0.3, adl_target_factor: 0.25 }),
  line(7, 'p2', 'PriceTick', { price: 100_000 }),
];
// carol is deleveraged at 1 000 000 (Π 9.5e6 > 0.3 × 30 012 000)
const SECOND = [line(8, 'p3', 'PriceTick', { price: 1_000_000 })];

interface Ev {
  seq: number;
  type: string;
  data: Record<string, any>;
  hash: string;
}
const events = (stdout: string): Ev[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Ev);

test('exec: with the PnL cap on, a tick emits AdlTriggered and ADL settlements in rank order; a state snapshot continues identically', (t) => {
  const whole = relayer(['exec'], `${[...FIRST, ...SECOND].join('\n')}\n`);
  assert.equal(whole.code, 0, whole.stderr);
  const all = events(whole.stdout);
  const adl = all.filter((e) => e.type === 'TraderOrderSettled').map((e) => [e.data['order'].account_id, e.data['close_type'], e.data['trigger']]);
  assert.deepEqual(adl, [
    ['bob', 'ADL', 'ADL'],
    ['alice', 'ADL', 'ADL'],
    ['carol', 'ADL', 'ADL'],
  ]);
  assert.deepEqual(
    all.filter((e) => e.type === 'AdlTriggered').map((e) => e.data['traders_pnl']),
    [15_000_000, 9_500_000],
  );

  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const snap = join(dir, 'state.snap');
  const a = relayer(['exec', '--state-out', snap], `${FIRST.join('\n')}\n`);
  assert.equal(a.code, 0, a.stderr);
  const b = relayer(['exec', '--state', snap], `${SECOND.join('\n')}\n`);
  assert.equal(b.code, 0, b.stderr);
  assert.deepEqual(events(a.stdout + b.stdout), all, 'the snapshot after the ADL continues byte for byte');
});
