// Params validation of every write and read method, without services: the zod schemas with their
// field-level messages, SPEC's bodies accepted unchanged, account binding, the engine-parser guard.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RPC, RpcError } from '../../src/api/errors.js';
import * as S from '../../src/api/schemas.js';
import { ADMIN_WRITES, CLIENT_WRITES, prepareSubmitOrder, prepareWrite } from '../../src/api/writes.js';
import type { CommandType } from '../../src/engine/index.js';

const accounts = new Set(['acc-1', 'acc-9']);

function write(type: string, params: unknown, who: ReadonlySet<string> | null = accounts) {
  const spec = CLIENT_WRITES[type] ?? ADMIN_WRITES[type];
  assert.ok(spec, `no spec for ${type}`);
  return prepareWrite(type as CommandType, spec, params, who);
}

function fails(fn: () => unknown, code: number, ...fields: string[]): RpcError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof RpcError, `expected an RpcError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  const issues = ((err.data as { issues?: { path: string }[] } | undefined)?.issues ?? []).map((i) => i.path);
  for (const f of fields) assert.ok(issues.includes(f), `no issue for ${f} in ${JSON.stringify(issues)} (${err.message})`);
  return err;
}

// SPEC §2.1–§2.4, character for character
const SPEC = {
  create: `{"account_id":"acc-1","position_type":"LONG","order_type":"MARKET","leverage":10,
 "initial_margin":10000,"available_margin":10000,"order_status":"PENDING",
 "entryprice":65000,"execution_price":0, "sltp":{"sl":58000,"tp":70000}}`,
  execute: `{"account_id":"acc-1","uuid":"…","order_type":"LIMIT","settle_margin":0,"order_status":"PENDING",
 "execution_price":70000, "sltp":{"sl":null,"tp":72000}}`,
  cancel: `{"account_id":"acc-1","uuid":"…","order_type":"LIMIT","order_status":"PENDING",
 "sltp_cancel":{"sl":true,"tp":false}}`,
  lend: '{"account_id":"acc-9","balance":10.0,"order_type":"LEND","order_status":"PENDING","deposit":1000000}',
  withdraw: '{"account_id":"acc-9","uuid":"…","order_type":"LEND","settle_withdraw":100.0,"order_status":"PENDING","poolshare_price":1.5}',
};

describe('SPEC bodies are accepted unchanged', () => {
  const cases: [string, string][] = [
    ['CreateTraderOrder', SPEC.create],
    ['CreateTraderOrderSlTp', SPEC.create],
    ['ExecuteTraderOrder', SPEC.execute],
    ['ExecuteTraderOrderSlTp', SPEC.execute],
    ['CancelTraderOrder', SPEC.cancel],
    ['CancelTraderOrderSlTp', SPEC.cancel],
    ['CreateLendOrder', SPEC.lend],
    ['ExecuteLendOrder', SPEC.withdraw],
  ];
  for (const [type, text] of cases) {
    test(type, () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      const w = write(type, body);
      const env = JSON.parse(w.raw) as { v: number; id: string; type: string; params: unknown };
      assert.equal(env.v, 1);
      assert.equal(env.type, type);
      assert.equal(env.id, w.id);
      assert.deepEqual(env.params, body, 'the logged params are the body as sent');
      assert.equal(JSON.stringify(env.params), JSON.stringify(body), 'same keys in the same order');
      assert.equal(w.wait, false);
    });
  }

  test('nested bodies: {"create_trader_order":…,"sltp":…} and friends', () => {
    const inner = { account_id: 'acc-1', position_type: 'SHORT', order_type: 'LIMIT', leverage: 5, initial_margin: 20000, entryprice: 66000 };
    const body = { create_trader_order: inner, sltp: { sl: 70000, tp: 60000 }, msg: 'x', tx: 1, input: null };
    const w = write('CreateTraderOrderSlTp', body);
    assert.deepEqual((JSON.parse(w.raw) as { params: unknown }).params, body);
    write('ExecuteTraderOrderSlTp', { execute_trader_order: { account_id: 'acc-1', uuid: 'u', order_type: 'SLTP' }, sltp: { sl: null, tp: 1 } });
    write('CancelTraderOrderSlTp', { cancel_trader_order: { account_id: 'acc-1', uuid: 'u', order_type: 'SLTP' }, sltp_cancel: { sl: true } });
    fails(() => write('CreateTraderOrder', { create_trader_order: { ...inner, leverage: 'x' } }), RPC.INVALID_PARAMS, 'create_trader_order.leverage');
    fails(() => write('CreateTraderOrder', { create_trader_order: { ...inner, account_id: 'acc-2' } }), RPC.FORBIDDEN);
  });

  test('request_id becomes the id and, like wait, is not logged', () => {
    const w = write('CreateLendOrder', { account_id: 'acc-9', deposit: 5, request_id: 'my-req-1', wait: true });
    assert.equal(w.id, 'my-req-1');
    assert.equal(w.wait, true);
    assert.deepEqual(JSON.parse(w.raw), { v: 1, id: 'my-req-1', type: 'CreateLendOrder', params: { account_id: 'acc-9', deposit: 5 } });
    assert.match(write('CreateLendOrder', { account_id: 'acc-9', deposit: 5 }).id, /^[0-9a-f-]{36}$/);
  });
});

describe('invalid params of every write, with the field named', () => {
  const base = {
    CreateTraderOrder: { account_id: 'acc-1', position_type: 'LONG', order_type: 'MARKET', leverage: 10, initial_margin: 1000 },
    ExecuteTraderOrder: { account_id: 'acc-1', uuid: 'u-1', order_type: 'MARKET' },
    CancelTraderOrder: { account_id: 'acc-1', uuid: 'u-1' },
    CreateLendOrder: { account_id: 'acc-9', deposit: 1000 },
    ExecuteLendOrder: { account_id: 'acc-9', uuid: 'l-1' },
  } as const;
  const bad: [string, Record<string, unknown>, string][] = [
    ['CreateTraderOrder', { position_type: 'UP' }, 'position_type'],
    ['CreateTraderOrder', { order_type: 'DARK' }, 'order_type'],
    ['CreateTraderOrder', { leverage: '10' }, 'leverage'],
    ['CreateTraderOrder', { initial_margin: undefined }, 'initial_margin'],
    ['CreateTraderOrder', { initial_margin: 1e300 }, 'initial_margin'],
    ['CreateTraderOrder', { entryprice: 'cheap' }, 'entryprice'],
    ['CreateTraderOrder', { account_id: '' }, 'account_id'],
    ['CreateTraderOrder', { account_id: 'x'.repeat(129) }, 'account_id'],
    ['CreateTraderOrderSlTp', { sltp: { sl: 'low' } }, 'sltp.sl'],
    ['CreateTraderOrderSlTp', { sltp: 5 }, 'sltp'],
    ['ExecuteTraderOrder', { order_type: 'LEND' }, 'order_type'],
    ['ExecuteTraderOrder', { uuid: 7 }, 'uuid'],
    ['ExecuteTraderOrderSlTp', { execution_price: [] }, 'execution_price'],
    ['CancelTraderOrder', { uuid: undefined }, 'uuid'],
    ['CancelTraderOrderSlTp', { sltp_cancel: { sl: 'yes' } }, 'sltp_cancel.sl'],
    ['CancelTraderOrder', { order_type: 5 }, 'order_type'],
    ['CreateLendOrder', { deposit: 'all' }, 'deposit'],
    ['CreateLendOrder', { balance: {} }, 'balance'],
    ['ExecuteLendOrder', { uuid: '' }, 'uuid'],
    ['CreateLendOrder', { request_id: '' }, 'request_id'],
    ['CreateLendOrder', { wait: 'yes' }, 'wait'],
  ];
  for (const [type, patch, field] of bad) {
    test(`${type} ${JSON.stringify(patch)} → ${field}`, () => {
      const key = type.replace(/SlTp$/, '') as keyof typeof base;
      fails(() => write(type, { ...base[key], ...patch }), RPC.INVALID_PARAMS, field);
    });
  }
  for (const type of Object.keys(CLIENT_WRITES)) {
    test(`${type}: params that are not an object`, () => {
      fails(() => write(type, [1, 2]), RPC.INVALID_PARAMS);
      fails(() => write(type, 'x'), RPC.INVALID_PARAMS);
    });
  }
  test('hex-encoded bodies are refused with UNSUPPORTED_ENCODING', () => {
    const e = fails(() => write('CreateTraderOrder', { data: 'deadbeef' }), RPC.INVALID_PARAMS);
    assert.deepEqual(e.data, { reason_code: 'UNSUPPORTED_ENCODING' });
  });
  test('a key acts only for its accounts', () => {
    fails(() => write('CreateTraderOrder', { ...base.CreateTraderOrder, account_id: 'acc-2' }), RPC.FORBIDDEN);
    fails(() => write('CreateLendOrder', { ...base.CreateLendOrder, account_id: 'account_id' }), RPC.FORBIDDEN);
    write('CreateTraderOrder', base.CreateTraderOrder);
  });
});

describe('private submit_order', () => {
  test('takes the account from a key bound to one account; sltp selects the SlTp variant', () => {
    const body = { position_type: 'LONG', order_type: 'LIMIT', leverage: 3, initial_margin: 100, entryprice: 1, request_time: 'now', order_kill_time: 0 };
    const w = prepareSubmitOrder(body, new Set(['solo']), 'params');
    assert.equal(w.type, 'CreateTraderOrder');
    assert.deepEqual((JSON.parse(w.raw) as { params: unknown }).params, { ...body, account_id: 'solo' });
    assert.equal(prepareSubmitOrder({ ...body, sltp: { sl: 0.5, tp: 2 } }, new Set(['solo']), 'params').type, 'CreateTraderOrderSlTp');
  });
  test('a key with several accounts must say which; another account is forbidden', () => {
    const body = { position_type: 'LONG', order_type: 'MARKET', leverage: 3, initial_margin: 100 };
    fails(() => prepareSubmitOrder(body, accounts, 'params'), RPC.INVALID_PARAMS);
    assert.equal(prepareSubmitOrder({ ...body, account_id: 'acc-9' }, accounts, 'params').account, 'acc-9');
    fails(() => prepareSubmitOrder({ ...body, account_id: 'acc-3' }, accounts, 'params'), RPC.FORBIDDEN);
    fails(() => prepareSubmitOrder({ ...body, leverage: null }, new Set(['solo']), '[3]'), RPC.INVALID_PARAMS, '[3].leverage');
  });
});

describe('admin commands', () => {
  const valid: [string, Record<string, unknown>][] = [
    ['UpdateFees', { order_filled_on_market: 0.05, order_filled_on_limit: 0.02, order_settled_on_market: 0.05, order_settled_on_limit: 0 }],
    ['SetMarketHalt', { enabled: true, cancel_pending_limit_orders: true, pause_funding: null }],
    ['SetMarketCloseOnly', { enabled: true }],
    ['SetPauseFunding', { enabled: false }],
    ['SetPausePriceFeed', { enabled: true }],
    ['UpdateRiskParams', { max_leverage: 20, mm_ratio: 0.5 }],
    ['RecalculateRiskState', {}],
    ['TriggerPriceCheck', { price: 60000, check_liquidation: false }],
    ['UpdateFeedParams', { stale_halt_ms: 60000 }],
  ];
  for (const [type, params] of valid) {
    test(`${type} valid`, () => {
      const w = write(type, params, null);
      assert.equal(w.account, null);
      assert.deepEqual((JSON.parse(w.raw) as { params: unknown }).params, params);
    });
  }
  const invalid: [string, Record<string, unknown>, string][] = [
    ['UpdateFees', { order_filled_on_market: 0.05 }, 'order_filled_on_limit'],
    ['UpdateFees', { order_filled_on_market: -1, order_filled_on_limit: 0, order_settled_on_market: 0, order_settled_on_limit: 0 }, 'order_filled_on_market'],
    ['SetMarketHalt', {}, 'enabled'],
    ['SetMarketHalt', { enabled: true, exit: true }, '(params)'],
    ['SetMarketCloseOnly', { enabled: 'on' }, 'enabled'],
    ['SetPauseFunding', {}, 'enabled'],
    ['SetPausePriceFeed', { enabled: 1 }, 'enabled'],
    ['UpdateRiskParams', {}, '(params)'],
    ['UpdateRiskParams', { max_leverge: 20 }, '(params)'],
    ['UpdateRiskParams', { mm_ratio: -0.1 }, 'mm_ratio'],
    ['RecalculateRiskState', { now: true }, '(params)'],
    ['TriggerPriceCheck', { price: 0 }, 'price'],
    ['TriggerPriceCheck', { price: 60000, check_liquidation: 'no' }, 'check_liquidation'],
    ['UpdateFeedParams', { stale_halt_ms: -5 }, 'stale_halt_ms'],
  ];
  for (const [type, params, field] of invalid) {
    test(`${type} ${JSON.stringify(params)} → ${field}`, () => {
      fails(() => write(type, params, null), RPC.INVALID_PARAMS, field);
    });
  }
});

describe('read params', () => {
  test('times are epoch ms or ISO-8601', () => {
    assert.deepEqual(S.check(S.range, { from: '2024-01-01T00:00:00Z', to: 1704067300000 }), { from: 1704067200000, to: 1704067300000, limit: 500, offset: 0 });
    fails(() => S.check(S.range, { from: 'yesterday' }), RPC.INVALID_PARAMS, 'from');
    fails(() => S.check(S.range, { limit: 0 }), RPC.INVALID_PARAMS, 'limit');
    fails(() => S.check(S.range, { offset: -1 }), RPC.INVALID_PARAMS, 'offset');
  });
  test('candle_data', () => {
    assert.equal(S.check(S.candles, { interval: 'FIVE_MINUTE', since: 0 }).interval, 'FIVE_MINUTE');
    fails(() => S.check(S.candles, { interval: 'SEVEN_MINUTE' }), RPC.INVALID_PARAMS, 'interval');
    fails(() => S.check(S.candles, {}), RPC.INVALID_PARAMS, 'interval');
  });
  test('order_history, unrealized_pnl, trade_volume, trader_order_info, GetRecentOrder', () => {
    assert.deepEqual(S.check(S.orderHistory, { OrderId: 'u' }), { order: 'u' });
    assert.deepEqual(S.check(S.orderHistory, { ClientId: { offset: 5, limit: 10 } }), { offset: 5, limit: 10 });
    fails(() => S.check(S.orderHistory, { ClientId: 'me' }), RPC.INVALID_PARAMS);
    assert.deepEqual(S.check(S.unrealizedPnl, 'All'), { all: true });
    assert.deepEqual(S.check(S.unrealizedPnl, { PublicKey: 'acc-1' }), { account: 'acc-1' });
    assert.deepEqual(S.check(S.unrealizedPnl, { OrderId: 'u' }), { order: 'u' });
    fails(() => S.check(S.unrealizedPnl, 'Some'), RPC.INVALID_PARAMS);
    fails(() => S.check(S.tradeVolume, { start: 10, end: 5 }), RPC.INVALID_PARAMS, 'end');
    fails(() => S.check(S.tradeVolume, { start: 10 }), RPC.INVALID_PARAMS, 'end');
    fails(() => S.check(S.byId, {}), RPC.INVALID_PARAMS, 'id');
    // older clients send no params: the account is then the key's (methods.ts)
    for (const p of [undefined, null, [], {}, { query_trader_order: {} }])
      assert.deepEqual(S.check(S.recentOrder, p), { account_id: undefined, order_status: null });
    assert.deepEqual(S.check(S.recentOrder, { query_trader_order: { account_id: 'a', order_status: 'FILLED' } }), { account_id: 'a', order_status: 'FILLED' });
    fails(() => S.check(S.recentOrder, { query_trader_order: 'acc-1' }), RPC.INVALID_PARAMS);
    fails(() => S.check(S.recentOrder, { query_trader_order: { account_id: '' } }), RPC.INVALID_PARAMS);
  });
  test('methods without params take none, {} or []', () => {
    for (const p of [undefined, null, {}, []]) S.check(S.noParams, p);
    fails(() => S.check(S.noParams, { x: 1 }), RPC.INVALID_PARAMS);
    fails(() => S.check(S.noParams, [1]), RPC.INVALID_PARAMS);
  });
});
