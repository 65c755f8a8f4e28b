// The gateway over a running engine, real Redis and PostgreSQL projections (in one process):
// every client, public, private and admin method with valid and invalid params; SPEC bodies
// through HTTP; and the security refusals, each with its code and nothing on the input log.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RpcClient, type Credentials, type Reply } from '../../src/api/client.js';
import { RPC } from '../../src/api/errors.js';
import { marketLong } from '../helpers/orders.js';
import { startSystem, type System } from './helpers.js';

interface Rpc {
  result?: Record<string, unknown> & unknown[];
  error?: { code: number; message: string; data?: unknown };
}

function ok(r: Reply): Record<string, unknown> {
  const j = r.json as Rpc | null;
  assert.ok(j !== null && j.error === undefined, `expected a result, got HTTP ${r.status} ${r.body.slice(0, 400)}`);
  return j.result as Record<string, unknown>;
}

function err(r: Reply, code: number, status?: number): { code: number; message: string; data?: unknown } {
  const j = r.json as Rpc | null;
  assert.ok(j !== null && j.error !== undefined, `expected error ${code}, got HTTP ${r.status} ${r.body.slice(0, 300)}`);
  assert.equal(j.error.code, code, `${j.error.message}`);
  if (status !== undefined) assert.equal(r.status, status, r.body);
  return j.error;
}

test('gateway: every method, SPEC bodies, security', { timeout: 80_000 }, async (t) => {
  const sys = await startSystem(t);
  if (sys === null) return;
  t.after(() => sys.stop());
  const mk = async (accounts: string[], o: { role?: 'client' | 'admin'; rate?: number } = {}): Promise<Credentials> => {
    const { record, secret } = await sys.gw.keys.create({ role: o.role ?? 'client', accounts, rate: o.rate ?? null });
    return { key: record.id, secret };
  };
  const A = await mk(['acc-1', 'acc-2', 'acc-9', 'lender-1']);
  const B = await mk(['acc-3']);
  const solo = await mk(['solo-1']);
  const ADMIN = await mk([], { role: 'admin' });
  const as = (c: Credentials | null, port: 'client' | 'admin' = 'client') => new RpcClient(port === 'client' ? sys.gw.clientUrl : sys.gw.adminUrl!, c);
  const a = as(A);
  const b = as(B);
  const s1 = as(solo);
  const adm = as(ADMIN, 'admin');
  const pub = as(null);
  t.after(() => {
    for (const c of [a, b, s1, adm, pub]) c.close();
  });

  await sys.appendRaw({ v: 1, id: 'tick-1', type: 'PriceTick', params: { price: 60_000 } });

  let u1 = '';
  let lend = '';
  await t.test('client writes with wait: every order method', async () => {
    const open = ok(await a.call('/clientapi', 'CreateTraderOrder', marketLong('acc-1', { wait: true, request_id: 'open-1' })));
    assert.equal(open['request_id'], 'open-1');
    assert.equal(open['status'], 'FILLED');
    u1 = open['uuid'] as string;
    const ev = open['events'] as { type: string; cmd: string }[];
    assert.equal(ev[0]!.type, 'TraderOrderOpened');
    assert.equal(ev[0]!.cmd, 'open-1');
    const steps: [string, Record<string, unknown>, string][] = [
      ['ExecuteTraderOrder', { account_id: 'acc-1', uuid: u1, order_type: 'LIMIT', execution_price: 70_000 }, 'LimitPriceAdded'],
      ['ExecuteTraderOrderSlTp', { account_id: 'acc-1', uuid: u1, order_type: 'SLTP', sltp: { sl: 50_000, tp: 75_000 } }, 'StopLossAdded'],
      ['CancelTraderOrderSlTp', { account_id: 'acc-1', uuid: u1, order_type: 'SLTP', sltp_cancel: { sl: true, tp: false } }, 'CancelledStopLoss'],
      ['CancelTraderOrder', { account_id: 'acc-1', uuid: u1, order_type: 'LIMIT' }, 'CancelledLimitClose'],
      [
        'CreateTraderOrderSlTp',
        {
          create_trader_order: { account_id: 'acc-2', position_type: 'LONG', order_type: 'LIMIT', leverage: 5, initial_margin: 20_000, entryprice: 55_000 },
          sltp: { sl: 50_000, tp: 65_000 },
        },
        'PENDING',
      ],
      ['CreateLendOrder', { account_id: 'lender-1', balance: 10.0, order_type: 'LEND', order_status: 'PENDING', deposit: 1_000_000 }, 'FILLED'],
    ];
    for (const [method, params, status] of steps) {
      const r = ok(await a.call('/clientapi', method, { ...params, wait: true }));
      assert.equal(r['status'], status, `${method}: ${JSON.stringify(r).slice(0, 300)}`);
      if (method === 'CreateLendOrder') lend = r['uuid'] as string;
    }
    const w = ok(
      await a.call('/clientapi', 'ExecuteLendOrder', {
        account_id: 'lender-1',
        uuid: lend,
        order_type: 'LEND',
        settle_withdraw: 100.0,
        poolshare_price: 1.5,
        wait: true,
      }),
    );
    assert.equal(w['status'], 'SETTLED');
    // without wait: the acknowledgement, and for a create the uuid its order gets once accepted
    const ack = ok(await a.call('/clientapi', 'CreateLendOrder', { account_id: 'acc-9', deposit: 500_000 }));
    assert.deepEqual(Object.keys(ack).sort(), ['request_id', 'status', 'uuid']);
    assert.equal(ack['status'], 'RequestSubmitted');
    await sys.settled();
    const lent = ok(await a.call('/api/private', 'lend_order_info', { id: ack['uuid'] }));
    assert.equal(lent['account_id'], 'acc-9');
  });

  await t.test("domain refusals are the engine's: Rejected events, not JSON-RPC errors; a request_id runs once", async () => {
    const r = ok(
      await a.call('/clientapi', 'CreateTraderOrder', {
        account_id: 'acc-9',
        position_type: 'SHORT',
        order_type: 'MARKET',
        leverage: 100,
        initial_margin: 1000,
        wait: true,
      }),
    );
    assert.equal(r['status'], 'RejectedByRiskEngine');
    assert.equal(r['reason_code'], 'LEVERAGE_TOO_HIGH');
    const dup = ok(
      await a.call('/clientapi', 'CreateTraderOrder', {
        account_id: 'acc-1',
        position_type: 'LONG',
        order_type: 'MARKET',
        leverage: 10,
        initial_margin: 10_000,
        wait: true,
        request_id: 'open-1',
      }),
    );
    // a retry with the same request_id is answered with the first outcome, never executed twice
    assert.equal(dup['status'], 'FILLED');
    assert.equal(dup['uuid'], u1);
    await sys.settled();
    const rows = await sys.store.eventsOf('open-1');
    assert.deepEqual(
      rows.map((x) => x.type),
      ['TraderOrderOpened', 'Rejected'],
    );
  });

  await t.test('SPEC bodies through HTTP reach the log unchanged', async () => {
    const body = {
      account_id: 'acc-9',
      uuid: '…',
      order_type: 'LIMIT',
      settle_margin: 0,
      order_status: 'PENDING',
      execution_price: 70000,
      sltp: { sl: null, tp: 72000 },
    };
    const r = ok(await a.call('/clientapi', 'ExecuteTraderOrderSlTp', { ...body, request_id: 'spec-exec' }));
    assert.equal(r['status'], 'RequestSubmitted');
    const raw = sys.store.db.prepare(`SELECT raw FROM inbox WHERE raw LIKE '%"spec-exec"%'`).pluck().get() as string;
    assert.equal(raw, JSON.stringify({ v: 1, id: 'spec-exec', type: 'ExecuteTraderOrderSlTp', params: body }));
  });

  await t.test('invalid params of client writes: -32602 with the field, nothing logged', async () => {
    const before = sys.inboxCount();
    const cases: [string, unknown, string][] = [
      ['CreateTraderOrder', { account_id: 'acc-1', position_type: 'LONG', order_type: 'MARKET', leverage: 'ten', initial_margin: 1 }, 'leverage'],
      [
        'CreateTraderOrderSlTp',
        { account_id: 'acc-1', position_type: 'LONG', order_type: 'LIMIT', leverage: 1, initial_margin: 1, sltp: { tp: 'x' } },
        'sltp.tp',
      ],
      ['ExecuteTraderOrder', { account_id: 'acc-1', order_type: 'MARKET' }, 'uuid'],
      ['ExecuteTraderOrderSlTp', { account_id: 'acc-1', uuid: 'u', order_type: 'STOP' }, 'order_type'],
      ['CancelTraderOrder', { account_id: 'acc-1' }, 'uuid'],
      ['CancelTraderOrderSlTp', { account_id: 'acc-1', uuid: 'u', sltp_cancel: 'sl' }, 'sltp_cancel'],
      ['CreateLendOrder', { account_id: 'lender-1' }, 'deposit'],
      ['ExecuteLendOrder', { uuid: 'l' }, 'account_id'],
    ];
    for (const [method, params, field] of cases) {
      const e = err(await a.call('/clientapi', method, params), RPC.INVALID_PARAMS, 200);
      const issues = (e.data as { issues: { path: string }[] }).issues.map((i) => i.path);
      assert.ok(issues.includes(field), `${method}: ${JSON.stringify(issues)}`);
    }
    assert.equal(sys.inboxCount(), before);
  });

  await sys.appendRaw({ v: 1, id: 'funding-1', type: 'FundingCycle', params: {} });
  await sys.settled();

  await t.test('public reads', async () => {
    const time = ok(await pub.call('/api', 'server_time'));
    assert.match(time['iso'] as string, /^\d{4}-\d\d-\d\dT/);
    assert.match(time['epoch'] as string, /^\d{16}$/);
    assert.deepEqual(Object.keys(ok(await pub.call('/clientapi', 'GetServerTime'))).sort(), ['epoch', 'iso']);
    assert.equal(ok(await pub.call('/api', 'btc_usd_price'))['price'], 60_000);
    assert.equal(typeof ok(await pub.call('/api', 'get_funding_rate'))['funding_rate'], 'number');
    const ps = ok(await pub.call('/api', 'position_size'));
    assert.equal(ps['total_long_position_size'], 6e9);
    const stats = ok(await pub.call('/api', 'get_market_stats'));
    assert.equal(stats['status'], 'HEALTHY');
    assert.equal(stats['total_long_btc'], 100_000);
    const book = ok(await pub.call('/api', 'open_limit_orders')) as { bid: { price: number; orders: number }[]; ask: unknown[] };
    assert.deepEqual(
      book.bid.map((l) => [l.price, l.orders]),
      [[55_000, 1]],
    );
    assert.deepEqual(book.ask, []);
    const trades = ok(await pub.call('/api', 'recent_trade_orders', { limit: 5 })) as unknown as { kind: string; price: number }[];
    assert.equal(trades[0]!.kind, 'OPEN');
    assert.equal(trades[0]!.price, 60_000);
    assert.ok(!JSON.stringify(trades).includes('acc-1'), 'public trades carry no account');
    const hp = ok(await pub.call('/api', 'historical_price', { from: '2000-01-01T00:00:00Z', to: Date.now() + 60_000, limit: 10, offset: 0 })) as unknown as {
      price: number;
    }[];
    assert.deepEqual(
      hp.map((x) => x.price),
      [60_000],
    );
    const hf = ok(await pub.call('/api', 'historical_funding_rate', { from: 0, limit: 10 })) as unknown as unknown[];
    assert.equal(hf.length, 1);
    for (const interval of ['ONE_MINUTE', 'FIVE_MINUTE', 'ONE_HOUR', 'ONE_DAY']) {
      const c = ok(await pub.call('/api', 'candle_data', { interval, since: Date.now() - 86_400_000, limit: 10, offset: 0 })) as unknown as {
        open: number;
        close: number;
      }[];
      assert.equal(c.length, 1, interval);
      assert.equal(c[0]!.open, 60_000);
    }
  });

  await t.test('public reads: invalid params', async () => {
    const cases: [string, unknown][] = [
      ['server_time', { x: 1 }],
      ['btc_usd_price', [1]],
      ['get_funding_rate', 'now'],
      ['position_size', { all: true }],
      ['get_market_stats', { a: 1 }],
      ['open_limit_orders', { depth: 5 }],
      ['recent_trade_orders', { limit: 0 }],
      ['historical_price', { from: 'yesterday' }],
      ['historical_funding_rate', { limit: 1e9 }],
      ['candle_data', { interval: 'FORTNIGHT' }],
      ['candle_data', { interval: 'ONE_MINUTE', offset: -1 }],
    ];
    for (const [m, p] of cases) err(await pub.call('/api', m, p), RPC.INVALID_PARAMS);
  });

  await t.test("private reads, bound to the key's accounts", async () => {
    const o = ok(await a.call('/api/private', 'trader_order_info', { id: u1 }));
    assert.equal(o['uuid'], u1);
    assert.equal(o['order_status'], 'FILLED');
    err(await b.call('/api/private', 'trader_order_info', { id: u1 }), RPC.NOT_FOUND);
    err(await a.call('/api/private', 'trader_order_info', { id: 'no-such-order' }), RPC.NOT_FOUND);
    const l = ok(await a.call('/api/private', 'lend_order_info', { id: lend }));
    assert.equal(l['order_status'], 'SETTLED');
    err(await b.call('/api/private', 'lend_order_info', { id: lend }), RPC.NOT_FOUND);
    const hist = ok(await a.call('/api/private', 'order_history', { OrderId: u1 })) as unknown as { event: string }[];
    assert.deepEqual(
      hist.map((h) => h.event),
      ['TraderOrderOpened', 'CloseLimitPlaced', 'StopLossPlaced', 'TakeProfitPlaced', 'StopLossRemoved', 'CloseLimitRemoved', 'TraderOrderFundingApplied'],
    );
    const mine = ok(await a.call('/api/private', 'order_history', { ClientId: { offset: 0, limit: 10 } })) as unknown as { account_id: string }[];
    assert.ok(mine.length >= 2 && mine.every((x) => ['acc-1', 'acc-2', 'acc-9', 'lender-1'].includes(x.account_id)));
    assert.deepEqual(ok(await b.call('/api/private', 'order_history', { ClientId: { offset: 0, limit: 10 } })), []);
    const vol = ok(await a.call('/api/private', 'trade_volume', { start: 0, end: Date.now() + 60_000 }));
    assert.equal(vol['trades'], 1);
    assert.equal(vol['volume'], 100_000);
    const all = ok(await a.call('/api/private', 'unrealized_pnl', 'All')) as { orders: { uuid: string; unrealized_pnl: number }[] };
    assert.deepEqual(
      all.orders.map((x) => [x.uuid, x.unrealized_pnl]),
      [[u1, 0]],
    );
    assert.equal((ok(await a.call('/api/private', 'unrealized_pnl', { OrderId: u1 })) as { orders: unknown[] }).orders.length, 1);
    assert.equal((ok(await a.call('/api/private', 'unrealized_pnl', { PublicKey: 'acc-1' })) as { orders: unknown[] }).orders.length, 1);
    err(await a.call('/api/private', 'unrealized_pnl', { PublicKey: 'acc-3' }), RPC.FORBIDDEN, 403);
    const open = ok(await a.call('/api/private', 'open_orders')) as { trader_orders: { order_status: string }[]; lend_orders: unknown[] };
    assert.deepEqual(
      open.trader_orders.map((x) => x.order_status),
      ['FILLED', 'PENDING'],
    );
    assert.equal(open.lend_orders.length, 1, 'acc-9 lends');
    const recent = ok(await a.call('/clientapi', 'GetRecentOrder', { query_trader_order: { account_id: 'acc-2', order_status: 'PENDING' } }));
    assert.equal(recent['account_id'], 'acc-2');
    err(await a.call('/clientapi', 'GetRecentOrder', { query_trader_order: { account_id: 'acc-3', order_status: 'PENDING' } }), RPC.FORBIDDEN, 403);
  });

  await t.test('private submit_order and submit_bulk_order take the account from the key', async () => {
    const one = ok(
      await s1.call('/api/private', 'submit_order', {
        position_type: 'SHORT',
        order_type: 'MARKET',
        leverage: 2,
        initial_margin: 3000,
        request_time: '2024-01-01',
        order_kill_time: 0,
        wait: true,
      }),
    );
    assert.equal(one['status'], 'FILLED');
    const bulk = ok(
      await a.call('/api/private', 'submit_bulk_order', [
        { account_id: 'acc-9', position_type: 'LONG', order_type: 'LIMIT', leverage: 2, initial_margin: 3000, entryprice: 40_000 },
        { account_id: 'acc-9', position_type: 'LONG', order_type: 'LIMIT', leverage: 2, initial_margin: 3000, entryprice: 41_000 },
      ]),
    ) as unknown as { status: string }[];
    assert.deepEqual(
      bulk.map((x) => x.status),
      ['RequestSubmitted', 'RequestSubmitted'],
    );
    const before = sys.inboxCount();
    err(
      await a.call('/api/private', 'submit_bulk_order', [
        { account_id: 'acc-9', position_type: 'LONG', order_type: 'LIMIT', leverage: 2, initial_margin: 3000 },
        { account_id: 'acc-9', leverage: 'x' },
      ]),
      RPC.INVALID_PARAMS,
    );
    err(await a.call('/api/private', 'submit_bulk_order', []), RPC.INVALID_PARAMS);
    err(await a.call('/api/private', 'submit_order', { position_type: 'LONG', order_type: 'MARKET', leverage: 2, initial_margin: 3000 }), RPC.INVALID_PARAMS);
    assert.equal(sys.inboxCount(), before, 'a bulk submit with one bad order logs none');
  });

  await t.test('private reads: invalid params', async () => {
    const cases: [string, unknown][] = [
      ['trader_order_info', {}],
      ['lend_order_info', { id: 5 }],
      ['order_history', { Client: 1 }],
      ['trade_volume', { start: 'x', end: 1 }],
      ['unrealized_pnl', 'Everything'],
      ['open_orders', { account_id: '' }],
      ['submit_order', 'x'],
    ];
    for (const [m, p] of cases) err(await a.call('/api/private', m, p), RPC.INVALID_PARAMS);
    err(await a.call('/clientapi', 'GetRecentOrder', { query_trader_order: 'acc-1' }), RPC.INVALID_PARAMS);
  });

  await t.test('admin API: every method, audited in the event log with the key', async () => {
    const stats = ok(await adm.call('/', 'GetRiskStats'));
    assert.equal(stats['status'], 'HEALTHY');
    assert.equal(typeof (stats['as_of'] as { seq: number }).seq, 'number');
    const params = ok(await adm.call('/', 'GetRiskParams'));
    assert.equal((params['params'] as { max_leverage: number }).max_leverage, 50);
    assert.deepEqual(Object.keys(ok(await adm.call('/admin', 'GetServerTime'))).sort(), ['epoch', 'iso']);
    const steps: [string, Record<string, unknown>, string][] = [
      ['UpdateFees', { order_filled_on_market: 0.05, order_filled_on_limit: 0.02, order_settled_on_market: 0.05, order_settled_on_limit: 0.02 }, 'FeesUpdated'],
      ['UpdateRiskParams', { max_leverage: 25 }, 'RiskParamsUpdated'],
      ['SetMarketCloseOnly', { enabled: true }, 'RiskFlagsUpdated'],
      ['SetMarketCloseOnly', { enabled: false }, 'RiskFlagsUpdated'],
      ['SetPauseFunding', { enabled: true }, 'RiskFlagsUpdated'],
      ['SetPausePriceFeed', { enabled: true }, 'RiskFlagsUpdated'],
      ['SetPausePriceFeed', { enabled: false }, 'RiskFlagsUpdated'],
      ['RecalculateRiskState', {}, 'ExposureRecalculated'],
      ['TriggerPriceCheck', { price: 60_000, check_liquidation: true, check_pending_limit: false, check_settling_limit: false }, 'PriceCheckTriggered'],
      ['UpdateFeedParams', { stale_halt_ms: 45_000 }, 'FeedParamsUpdated'],
      ['SetMarketHalt', { enabled: true }, 'RiskFlagsUpdated'],
      ['SetMarketHalt', { enabled: false, pause_funding: false }, 'RiskFlagsUpdated'],
    ];
    for (const [m, p, first] of steps) {
      const r = ok(await adm.call('/', m, p));
      const events = r['events'] as { type: string; cmd: string }[];
      assert.equal(events[0]!.type, first, `${m}: ${JSON.stringify(r).slice(0, 300)}`);
      assert.ok(events[0]!.cmd.startsWith(`admin:${ADMIN.key}:`), events[0]!.cmd);
    }
    const halt = ok(await adm.call('/', 'SetMarketHalt', { enabled: false }));
    assert.equal((halt['reply'] as { halt_enabled: boolean }).halt_enabled, false);
    const noWait = ok(await adm.call('/', 'RecalculateRiskState', { wait: false, request_id: 'recalc-by-hand' }));
    assert.deepEqual(noWait, { request_id: 'recalc-by-hand', status: 'RequestSubmitted' });
    const before = sys.inboxCount();
    const bad: [string, unknown][] = [
      ['UpdateFees', { order_filled_on_market: 1 }],
      ['UpdateRiskParams', { leverage: 3 }],
      ['SetMarketCloseOnly', {}],
      ['SetPauseFunding', { enabled: 'yes' }],
      ['SetPausePriceFeed', []],
      ['RecalculateRiskState', { x: 1 }],
      ['TriggerPriceCheck', { price: -1 }],
      ['SetMarketHalt', { enabled: true, reset_pool: true }],
      ['UpdateFeedParams', { stale_warn_ms: 'soon' }],
      ['GetRiskStats', { x: 1 }],
      ['GetRiskParams', [1]],
    ];
    for (const [m, p] of bad) err(await adm.call('/', m, p), RPC.INVALID_PARAMS);
    err(await adm.call('/', 'ResetPool', {}), RPC.METHOD_NOT_FOUND);
    assert.equal(sys.inboxCount(), before);
  });

  await t.test('security: each refusal has its code and nothing reaches the input log', async () => {
    const order = { account_id: 'acc-1', position_type: 'LONG', order_type: 'MARKET', leverage: 10, initial_margin: 1000 };
    const body = (id: number, params: unknown = order, method = 'CreateTraderOrder') => JSON.stringify({ jsonrpc: '2.0', id, method, params });
    const raw = (c: RpcClient, b: string, h: Record<string, string>, path = '/clientapi') => c.raw(path, b, h);
    const before = sys.inboxCount();
    // unsigned
    err(await raw(pub, body(1), {}), RPC.UNAUTHENTICATED, 401);
    err(await raw(pub, body(1), { 'relayer-api-key': A.key }), RPC.UNAUTHENTICATED, 401);
    // wrong signature: another secret, a tampered body, a malformed hex
    const b2 = body(2);
    err(await raw(pub, b2, pub.headers(b2, Date.now(), { key: A.key, secret: B.secret })), RPC.BAD_SIGNATURE, 401);
    const signed = pub.headers(b2, Date.now(), A);
    err(await raw(pub, body(2, { ...order, initial_margin: 999_999 }), signed), RPC.BAD_SIGNATURE, 401);
    err(await raw(pub, b2, { ...signed, signature: 'zz' }), RPC.BAD_SIGNATURE, 401);
    // expired (and future) datetime, and a malformed one
    const b3 = body(3);
    err(await raw(pub, b3, pub.headers(b3, Date.now() - 31_000, A)), RPC.EXPIRED, 401);
    err(await raw(pub, b3, pub.headers(b3, Date.now() + 31_000, A)), RPC.EXPIRED, 401);
    err(await raw(pub, b3, { ...pub.headers(b3, Date.now(), A), datetime: 'yesterday' }), RPC.EXPIRED, 401);
    // wrong account
    const b4 = body(4, { ...order, account_id: 'acc-3' });
    err(await raw(pub, b4, pub.headers(b4, Date.now(), A)), RPC.FORBIDDEN, 403);
    // an admin method on the client port, even with an admin key
    const b5 = body(5, { enabled: true }, 'SetMarketHalt');
    err(await raw(pub, b5, pub.headers(b5, Date.now(), A)), RPC.METHOD_NOT_FOUND);
    err(await raw(pub, b5, pub.headers(b5, Date.now(), ADMIN)), RPC.METHOD_NOT_FOUND);
    // admin keys do not work on the client port, client keys not on the admin port
    err(await raw(pub, b2, pub.headers(b2, Date.now(), ADMIN)), RPC.FORBIDDEN, 403);
    err(await adm.raw('/', b5, adm.headers(b5, Date.now(), A)), RPC.FORBIDDEN, 403);
    err(await adm.raw('/', b5, {}), RPC.UNAUTHENTICATED, 401);
    // oversized
    const big = body(6, { ...order, pad: 'x'.repeat(300 * 1024) });
    err(await raw(pub, big, pub.headers(big, Date.now(), A)), RPC.TOO_LARGE, 413);
    // unknown key
    err(await raw(pub, b2, pub.headers(b2, Date.now(), { key: 'rk_nobody', secret: 'x' })), RPC.KEY_REVOKED, 401);
    assert.equal(sys.inboxCount(), before, 'no refused request reached the input log');

    // replay: the first use is accepted, the same signed request again is not
    const b7 = body(7);
    const h7 = pub.headers(b7, Date.now(), A);
    assert.equal(ok(await raw(pub, b7, h7))['status'], 'RequestSubmitted');
    err(await raw(pub, b7, h7), RPC.REPLAYED, 401);
    assert.equal(sys.inboxCount(), before + 1);
    // v1 (body-only) signatures are accepted and remembered too
    const b8 = body(8);
    const h8 = pub.headers(b8, Date.now(), { ...A, version: 1 });
    assert.equal(ok(await raw(pub, b8, h8))['status'], 'RequestSubmitted');
    err(await raw(pub, b8, { ...h8, datetime: String(Date.now() + 1000) }), RPC.REPLAYED, 401);
    assert.equal(sys.inboxCount(), before + 2);

    // revoked: works, then revoked, then refused at once (the cached key notwithstanding)
    const R = await mk(['acc-1']);
    const r = as(R);
    t.after(() => r.close());
    assert.equal(ok(await r.call('/api/private', 'open_orders'))['lend_orders'] !== undefined, true);
    await sys.gw.keys.revoke(R.key);
    const b9 = body(9);
    err(await r.raw('/clientapi', b9, r.headers(b9)), RPC.KEY_REVOKED, 401);
    assert.equal(sys.inboxCount(), before + 2);

    // rate limit per key
    const L = await mk(['acc-1'], { rate: 1 });
    const lc = as(L);
    t.after(() => lc.close());
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await lc.call('/api/private', 'open_orders')).status);
    assert.ok(codes.filter((c) => c === 429).length >= 2, codes.join(','));
    const limited = await lc.call('/api/private', 'open_orders');
    if (limited.status === 429) err(limited, RPC.RATE_LIMITED, 429);
  });

  await t.test('metrics count calls, auth refusals and appends', async () => {
    const text = await (await fetch(`${sys.gw.clientUrl}/metrics`)).text();
    assert.match(text, /relayer_api_auth_rejected_total\{reason="replayed"\} [1-9]/);
    assert.match(text, /relayer_api_commands_appended_total [1-9]/);
    assert.match(text, /relayer_api_calls_total\{port="client",method="CreateTraderOrder",outcome="ok"\} [1-9]/);
    const ready = await fetch(`${sys.gw.clientUrl}/readyz`);
    assert.deepEqual(await ready.json(), { status: 'ready', checks: { redis: true, input_log: true, postgres: true } });
  });
});

export type { System };
