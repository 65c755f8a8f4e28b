// SPEC §13 in the engine: the envelope's market against the engine's own, per-market uuid
// namespaces, and a non-default market kept through snapshots and replay (BTC-USD bytes unchanged).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeState, emptyState, encodeState, evolve, executeRaw, stateHash, type EventEnvelope, type State } from '../../src/engine/index.js';
import { SPEC_NAMESPACE, uuidv5 } from '../helpers/uuid-reference.js';

const T0 = 1_732_492_800_000;
let n = 0;
const env = (type: string, params: object, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  v: 1,
  id: `c${n++}`,
  ts: T0 + n * 100,
  type,
  params,
  ...extra,
});

/** A market with a pool, a price and a funded lender: ready for orders. */
function market(id?: string): State {
  const s = emptyState(id === undefined ? {} : { market: id });
  const m = id === undefined ? {} : { market: id };
  executeRaw(s, env('InitPool', {}, m), 'x');
  executeRaw(s, env('PriceTick', { price: 3000 }, m), 'x');
  return s;
}

const open = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  v: 1,
  id,
  ts: T0 + 10_000,
  type: 'CreateTraderOrder',
  ...extra,
  params: {
    account_id: 'alice',
    position_type: 'LONG',
    order_type: 'MARKET',
    leverage: 5,
    initial_margin: 10_000,
    available_margin: 10_000,
    order_status: 'PENDING',
    entryprice: 0,
    execution_price: 0,
  },
});

function rejected(events: EventEnvelope[]): { status: string; reason_code: string; reason: string } {
  assert.equal(events.length, 1);
  assert.equal(events[0]!.type, 'Rejected');
  return events[0]!.data as unknown as { status: string; reason_code: string; reason: string };
}

test('given the BTC-USD engine, when a command names no market or BTC-USD, then it executes', () => {
  for (const extra of [{}, { market: 'BTC-USD' }]) {
    const s = market();
    const ev = executeRaw(s, open('o1', extra), 'x');
    assert.equal(ev[0]!.type, 'TraderOrderOpened', JSON.stringify(extra));
  }
});

test('given the BTC-USD engine, when a command names ETH-USD, then it is Rejected{CANCELLED, INVALID_PARAMS} naming both markets and nothing else changes', () => {
  const s = market();
  const before = stateHash(s);
  const r = rejected(executeRaw(s, open('o1', { market: 'ETH-USD' }), 'x'));
  assert.equal(r.status, 'CANCELLED');
  assert.equal(r.reason_code, 'INVALID_PARAMS');
  assert.equal(r.reason, 'command for market ETH-USD sent to the BTC-USD engine');
  assert.equal(s.orders.size, 0);
  assert.notEqual(stateHash(s), before); // only the Rejected event's seq moved the state
});

test('given the ETH-USD engine, when a command names no market (= BTC-USD), then it is rejected naming both', () => {
  const s = market('ETH-USD');
  const r = rejected(executeRaw(s, open('o1'), 'x'));
  assert.equal(r.reason, 'command for market BTC-USD sent to the ETH-USD engine');
});

test("given any engine, when a command carries a malformed market, then it is rejected naming the value and the engine's market", () => {
  for (const bad of ['eth-usd', 'ETHUSD', 7, null, ['ETH-USD']]) {
    const s = market('ETH-USD');
    const r = rejected(executeRaw(s, open('o1', { market: bad }), 'x'));
    assert.equal(r.reason_code, 'INVALID_PARAMS');
    assert.ok(r.reason.includes(JSON.stringify(bad)) && r.reason.includes('ETH-USD engine'), r.reason);
  }
});

test('given the same command in BTC-USD and ETH-USD, then each mints in its own namespace (§13)', () => {
  const btc = market();
  const eth = market('ETH-USD');
  const a = executeRaw(btc, open('same-id'), 'x')[0]!;
  const b = executeRaw(eth, open('same-id', { market: 'ETH-USD' }), 'x')[0]!;
  const ua = (a.data as { order: { uuid: string } }).order.uuid;
  const ub = (b.data as { order: { uuid: string } }).order.uuid;
  assert.equal(ua, uuidv5('same-id:0', SPEC_NAMESPACE));
  assert.equal(ub, uuidv5('same-id:0', uuidv5('ETH-USD', SPEC_NAMESPACE)));
  assert.notEqual(ua, ub);
});

test('given an ETH-USD state, when it is encoded and decoded, or rebuilt by evolving its events, then it keeps its market and hash', () => {
  const s = emptyState({ market: 'ETH-USD' });
  const events: EventEnvelope[] = [];
  for (const c of [env('InitPool', {}, { market: 'ETH-USD' }), env('PriceTick', { price: 3000 }, { market: 'ETH-USD' }), open('o9', { market: 'ETH-USD' })]) {
    events.push(...executeRaw(s, c, 'x'));
  }
  const back = decodeState(encodeState(s, true));
  assert.equal(back.config.market, 'ETH-USD');
  assert.equal(stateHash(back), stateHash(s));
  const replayed = emptyState({ market: 'ETH-USD' });
  for (const e of events) evolve(replayed, e);
  assert.equal(stateHash(replayed), stateHash(s));
  // the header names the market; a BTC-USD state's header has no market key (D161)
  assert.equal((JSON.parse([...encodeState(s, false)][0]!) as { market?: string }).market, 'ETH-USD');
  assert.equal('market' in (JSON.parse([...encodeState(market(), false)][0]!) as object), false);
  // the same events as a BTC-USD state hash differently: the market is part of the state
  const asBtc = emptyState();
  for (const e of events) evolve(asBtc, e);
  assert.notEqual(stateHash(asBtc), stateHash(s));
});
