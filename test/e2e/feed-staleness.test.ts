// The engine's staleness rule (SPEC §6.1, §8; issue 6) on command time only, through `relayer exec`
// with explicit timestamps: Heartbeat keeps the feed clock fresh, CheckFeed warns once per silent
// spell with PriceStale, opens (and closes) are refused with PRICE_FEED_PAUSED past stale_halt_ms
// while lending goes on, a fresh tick clears it, UpdateFeedParams moves the thresholds, and the
// feed clock (which moves without events, decisions.md D2) survives a state snapshot.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { marketLong } from '../helpers/orders.js';
import { relayer, tempDir } from './cli-helpers.js';

const T0 = 1_732_492_800_000;
const open = (account: string): Record<string, unknown> => marketLong(account, { execution_price: 65_000 });

/** [id, +ms after T0, type, params] — the ids say what each step checks. */
const STEPS: [string, number, string, Record<string, unknown>][] = [
  ['pool', 0, 'InitPool', {}],
  ['tick-1', 0, 'PriceTick', { price: 65_000, source: 'test' }],
  ['open-a', 1000, 'CreateTraderOrder', open('a')],
  ['hb-9s', 9000, 'Heartbeat', {}], // feed clock := +9 s, no event
  ['check-15s', 15_000, 'CheckFeed', {}], // 6 s after the heartbeat: fine
  ['check-19.5s', 19_500, 'CheckFeed', {}], // 10.5 s: PriceStale (from the tick it would be 19.5 s)
  ['check-25s', 25_000, 'CheckFeed', {}], // same silent spell: no second warning
  ['open-b-at-30s', 39_000, 'CreateTraderOrder', open('b')], // exactly 30 s: still allowed
  ['open-c-past-30s', 39_001, 'CreateTraderOrder', open('c')], // 30.001 s: PRICE_FEED_PAUSED
  [
    'close-a-stale',
    39_002,
    'ExecuteTraderOrder',
    { account_id: 'a', uuid: '', order_type: 'MARKET', settle_margin: 0, order_status: 'FILLED', execution_price: 0 },
  ],
  ['lend-stale', 39_003, 'CreateLendOrder', { account_id: 'l', deposit: 1_000_000, balance: 0 }], // lending ignores the feed
  ['check-40s', 40_000, 'CheckFeed', {}], // still the same spell: nothing
  ['tick-2', 41_000, 'PriceTick', { price: 65_050, source: 'test' }], // fresh tick clears it
  ['open-c-fresh', 41_500, 'CreateTraderOrder', open('c')],
  ['check-52s', 52_000, 'CheckFeed', {}], // a new spell: a new warning
  ['params', 52_500, 'UpdateFeedParams', { stale_halt_ms: 5000 }],
  ['open-d-halt-5s', 52_600, 'CreateTraderOrder', open('d')], // 11.6 s > 5 s
  ['hb-53s', 53_000, 'Heartbeat', {}], // a heartbeat is the feed too: clears it
  ['open-d-after-hb', 53_100, 'CreateTraderOrder', open('d')],
  ['pause', 54_000, 'SetPausePriceFeed', { enabled: true }],
  ['tick-paused', 54_100, 'PriceTick', { price: 66_000, source: 'test' }], // ignored: no event, clock not moved
  ['open-e-paused', 54_200, 'CreateTraderOrder', open('e')],
  ['check-paused', 80_000, 'CheckFeed', {}], // no warnings while paused
  ['unpause', 80_100, 'SetPausePriceFeed', { enabled: false }],
  ['open-e-stale', 80_200, 'CreateTraderOrder', open('e')], // the tick while paused did not count
  ['tick-3', 80_300, 'PriceTick', { price: 66_000, source: 'test' }],
  ['open-e-fresh', 80_400, 'CreateTraderOrder', open('e')],
];

interface Ev {
  seq: number;
  cmd: string;
  type: string;
  data: Record<string, unknown>;
}

function lines(steps: typeof STEPS, uuidA: string): string {
  return steps
    .map(([id, dt, type, params]) => {
      const p = id === 'close-a-stale' ? { ...params, uuid: uuidA } : params;
      return `${JSON.stringify({ v: 1, id, ts: T0 + dt, type, params: p })}\n`;
    })
    .join('');
}

test('staleness → refusal → recovery on command time, with explicit timestamps', (t) => {
  const dir = tempDir('relayer-stale-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // the uuid of the order that open-a creates (SPEC §12: uuidv5(id + ":0")); learn it from a first run
  const first = relayer(['exec'], lines(STEPS.slice(0, 3), ''));
  assert.equal(first.code, 0, first.stderr);
  const uuidA = String(((JSON.parse(first.stdout.trim().split('\n').at(-1)!) as Ev).data['order'] as { uuid: string }).uuid);
  const input = lines(STEPS, uuidA);

  const r = relayer(['exec'], input);
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Ev);
  const of = (id: string): Ev[] => events.filter((e) => e.cmd === id);
  const typesOf = (id: string): string[] => of(id).map((e) => e.type);
  const reason = (id: string): unknown => of(id).find((e) => e.type === 'Rejected')?.data['reason_code'];

  assert.deepEqual(typesOf('tick-1'), ['PriceUpdated']);
  assert.deepEqual(typesOf('open-a'), ['TraderOrderOpened']);
  assert.deepEqual(typesOf('hb-9s'), []);
  assert.deepEqual(typesOf('check-15s'), []);
  assert.deepEqual(
    of('check-19.5s').map((e) => [e.type, e.data]),
    [
      [
        'PriceStale',
        {
          price: 65_000,
          price_ts: T0 + 9000,
          age_ms: 10_500,
          stale_warn_ms: 10_000,
          stale_halt_ms: 30_000,
          halted: false,
        },
      ],
    ],
  );
  assert.deepEqual(typesOf('check-25s'), []);
  assert.deepEqual(typesOf('open-b-at-30s'), ['TraderOrderOpened']);
  assert.equal(reason('open-c-past-30s'), 'PRICE_FEED_PAUSED');
  assert.equal(of('open-c-past-30s')[0]!.data['status'], 'RejectedByRiskEngine');
  assert.equal(reason('close-a-stale'), 'PRICE_FEED_PAUSED');
  assert.deepEqual(typesOf('lend-stale'), ['LendOrderCreated']);
  assert.deepEqual(typesOf('check-40s'), []);
  assert.deepEqual(typesOf('tick-2'), ['PriceUpdated']);
  assert.deepEqual(typesOf('open-c-fresh'), ['TraderOrderOpened']);
  assert.deepEqual(
    of('check-52s').map((e) => [e.type, e.data['price_ts'], e.data['age_ms']]),
    [['PriceStale', T0 + 41_000, 11_000]],
  );
  assert.deepEqual(
    of('params').map((e) => [e.type, e.data]),
    [['FeedParamsUpdated', { stale_warn_ms: 10_000, stale_halt_ms: 5000 }]],
  );
  assert.equal(reason('open-d-halt-5s'), 'PRICE_FEED_PAUSED');
  assert.deepEqual(typesOf('hb-53s'), []);
  assert.deepEqual(typesOf('open-d-after-hb'), ['TraderOrderOpened']);
  assert.deepEqual(typesOf('tick-paused'), []);
  assert.equal(reason('open-e-paused'), 'PRICE_FEED_PAUSED');
  assert.deepEqual(typesOf('check-paused'), []);
  assert.equal(reason('open-e-stale'), 'PRICE_FEED_PAUSED');
  assert.deepEqual(typesOf('tick-3'), ['PriceUpdated']);
  assert.deepEqual(typesOf('open-e-fresh'), ['TraderOrderOpened']);

  // the same input gives the same bytes; and split after the heartbeat (whose feed clock no event
  // records) through a state snapshot, the two halves give the same bytes as the whole
  assert.equal(relayer(['exec'], input).stdout, r.stdout);
  const cut = STEPS.findIndex(([id]) => id === 'hb-9s') + 1;
  const snap = join(dir, 'half.snap');
  const a = relayer(['exec', '--state-out', snap], lines(STEPS.slice(0, cut), uuidA));
  const b = relayer(['exec', '--state', snap], lines(STEPS.slice(cut), uuidA));
  assert.equal(a.code + b.code, 0, a.stderr + b.stderr);
  assert.equal(a.stdout + b.stdout, r.stdout);
});
