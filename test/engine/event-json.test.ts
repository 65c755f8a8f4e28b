// The engine's hand-written event text (event-json.ts, D260) must be exactly JSON.stringify of the
// event's data: random command sequences for every shape the rules build, examples for the
// fallbacks (odd values, text that needs escaping).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { emptyState, eventDataJson, executeRaw, jsonString, type EventEnvelope } from '../../src/engine/index.js';
import { drive, scenarioArb, type Step } from '../helpers/arbitraries.js';

const RUNS = Math.max(300, Number(process.env['PROPERTY_RUNS'] ?? 0) || 0);

test('given random command sequences, when each event is serialised, then its text is JSON.stringify of its data', () => {
  fc.assert(
    fc.property(scenarioArb, (steps: Step[]) => {
      const state = emptyState();
      drive(steps, (raw, fallback) => {
        const out = executeRaw(state, raw, fallback);
        for (const e of out) assert.equal(eventDataJson(e), JSON.stringify(e.data), `event ${e.seq} ${e.type}`);
        return out;
      });
    }),
    { numRuns: RUNS },
  );
});

function order(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uuid: 'u-1',
    account_id: 'acct',
    position_type: 'LONG',
    order_status: 'FILLED',
    order_type: 'MARKET',
    entryprice: 60_000.5,
    execution_price: 0,
    positionsize: 1.5e21,
    leverage: 10,
    initial_margin: 1e-7,
    available_margin: -0,
    timestamp: '2026-01-01T00:00:00.000Z',
    bankruptcy_price: 54_545.45454545454,
    bankruptcy_value: 0.1,
    maintenance_margin: 0.004,
    liquidation_price: 54_700,
    unrealized_pnl: 0,
    settlement_price: 0,
    entry_nonce: 0,
    exit_nonce: 0,
    entry_sequence: 1,
    fee_filled: 0,
    fee_settled: 0,
    close_limit_price: null,
    stop_loss_price: 50_000,
    take_profit_price: null,
    sltp_on_fill: { sl: null, tp: 70_000 },
    ...over,
  };
}

function opened(o: Record<string, unknown>): EventEnvelope {
  return { v: 1, seq: 1, ts: 0, cmd: 'c', type: 'TraderOrderOpened', data: { order: o, converted_from_limit: false } } as unknown as EventEnvelope;
}

test('given orders with odd values or text to escape, when serialised, then the text is still JSON.stringify of the data', () => {
  const cases = [
    order(),
    order({ account_id: 'quote " and \\ and \n and \u2028 and é' }),
    order({ uuid: 'lone \ud800 surrogate' }),
    order({ entryprice: Number.NaN }),
    order({ positionsize: Number.POSITIVE_INFINITY }),
    order({ leverage: undefined }),
    order({ timestamp: undefined }),
    order({ sltp_on_fill: undefined }),
    order({ stop_loss_price: undefined }),
    order({ fee_filled: 1e-7, fee_settled: 123_456_789_012_345_680_000 }),
  ];
  for (const o of cases) {
    const e = opened(o);
    assert.equal(eventDataJson(e), JSON.stringify(e.data));
  }
});

test('given a Rejected without and with original_seq and an ADMIN leg removal, when serialised, then the keys keep their order', () => {
  const rejected = { command: null, status: 'CANCELLED', reason_code: 'INVALID_PARAMS', reason: 'bad "x"', order_id: null, account_id: 'a', order_type: null };
  const events = [
    { type: 'Rejected', data: rejected },
    { type: 'Rejected', data: { ...rejected, original_seq: 7 } },
    { type: 'StopLossRemoved', data: { order_id: 'u', account_id: 'a', position_type: 'SHORT', reason: 'ADMIN', old_price: 1 } },
    { type: 'TakeProfitRemoved', data: { order_id: 'u', account_id: 'a', position_type: 'SHORT', old_price: 2.5, reason: 'USER' } },
    { type: 'FundingCycleSkipped', data: { reason: 'PAUSED', boundary: 5 } },
  ];
  for (const b of events) {
    const e = { v: 1, seq: 1, ts: 0, cmd: 'c', ...b } as unknown as EventEnvelope;
    assert.equal(eventDataJson(e), JSON.stringify(e.data));
  }
});

test('given any string, when quoted, then jsonString prints what JSON.stringify prints', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      assert.equal(jsonString(s), JSON.stringify(s));
    }),
  );
});
