// What each JSON-RPC method takes and answers, for the OpenRPC document (src/api/openrpc.ts): the
// params schemas are the ones the handlers validate with (src/api/schemas.ts), the results those of
// src/api/results.ts. test/api/openrpc.test.ts fails when a served method has no entry here.
import { z } from 'zod';
import * as R from './results.js';
import * as S from './schemas.js';

export interface MethodDoc {
  summary: string;
  description?: string;
  params: z.ZodType;
  result: z.ZodType;
}

const none = S.noParams;
const write = (summary: string, params: z.ZodType, description?: string): MethodDoc => ({
  summary,
  params,
  result: R.submitted,
  description:
    `${description === undefined ? '' : `${description} `}Answers at once with {request_id, status: "RequestSubmitted"} (a create also gets the uuid its order will have); ` +
    'with params.wait = true it answers once the command committed, with its events and outcome. The outcome of a submit is the events of its request_id.',
});
const nested = (key: string, extra: string) => `Also accepted nested: {"${key}": {…this body…}, "${extra}": …} (SPEC §2).`;

const CREATE =
  'Opens a MARKET position or rests a LIMIT order. One active trader order per account: a second create for an account with a PENDING or FILLED order is rejected (DUPLICATE_ORDER). Margin in sats, prices in USD per BTC.';

export const CLIENT_DOCS: Readonly<Record<string, MethodDoc>> = {
  CreateTraderOrder: write('Open a position or place a limit order', S.createTrader, `${CREATE} ${nested('create_trader_order', 'sltp')}`),
  CreateTraderOrderSlTp: write('Open with stop loss / take profit legs', S.createTrader, `${CREATE} ${nested('create_trader_order', 'sltp')}`),
  ExecuteTraderOrder: write(
    'Close a position (MARKET now, LIMIT as a resting close limit, SLTP legs)',
    S.executeTrader,
    nested('execute_trader_order', 'sltp'),
  ),
  ExecuteTraderOrderSlTp: write('Set stop loss / take profit on a position', S.executeTrader, nested('execute_trader_order', 'sltp')),
  CancelTraderOrder: write('Cancel a PENDING limit order (or the close limit of a position)', S.cancelTrader, nested('cancel_trader_order', 'sltp_cancel')),
  CancelTraderOrderSlTp: write('Cancel stop loss / take profit legs', S.cancelTrader, nested('cancel_trader_order', 'sltp_cancel')),
  CreateLendOrder: write('Deposit into the lending pool (sats)', S.createLend, 'One active lend order per account.'),
  ExecuteLendOrder: write('Withdraw a lend order from the pool', S.executeLend),
  GetServerTime: { summary: 'Server time', params: none, result: R.serverTime },
  GetRecentOrder: {
    summary: "The account's newest trader order",
    description: "Without params (or without account_id) it answers for the key's account. NOT_FOUND (-32011) when the account has none.",
    params: S.recentOrder,
    result: R.traderOrder,
  },
  GetOrderBook: {
    summary: 'Open limit orders summed by price level, best first (SPEC §9)',
    description: 'bid: PENDING LONG limit orders, ask: PENDING SHORT; from the read model.',
    params: none,
    result: R.orderBook,
  },
  // public (/api)
  server_time: { summary: 'Server time', params: none, result: R.serverTime },
  GetMarkets: { summary: 'The markets of the registry: id, tick size, whether this gateway serves it, its risk status', params: none, result: R.markets },
  btc_usd_price: { summary: 'Current price', params: none, result: R.price },
  get_funding_rate: { summary: 'Current funding rate', params: none, result: R.fundingRate },
  position_size: { summary: 'Total long / short position size', params: none, result: R.positionSize },
  get_market_stats: { summary: 'Risk state of the market', params: none, result: R.marketStats },
  open_limit_orders: { summary: 'Open limit orders by price level, with order counts', params: none, result: R.openLimitOrders },
  recent_trade_orders: { summary: 'Newest fills and settlements', params: S.listLimit, result: z.array(R.trade) },
  historical_price: { summary: 'Price history', params: S.range, result: z.array(R.priceRow) },
  historical_funding_rate: { summary: 'Funding rate history', params: S.range, result: z.array(R.fundingRow) },
  candle_data: { summary: 'OHLC candles', params: S.candles, result: z.array(R.candle) },
  // private (/api/private)
  submit_order: write("Open a position for the key's account (a CreateTraderOrder body; account_id optional)", S.submitOrder),
  submit_bulk_order: {
    summary: 'Several submit_order bodies at once (at most 100)',
    params: z.union([z.array(S.submitOrder), z.object({ orders: z.array(S.submitOrder) })]),
    result: z.array(R.submitted),
  },
  trader_order_info: { summary: "One of the key's trader orders by uuid", params: S.byId, result: R.traderOrder },
  lend_order_info: { summary: "One of the key's lend orders by uuid", params: S.byId, result: R.lendOrder },
  order_history: {
    summary: "An order's changes ({OrderId}) or the key's orders newest first ({ClientId: {offset, limit}})",
    params: S.orderHistory,
    result: z.union([z.array(R.historyRow), z.array(R.traderOrder)]),
  },
  trade_volume: { summary: "The key's traded volume between two times", params: S.tradeVolume, result: R.tradeVolume },
  unrealized_pnl: { summary: 'Unrealized PnL of positions at the current price', params: S.unrealizedPnl, result: R.unrealized },
  open_orders: { summary: "The key's active trader and lend orders", params: S.openOrders, result: R.openOrders },
};

const adminWrite = (summary: string, params: z.ZodType): MethodDoc => ({
  summary,
  params,
  result: R.submitted,
  description: 'Waits for the outcome unless params.wait = false (admin key on the admin port).',
});

export const ADMIN_DOCS: Readonly<Record<string, MethodDoc>> = {
  UpdateFees: adminWrite('Set the four fee rates (percent)', S.updateFees),
  SetMarketHalt: adminWrite('Halt or resume the market', S.setMarketHalt),
  SetMarketCloseOnly: adminWrite('Close-only mode on or off', S.setFlag),
  SetPauseFunding: adminWrite('Pause funding on or off', S.setFlag),
  SetPausePriceFeed: adminWrite('Pause the price feed on or off', S.setFlag),
  UpdateRiskParams: adminWrite('Change risk parameters', S.updateRiskParams),
  RecalculateRiskState: adminWrite('Recompute the exposure totals', S.empty),
  TriggerPriceCheck: adminWrite('Run the price checks at a price', S.triggerPriceCheck),
  UpdateFeedParams: adminWrite('Feed staleness thresholds (ms)', S.updateFeedParams),
  GetRiskStats: { summary: 'Risk state of the market', params: none, result: R.marketStats },
  GetRiskParams: { summary: 'Risk parameters, fees, flags', params: none, result: R.riskParams },
  GetServerTime: { summary: 'Server time', params: none, result: R.serverTime },
  GetMarkets: { summary: 'The markets of the registry: id, tick size, whether this gateway serves it, its risk status', params: none, result: R.markets },
};
