// §2 and §12: command envelopes, minted uuids, timestamps, duplicate ids, unsupported encodings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALICE, T0, at, close, cmd, given, lend, marketLong, only, pool, price, raw, rejection, tick, types, withId, limitLong } from '../helpers/dsl.js';
import { SPEC_NAMESPACE, uuidv5 } from '../helpers/uuid-reference.js';

const market = [pool(), price(60_000)];

// ---- minted ids and timestamps -----------------------------------------------------------------

test('the order created by command id X has uuid uuidv5(X + ":0")', () => {
  given(...market)
    .when(withId('order-42', marketLong({ im: 10_000, lev: 10 })))
    .then((events) => {
      const uuid = only(events, 'TraderOrderOpened').data.order.uuid;
      assert.equal(uuid, uuidv5('order-42:0', SPEC_NAMESPACE));
      assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });
});

test('resting orders and lend orders get their uuid the same way', () => {
  given(...market)
    .when(withId('rest', limitLong({ at: 58_000, im: 10_000, lev: 10 })))
    .then((events) => assert.equal(only(events, 'TraderOrderPending').data.order.uuid, uuidv5('rest:0', SPEC_NAMESPACE)))
    .when(withId('deposit-1', lend({ deposit: 1_000_000 })))
    .then((events) => assert.equal(only(events, 'LendOrderCreated').data.lend_order.uuid, uuidv5('deposit-1:0', SPEC_NAMESPACE)));
});

test('ids are hashed as UTF-8', () => {
  given(...market)
    .when(withId('ordre-€-1', marketLong({ im: 10_000, lev: 10 })))
    .then((events) => assert.equal(only(events, 'TraderOrderOpened').data.order.uuid, uuidv5('ordre-€-1:0', SPEC_NAMESPACE)));
});

test('timestamps are the command ts as ISO-8601 UTC', () => {
  const ts = Date.UTC(2024, 1, 29, 23, 59, 59, 7);
  given(pool(), at(ts - 10, price(60_000)))
    .when(at(ts, marketLong({ im: 10_000, lev: 10 })))
    .then((events) => {
      assert.equal(only(events, 'TraderOrderOpened').data.order.timestamp, '2024-02-29T23:59:59.007Z');
      assert.ok(events.every((e) => e.ts === ts));
    })
    .when(at(ts + 1_000, close()))
    .then((events) => assert.equal(only(events, 'TraderOrderSettled').data.order.timestamp, new Date(ts + 1_000).toISOString()));
});

test('every event names its command, carries its ts and the next seq', () => {
  given(...market, marketLong({ im: 10_000, lev: 10, sltp: { sl: 58_000, tp: 62_000 } }))
    .when(withId('the-close', close()))
    .then((events, w) => {
      assert.deepEqual(types(events), ['TraderOrderSettled', 'StopLossRemoved', 'TakeProfitRemoved']);
      const first = events[0]!.seq;
      events.forEach((e, i) => {
        assert.equal(e.v, 1);
        assert.equal(e.seq, first + i);
        assert.equal(e.cmd, 'the-close');
        assert.equal(e.ts, w.now);
      });
      assert.equal(w.state.seq, events[events.length - 1]!.seq);
    });
});

// ---- malformed envelopes ----------------------------------------------------------------------

const envelope = (over: Record<string, unknown>) => ({ v: 1, id: 'x-1', ts: T0 + 5, type: 'Snapshot', params: {}, ...over });

test('a command without an id is refused and named after its line', () => {
  given(pool())
    .when(raw({ v: 1, ts: T0 + 5, type: 'Snapshot', params: {} }, 'line:7'))
    .then((events) => {
      const r = rejection(events);
      assert.equal(r.status, 'CANCELLED');
      assert.equal(r.reason_code, 'INVALID_PARAMS');
      assert.equal(r.command, 'Snapshot');
      assert.equal(events[0]!.cmd, 'line:7');
    });
});

test('an empty or over-long id is refused', () => {
  for (const id of ['', 'x'.repeat(129), 42]) {
    given(pool())
      .when(raw(envelope({ id }), 'line:3'))
      .thenRejected('CANCELLED', 'INVALID_PARAMS');
  }
});

test('a ts that is not an integer is refused, under the command id', () => {
  for (const ts of [T0 + 0.5, String(T0), null]) {
    given(pool())
      .when(raw(envelope({ id: 'bad-ts', ts }), 'line:2'))
      .thenRejected('CANCELLED', 'INVALID_PARAMS')
      .then((events) => assert.equal(events[0]!.cmd, 'bad-ts'));
  }
});

test('an unknown command type is refused', () => {
  given(pool())
    .when(raw(envelope({ id: 'bogus', type: 'WithdrawEverything' })))
    .thenRejected('CANCELLED', 'INVALID_PARAMS', (r) => assert.equal(r.command, 'WithdrawEverything'));
  given(pool())
    .when(raw(envelope({ id: 'no-type', type: undefined })))
    .thenRejected('CANCELLED', 'INVALID_PARAMS', (r) => assert.equal(r.command, null));
});

test('a body that is not an object is refused', () => {
  given(pool())
    .when(raw([1, 2, 3], 'line:9'))
    .thenRejected('CANCELLED', 'INVALID_PARAMS');
  given(pool())
    .when(raw(envelope({ params: 'text' })))
    .thenRejected('CANCELLED', 'INVALID_PARAMS');
});

test('unknown envelope fields are ignored', () => {
  given(pool())
    .when(raw(envelope({ id: 'extra', source: 'gateway', trace: [1] })))
    .then((events) => assert.deepEqual(types(events), ['SnapshotRequested']));
});

test('a malformed create still reports who sent it', () => {
  given(...market)
    .when(cmd('CreateTraderOrder', { account_id: ALICE, position_type: 'LONG', order_type: 'MARKET', leverage: 10 }))
    .thenRejected('CANCELLED', 'INVALID_PARAMS', (r) => {
      assert.equal(r.account_id, ALICE);
      assert.equal(r.order_type, 'MARKET');
      assert.equal(typeof r.reason, 'string');
      assert.ok(r.reason.length > 0);
    });
});

// ---- hex bodies -------------------------------------------------------------------------------

test('hex-encoded request bodies are refused as UNSUPPORTED_ENCODING', () => {
  const hex = { data: '7b226163636f756e745f6964223a22616c696365227d' };
  for (const type of [
    'CreateTraderOrder',
    'CreateTraderOrderSlTp',
    'ExecuteTraderOrder',
    'ExecuteTraderOrderSlTp',
    'CancelTraderOrder',
    'CancelTraderOrderSlTp',
    'CreateLendOrder',
    'ExecuteLendOrder',
  ]) {
    given(...market)
      .when(cmd(type, hex))
      .thenRejected('Error', 'UNSUPPORTED_ENCODING', (r) => assert.equal(r.command, type));
  }
});

// ---- duplicate ids ----------------------------------------------------------------------------

test('a repeated command id is answered only with DUPLICATE_REQUEST and the seq of its first event', () => {
  given(...market)
    .when(withId('dup', marketLong({ im: 10_000, lev: 10, sltp: { sl: 58_000, tp: 62_000 } })))
    .then((events) => assert.equal(events.length, 3))
    .when(withId('dup', marketLong({ im: 10_000, lev: 10, acct: 'bob' })))
    .thenRejected('DuplicateOrder', 'DUPLICATE_REQUEST', (r, w) => {
      assert.equal(r.original_seq, 3, 'InitPool is seq 1, the price seq 2, the first execution starts at seq 3');
      assert.equal(w.state.orders.size, 1);
    });
});

test('a repeated id of a refused command is a duplicate too', () => {
  given(pool())
    .when(withId('early', marketLong({ im: 10_000, lev: 10 })))
    .then((events) => assert.equal(rejection(events).reason_code, 'NO_PRICE'))
    .when(price(60_000))
    .when(withId('early', marketLong({ im: 10_000, lev: 10 })))
    .thenRejected('DuplicateOrder', 'DUPLICATE_REQUEST', (r) => assert.equal(r.original_seq, 2));
});

test('a repeated id is a duplicate whatever command it now carries', () => {
  given(pool(), withId('same', price(60_000)))
    .when(withId('same', tick(61_000)))
    .thenRejected('DuplicateOrder', 'DUPLICATE_REQUEST', (r, w) => {
      assert.equal(r.original_seq, 2);
      assert.equal(w.state.price, 60_000);
    });
});

test('a repeated id on a malformed envelope is still a duplicate', () => {
  given(pool(), withId('seen', cmd('Snapshot')))
    .when(raw(envelope({ id: 'seen', type: 'NoSuchThing' })))
    .thenRejected('DuplicateOrder', 'DUPLICATE_REQUEST', (r) => assert.equal(r.original_seq, 2));
});

test('an id is remembered for 24 hours of ts: a repeat just inside the window is a duplicate', () => {
  const day = 24 * 3_600_000;
  given(pool(), at(T0 + 10, withId('daily', cmd('Snapshot'))))
    .when(at(T0 + 10 + day, withId('daily', cmd('Snapshot'))))
    .thenRejected('DuplicateOrder', 'DUPLICATE_REQUEST');
});

test('an id older than 24 hours of ts is forgotten and the command runs again', () => {
  const day = 24 * 3_600_000;
  given(pool(), at(T0 + 10, withId('daily', cmd('Snapshot'))))
    .when(at(T0 + 10 + day + 1, withId('daily', cmd('Snapshot'))))
    .then((events) => assert.deepEqual(types(events), ['SnapshotRequested']));
});

test('client and admin commands always answer with at least one event', () => {
  const steps = [
    marketLong({ im: 10_000, lev: 10 }),
    close({ uuid: 'x' }),
    cmd('CancelTraderOrder', { account_id: ALICE, uuid: 'x' }),
    cmd('CancelTraderOrderSlTp', { account_id: ALICE, uuid: 'x' }),
    lend({ deposit: 1 }),
    cmd('ExecuteLendOrder', { account_id: ALICE, uuid: 'x' }),
    cmd('UpdateFees', {}),
    cmd('SetMarketHalt', {}),
    cmd('SetMarketCloseOnly', { enabled: false }),
    cmd('SetPauseFunding', { enabled: false }),
    cmd('SetPausePriceFeed', { enabled: false }),
    cmd('UpdateRiskParams', {}),
    cmd('RecalculateRiskState'),
    cmd('TriggerPriceCheck', { price: 1 }),
  ];
  for (const s of steps) {
    given(pool())
      .when(s)
      .then((events) => assert.ok(events.length >= 1, `${s.type} answered with no event`));
  }
});
