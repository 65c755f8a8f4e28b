// The method tables of SPEC §9: the order API (/clientapi), public reads (/api), private reads and
// submits (/api/private) on the client port; the admin API on the admin port.
import { randomUUID } from 'node:crypto';
import type { CommandType } from '../engine/index.js';
import { DEFAULT_MARKET, marketNamespace } from '../engine/market.js';
import { parseUuid, uuidv5 } from '../engine/util/uuid.js';
import type { Backend } from '../store/types.js';
import { RPC, RpcError } from './errors.js';
import type { Principal } from './auth.js';
import type { MarketListing } from './markets.js';
import type { Reads } from './reads.js';
import * as S from './schemas.js';
import type { CallCtx, MethodDef, MethodTable } from './server.js';
import { outcome, waitForEvents, type Appender } from './submitter.js';
import { ADMIN_WRITES, CLIENT_WRITES, prepareSubmitOrder, prepareWrite, type PreparedWrite } from './writes.js';

export interface MethodDeps {
  appender: Appender;
  backend: Pick<Backend, 'eventsOf'>;
  reads: Reads;
  waitTimeoutMs: number;
  /** The market these tables serve (absent = BTC-USD): its writes' envelopes name it. */
  market?: string;
  /** GetMarkets: the registry as this gateway sees it. */
  markets?: () => Promise<MarketListing[]>;
}

/** SPEC §9 GetServerTime / server_time: ISO time and epoch microseconds as a string. */
export function serverTime(): { iso: string; epoch: string } {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  return { iso: new Date(Math.floor(us / 1000)).toISOString(), epoch: String(us) };
}

function principalOf(ctx: CallCtx): Principal {
  if (ctx.principal === null) throw new RpcError(RPC.UNAUTHENTICATED, 'authentication required');
  return ctx.principal;
}

const notFound = (what: string): RpcError => new RpcError(RPC.NOT_FOUND, `${what} not found`);

/** Each market's uuid namespace (SPEC §13), parsed once: one gateway mints for several markets. */
const namespaces = new Map<string, Uint8Array>();
function namespaceOf(market: string): Uint8Array {
  let ns = namespaces.get(market);
  if (ns === undefined) {
    ns = parseUuid(marketNamespace(market));
    namespaces.set(market, ns);
  }
  return ns;
}

const CREATES: ReadonlySet<string> = new Set(['CreateTraderOrder', 'CreateTraderOrderSlTp', 'CreateLendOrder']);

async function submit(d: MethodDeps, w: PreparedWrite): Promise<Record<string, unknown>> {
  try {
    await d.appender.append(w.raw);
  } catch (e) {
    throw new RpcError(RPC.UNAVAILABLE, `the input log is unavailable: ${(e as Error).message}`, { request_id: w.id });
  }
  if (!w.wait) {
    // a create's order will be uuidv5(id + ":0", the market's namespace) if the engine accepts it
    // (SPEC §12, §13): say so, so a client can read it back without computing it
    const uuid = () => uuidv5(`${w.id}:0`, namespaceOf(d.market ?? DEFAULT_MARKET));
    return CREATES.has(w.type) ? { request_id: w.id, status: 'RequestSubmitted', uuid: uuid() } : { request_id: w.id, status: 'RequestSubmitted' };
  }
  let rows: Awaited<ReturnType<typeof waitForEvents>>;
  try {
    rows = await waitForEvents(d.backend, w.id, d.waitTimeoutMs);
  } catch (e) {
    throw new RpcError(RPC.UNAVAILABLE, `the event log is unavailable: ${(e as Error).message}`, { request_id: w.id });
  }
  return outcome(w.id, w.type, rows);
}

function clientMethods(d: MethodDeps): Record<string, MethodDef> {
  const out: Record<string, MethodDef> = {};
  for (const [type, spec] of Object.entries(CLIENT_WRITES)) {
    out[type] = {
      auth: 'client',
      handler: (params, ctx) => submit(d, prepareWrite(type as CommandType, spec, params, principalOf(ctx).accounts, d.market)),
    };
  }
  out['GetServerTime'] = {
    auth: 'none',
    handler: (p) => {
      S.check(S.noParams, p);
      return serverTime();
    },
  };
  out['GetRecentOrder'] = {
    auth: 'client',
    handler: async (p, ctx) => {
      const q = S.check(S.recentOrder, p);
      const me = principalOf(ctx);
      // older clients send no params: the key's own account
      let account = q.account_id;
      if (account === undefined) {
        if (me.accounts.size !== 1)
          throw new RpcError(RPC.INVALID_PARAMS, `Invalid params: this key is bound to ${me.accounts.size} accounts; give query_trader_order.account_id`);
        account = [...me.accounts][0]!;
      }
      ownAccount(me, account);
      const o = await d.reads.recentOrder(account, q.order_status);
      if (o === null) throw notFound('order');
      return o;
    },
  };
  out['GetOrderBook'] = {
    auth: 'none',
    handler: async (p) => {
      S.check(S.noParams, p);
      const book = (await d.reads.openLimitOrders()) as { bid: Level[]; ask: Level[] };
      const levels = (l: Level[]) => l.map((x) => ({ price: x.price, positionsize: x.positionsize }));
      return { bid: levels(book.bid), ask: levels(book.ask) };
    },
  };
  return out;
}

interface Level {
  price: number;
  positionsize: number;
}

function ownAccount(p: Principal, account: string): void {
  if (!p.accounts.has(account)) throw new RpcError(RPC.FORBIDDEN, `this key may not read account ${JSON.stringify(account)}`, undefined, 403);
}

function publicMethods(d: MethodDeps): Record<string, MethodDef> {
  const none = (fn: () => unknown): MethodDef => ({
    auth: 'none',
    handler: (p) => {
      S.check(S.noParams, p);
      return fn();
    },
  });
  return {
    server_time: none(serverTime),
    GetMarkets: getMarkets(d),
    btc_usd_price: none(() => d.reads.price()),
    get_funding_rate: none(() => d.reads.fundingRate()),
    position_size: none(() => d.reads.positionSize()),
    get_market_stats: none(() => d.reads.marketStats()),
    open_limit_orders: none(() => d.reads.openLimitOrders()),
    recent_trade_orders: { auth: 'none', handler: (p) => d.reads.recentTrades(S.check(S.listLimit, p)) },
    historical_price: {
      auth: 'none',
      handler: (p) => {
        const q = S.check(S.range, p);
        return d.reads.historicalPrice(q.from, q.to, q.limit, q.offset);
      },
    },
    historical_funding_rate: {
      auth: 'none',
      handler: (p) => {
        const q = S.check(S.range, p);
        return d.reads.historicalFunding(q.from, q.to, q.limit, q.offset);
      },
    },
    candle_data: {
      auth: 'none',
      handler: (p) => {
        const q = S.check(S.candles, p);
        return d.reads.candles(q.interval, q.since, q.limit, q.offset);
      },
    },
  };
}

function privateMethods(d: MethodDeps): Record<string, MethodDef> {
  const ownedOrder = async (ctx: CallCtx, uuid: string) => {
    const o = await d.reads.traderOrder(uuid);
    if (o === null || !principalOf(ctx).accounts.has(o.account_id)) throw notFound('order');
    return o;
  };
  return {
    submit_order: {
      auth: 'client',
      handler: (p, ctx) => submit(d, prepareSubmitOrder(p, principalOf(ctx).accounts, 'params', d.market)),
    },
    submit_bulk_order: {
      auth: 'client',
      handler: async (p, ctx) => {
        const list = Array.isArray(p)
          ? p
          : p !== null && typeof p === 'object' && Array.isArray((p as { orders?: unknown }).orders)
            ? (p as { orders: unknown[] }).orders
            : null;
        if (list === null || list.length === 0)
          throw new RpcError(RPC.INVALID_PARAMS, 'Invalid params: submit_bulk_order takes a non-empty array of order bodies (or {orders: [...]})');
        if (list.length > 100) throw new RpcError(RPC.INVALID_PARAMS, 'Invalid params: at most 100 orders per submit_bulk_order');
        const accounts = principalOf(ctx).accounts;
        const prepared = list.map((o, i) => prepareSubmitOrder(o, accounts, `[${i}]`, d.market));
        return Promise.all(prepared.map((w) => submit(d, w)));
      },
    },
    trader_order_info: { auth: 'client', handler: async (p, ctx) => ownedOrder(ctx, S.check(S.byId, p).id) },
    lend_order_info: {
      auth: 'client',
      handler: async (p, ctx) => {
        const l = await d.reads.lendOrder(S.check(S.byId, p).id);
        if (l === null || !principalOf(ctx).accounts.has(l.account_id)) throw notFound('lend order');
        return l;
      },
    },
    order_history: {
      auth: 'client',
      handler: async (p, ctx) => {
        const q = S.check(S.orderHistory, p);
        if ('order' in q) {
          await ownedOrder(ctx, q.order);
          return d.reads.orderHistoryOf(q.order);
        }
        return d.reads.ordersOfAccounts([...principalOf(ctx).accounts], q.limit, q.offset);
      },
    },
    trade_volume: {
      auth: 'client',
      handler: (p, ctx) => {
        const q = S.check(S.tradeVolume, p);
        return d.reads.tradeVolume([...principalOf(ctx).accounts], q.start, q.end);
      },
    },
    unrealized_pnl: {
      auth: 'client',
      handler: async (p, ctx) => {
        const q = S.check(S.unrealizedPnl, p);
        const me = principalOf(ctx);
        if ('all' in q) return d.reads.unrealized(await d.reads.activeOrders([...me.accounts]));
        if ('order' in q) return d.reads.unrealized([await ownedOrder(ctx, q.order)]);
        ownAccount(me, q.account);
        return d.reads.unrealized(await d.reads.activeOrders([q.account]));
      },
    },
    open_orders: {
      auth: 'client',
      handler: async (p, ctx) => {
        const account = S.check(S.openOrders, p);
        const me = principalOf(ctx);
        if (account !== undefined) ownAccount(me, account);
        const accounts = account === undefined ? [...me.accounts] : [account];
        const [trader, lend] = await Promise.all([d.reads.activeOrders(accounts), d.reads.activeLends(accounts)]);
        return { trader_orders: trader, lend_orders: lend };
      },
    },
  };
}

function adminMethods(d: MethodDeps): Record<string, MethodDef> {
  const out: Record<string, MethodDef> = {};
  for (const [type, spec] of Object.entries(ADMIN_WRITES)) {
    out[type] = {
      auth: 'admin',
      handler: (params, ctx) => {
        const me = principalOf(ctx);
        const p = params !== null && typeof params === 'object' && !Array.isArray(params) ? { ...(params as Record<string, unknown>) } : params;
        // admin commands wait for their outcome unless told not to, and carry the key in their id (audit)
        if (p !== null && typeof p === 'object' && !Array.isArray(p)) {
          const o = p as Record<string, unknown>;
          if (o['wait'] === undefined) o['wait'] = true;
          if (o['request_id'] === undefined) o['request_id'] = `admin:${me.id}:${randomUUID()}`;
        }
        return submit(d, prepareWrite(type as CommandType, spec, p ?? { wait: true, request_id: `admin:${me.id}:${randomUUID()}` }, null, d.market));
      },
    };
  }
  out['GetRiskStats'] = {
    auth: 'admin',
    handler: async (p) => {
      S.check(S.noParams, p);
      return d.reads.marketStats();
    },
  };
  out['GetRiskParams'] = {
    auth: 'admin',
    handler: async (p) => {
      S.check(S.noParams, p);
      const [risk, asOf] = await Promise.all([d.reads.risk(), d.reads.asOf()]);
      if (risk === null) throw new RpcError(RPC.UNAVAILABLE, 'no risk parameters yet: the Redis read model is empty (is relayer project running?)');
      return { params: risk.params, fees: risk.fees, flags: risk.flags, status: risk.status, status_reason: risk.status_reason, as_of: asOf };
    },
  };
  out['GetServerTime'] = {
    auth: 'none',
    handler: (p) => {
      S.check(S.noParams, p);
      return serverTime();
    },
  };
  out['GetMarkets'] = { ...getMarkets(d), auth: 'admin' };
  return out;
}

/** The registry's markets (D180): public on the client port, and on the admin port for operators. */
function getMarkets(d: MethodDeps): MethodDef {
  return {
    auth: 'none',
    handler: async (p) => {
      S.check(S.noParams, p);
      if (d.markets === undefined) throw new RpcError(RPC.UNAVAILABLE, 'this gateway has no market registry');
      return d.markets();
    },
  };
}

export interface Tables {
  client: Record<string, MethodTable>;
  admin: Record<string, MethodTable>;
  clientNames: Set<string>;
  adminNames: Set<string>;
}

export function methodTables(d: MethodDeps): Tables {
  const order = clientMethods(d);
  const pub = publicMethods(d);
  const priv = privateMethods(d);
  const admin = adminMethods(d);
  const all = { ...pub, ...priv, ...order };
  return {
    client: { '/clientapi': order, '/api': pub, '/api/private': priv, '/': all },
    admin: { '/': admin, '/admin': admin },
    clientNames: new Set(Object.keys(all)),
    adminNames: new Set(Object.keys(admin)),
  };
}
