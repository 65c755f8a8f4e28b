// Routing by market (SPEC §13, D180): every method takes an optional `market` param (absent =
// BTC-USD). The gateway builds one method table per market it serves, each over that market's
// input log and read models, and routes a call to the table of its market with `market` taken out
// of the params, so each method sees exactly the params it saw before markets existed.
import { DEFAULT_MARKET, isMarketId } from '../engine/market.js';
import { RPC, RpcError } from './errors.js';
import type { Tables } from './methods.js';
import type { MethodDef, MethodTable } from './server.js';

/** One row of GetMarkets: the registry's facts and, for a market this gateway serves, its risk status. */
export interface MarketListing {
  id: string;
  tick_size: number;
  /** The registry's creation time (ISO), null for the implicit BTC-USD. */
  created_at: string | null;
  /** Whether this gateway routes the market's calls. */
  served: boolean;
  /** The market's risk status from its read model (HEALTHY, CLOSE_ONLY, HALT), null when unknown. */
  status: string | null;
}

export const MARKET_ID_TEXT = 'BASE-QUOTE, 2 to 12 upper-case letters or digits each, e.g. ETH-USD';

/** The call's market and its params without `market`; a malformed id is INVALID_PARAMS. */
export function splitMarket(params: unknown): { market: string; params: unknown } {
  if (params === null || typeof params !== 'object' || Array.isArray(params) || !('market' in params)) {
    return { market: DEFAULT_MARKET, params };
  }
  const { market, ...rest } = params as Record<string, unknown>;
  if (market === undefined || market === null) return { market: DEFAULT_MARKET, params: rest };
  if (!isMarketId(market)) {
    throw new RpcError(RPC.INVALID_PARAMS, `Invalid params: market must be a market id (${MARKET_ID_TEXT}), got ${JSON.stringify(market)}`, {
      reason_code: 'INVALID_MARKET',
    });
  }
  return { market, params: rest };
}

function unknownMarket(market: string, served: readonly string[]): RpcError {
  return new RpcError(
    RPC.INVALID_PARAMS,
    `Invalid params: unknown market ${market}: this gateway serves ${served.join(', ')} (GetMarkets lists the registry; relayer markets list)`,
    { reason_code: 'UNKNOWN_MARKET', market, served },
  );
}

function routeTable(perMarket: ReadonlyMap<string, MethodTable>, served: readonly string[]): MethodTable {
  const first = perMarket.values().next().value as MethodTable;
  const out: Record<string, MethodDef> = {};
  for (const [name, def] of Object.entries(first)) {
    out[name] = {
      auth: def.auth,
      handler: (p, ctx) => {
        const call = splitMarket(p);
        const table = perMarket.get(call.market);
        if (table === undefined) throw unknownMarket(call.market, served);
        return table[name]!.handler(call.params, ctx);
      },
    };
  }
  return out;
}

/** One set of tables that routes each call by its `market` param to that market's tables. */
export function routeByMarket(tables: ReadonlyMap<string, Tables>): Tables {
  if (tables.size === 0) throw new Error('a gateway serves at least one market');
  const served = [...tables.keys()];
  const first = tables.values().next().value as Tables;
  const route = (pick: (t: Tables) => Record<string, MethodTable>): Record<string, MethodTable> => {
    const out: Record<string, MethodTable> = {};
    for (const path of Object.keys(pick(first))) {
      out[path] = routeTable(new Map([...tables].map(([m, t]) => [m, pick(t)[path]!])), served);
    }
    return out;
  };
  return { client: route((t) => t.client), admin: route((t) => t.admin), clientNames: first.clientNames, adminNames: first.adminNames };
}
