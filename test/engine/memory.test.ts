// SPEC §12 "Bounded memory": command ids and closed orders are forgotten on command time and
// counts, oldest first, deterministically; live and replayed states forget the same things, and
// snapshots carry what forgetting needs (close times, non-default limits).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeState,
  emptyState,
  encodeState,
  evolve,
  executeRaw,
  stateHash,
  validateState,
  type EngineConfig,
  type EventEnvelope,
  type State,
} from '../../src/engine/index.js';
import { drive, scenarioArb, type Step } from '../helpers/arbitraries.js';

const T0 = Date.UTC(2024, 0, 1);
const DAY = 24 * 3_600_000;

class Market {
  readonly state: State;
  n = 0;
  now = T0;
  constructor(config: Partial<EngineConfig> = {}, state?: State) {
    this.state = state ?? emptyState(config);
  }

  send(type: string, params: Record<string, unknown> = {}, opts: { id?: string; at?: number } = {}): EventEnvelope[] {
    this.now = opts.at ?? this.now + 1;
    const id = opts.id ?? `c-${++this.n}`;
    const out = executeRaw(this.state, { v: 1, id, ts: this.now, type, params }, `line:${this.n}`);
    assert.deepEqual(validateState(this.state), []);
    return out;
  }

  /** A market with a pool and a price; `traders` positions opened and closed at once. */
  static closedOrders(traders: number, config: Partial<EngineConfig> = {}): { m: Market; uuids: string[] } {
    const m = new Market(config);
    m.send('InitPool');
    m.send('PriceTick', { price: 60_000 });
    const uuids: string[] = [];
    for (let i = 0; i < traders; i++) {
      const opened = m.send('CreateTraderOrder', { account_id: `t${i}`, position_type: 'LONG', order_type: 'MARKET', leverage: 5, initial_margin: 10_000 });
      const uuid = (opened[0]!.data as { order: { uuid: string } }).order.uuid;
      uuids.push(uuid);
      assert.equal(m.send('ExecuteTraderOrder', { account_id: `t${i}`, uuid, order_type: 'MARKET' })[0]!.type, 'TraderOrderSettled');
    }
    return { m, uuids };
  }
}

const reasonOf = (events: EventEnvelope[]): string => (events[0]!.data as { reason_code: string }).reason_code;
const closeAgain = (m: Market, i: number, uuid: string, at?: number, id?: string) =>
  m.send(
    'ExecuteTraderOrder',
    { account_id: `t${i}`, uuid, order_type: 'MARKET' },
    { ...(at === undefined ? {} : { at }), ...(id === undefined ? {} : { id }) },
  );

test('a settled order is remembered for 24 hours of command time, then answers as an unknown order', () => {
  const { m, uuids } = Market.closedOrders(1);
  const closedAt = m.now;
  m.send('PriceTick', { price: 60_000 }, { at: closedAt + DAY - 1 });
  assert.equal(reasonOf(closeAgain(m, 0, uuids[0]!, closedAt + DAY)), 'INVALID_STATUS');
  assert.equal(reasonOf(closeAgain(m, 0, uuids[0]!, closedAt + DAY + 1)), 'ORDER_NOT_FOUND');
  assert.equal(m.state.closed.size, 0, 'forgotten, not only hidden');
});

test('only the newest history_max_orders closed orders are remembered, oldest forgotten first', () => {
  const { m, uuids } = Market.closedOrders(5, { history_max_orders: 3 });
  assert.equal(m.state.closed.size, 3);
  assert.deepEqual([...m.state.closed.keys()], uuids.slice(2));
  assert.equal(reasonOf(closeAgain(m, 0, uuids[0]!)), 'ORDER_NOT_FOUND');
  assert.equal(reasonOf(closeAgain(m, 1, uuids[1]!)), 'ORDER_NOT_FOUND');
  assert.equal(reasonOf(closeAgain(m, 2, uuids[2]!)), 'INVALID_STATUS');
});

test('a command id is forgotten once dedupe_max_ids newer ids exist, and then runs again', () => {
  const m = new Market({ dedupe_max_ids: 3 });
  m.send('InitPool', {}, { id: 'first' });
  m.send('Snapshot', {}, { id: 'a' });
  m.send('Snapshot', {}, { id: 'b' });
  m.send('Snapshot', {}, { id: 'c' });
  assert.equal(m.state.seen.size, 3);
  assert.equal(reasonOf(m.send('Snapshot', {}, { id: 'a' })), 'DUPLICATE_REQUEST');
  // 'first' was the oldest of four ids: it is forgotten, so InitPool runs again (and is refused by state)
  assert.equal(reasonOf(m.send('InitPool', {}, { id: 'first' })), 'POOL_EXISTS');
});

test('a create whose id dedupe forgot is refused while the order it made is active or still remembered as closed', () => {
  // the id leaves the dedupe window before its order leaves the books: the uuid it would mint again
  // is taken, so the command is answered as the duplicate it is instead of minting a twin
  const m = new Market({ dedupe_max_ids: 2 });
  m.send('InitPool');
  m.send('PriceTick', { price: 60_000 });
  const create = (i: number, id: string) =>
    m.send('CreateTraderOrder', { account_id: `t${i}`, position_type: 'LONG', order_type: 'MARKET', leverage: 5, initial_margin: 10_000 }, { id });
  const opened = (create(0, 'open-0')[0]!.data as { order: { uuid: string } }).order.uuid;
  const closed = (create(1, 'open-1')[0]!.data as { order: { uuid: string } }).order.uuid;
  assert.equal(closeAgain(m, 1, closed)[0]!.type, 'TraderOrderSettled');
  m.send('Snapshot');
  m.send('Snapshot');
  assert.ok(m.state.seen.original('open-0', m.now, DAY) === undefined && m.state.seen.original('open-1', m.now, DAY) === undefined, 'both ids forgotten');
  for (const [i, id, uuid] of [
    [2, 'open-0', opened],
    [3, 'open-1', closed],
  ] as const) {
    const again = create(i, id);
    assert.equal(again.length, 1, id);
    assert.deepEqual([again[0]!.type, (again[0]!.data as { status: string }).status, reasonOf(again)], ['Rejected', 'DuplicateOrder', 'DUPLICATE_REQUEST'], id);
    assert.match((again[0]!.data as { reason: string }).reason, /already created an order/);
    assert.ok(m.state.orders.has(opened) && !m.state.orders.has(closed) && m.state.closed.has(uuid) === (uuid === closed));
  }
  assert.equal(m.state.orders.size, 1);
});

test('state does not grow with history: 20 000 open-and-close cycles keep the closed orders and ids at their caps', () => {
  const { m } = Market.closedOrders(2_000, { history_max_orders: 500, dedupe_max_ids: 700 });
  assert.equal(m.state.closed.size, 500);
  assert.equal(m.state.seen.size, 700);
  assert.equal(m.state.orders.size, 0);
});

test('a snapshot carries the close times and the limits, so a restored state forgets exactly like the live one', () => {
  const { m, uuids } = Market.closedOrders(6, { history_max_orders: 4, dedupe_max_ids: 9 });
  // snapshots differ from the hash form only in the header line (the runtime hashes a snapshot's
  // body lines as they are), so the close times ride in the header
  assert.deepEqual([...encodeState(m.state, true)].slice(1), [...encodeState(m.state, false)].slice(1));
  assert.match([...encodeState(m.state, true)][0]!, /"closed_ts":\[/);
  const restored = decodeState(encodeState(m.state, true));
  assert.equal(stateHash(restored), stateHash(m.state));
  assert.deepEqual(restored.config, m.state.config);
  const twin = new Market({}, restored);
  twin.now = m.now;
  twin.n = 100;
  const later = m.now + DAY - 20;
  for (const x of [m, twin]) {
    x.send('PriceTick', { price: 60_100 }, { id: 'p1', at: later });
    assert.equal(reasonOf(closeAgain(x, 3, uuids[3]!, later + 10, 'again-3')), 'INVALID_STATUS');
    x.send('PriceTick', { price: 60_000 }, { id: 'p2', at: later + DAY });
    assert.equal(reasonOf(closeAgain(x, 2, uuids[2]!, later + DAY, 'again-2')), 'ORDER_NOT_FOUND');
  }
  assert.equal(stateHash(twin.state), stateHash(m.state));
  assert.deepEqual([...encodeState(twin.state, true)], [...encodeState(m.state, true)]);
});

test('the state hash of default limits keeps its form; other limits are part of it', () => {
  const a = emptyState();
  const b = emptyState({ history_max_orders: 10 });
  assert.doesNotMatch([...encodeState(a, false)][0]!, /limits/);
  assert.notEqual(stateHash(a), stateHash(b));
});

test('with small limits, the live state and an evolve replay of its events forget the same things (1 000 sequences)', () => {
  const config = { dedupe_max_ids: 4, history_max_orders: 2, history_window_ms: 3_600_000, dedupe_window_ms: 2 * 3_600_000 };
  fc.assert(
    fc.property(scenarioArb, (steps: Step[]) => {
      const live = emptyState(config);
      const { events } = drive(steps, (raw, fallback) => executeRaw(live, raw, fallback));
      const replayed = emptyState(config);
      for (const e of events.flat()) evolve(replayed, e);
      assert.equal(stateHash(replayed), stateHash(live));
      assert.ok(live.closed.size <= 2 && live.seen.size <= 4);
      assert.deepEqual(validateState(live), []);
    }),
    { numRuns: 1_000 },
  );
});

test('an id remembered again after it expired behind a newer row leaves no trace of its old row (ts out of order)', () => {
  // ts need not increase: x at T0+100 stays at the head, so a's expired row at T0 is not pruned
  // before a comes back; its old row is superseded and must not appear in entries, lines or the hash
  const m = new Market({ dedupe_window_ms: 10 });
  m.send('Snapshot', {}, { id: 'x', at: T0 + 100 });
  m.send('Snapshot', {}, { id: 'a', at: T0 });
  assert.equal(m.send('Snapshot', {}, { id: 'a', at: T0 + 20 })[0]!.type, 'SnapshotRequested');
  assert.deepEqual(
    [...m.state.seen.entries()].map((r) => r[0]),
    ['x', 'a'],
  );
  assert.deepEqual(
    [...m.state.seen.lines()],
    [...m.state.seen.entries()].map((s) => JSON.stringify({ s })),
  );
  const restored = decodeState(encodeState(m.state, true), { dedupe_window_ms: 10 });
  assert.equal(stateHash(restored), stateHash(m.state));
  // the dead row leaves with the head like any other; size and index stay in step
  m.send('Snapshot', {}, { id: 'y', at: T0 + 200 });
  assert.deepEqual(
    [...m.state.seen.entries()].map((r) => r[0]),
    ['y'],
  );
  assert.equal(m.state.seen.size, 1);
});
