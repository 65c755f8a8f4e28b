// The order the gateway, feed and end-to-end tests open again and again: valid CreateTraderOrder
// params of a market long, 10 000 of margin at 10×, entry price 65 000.

/** That order for `account`; `extra` adds (or replaces, keeping the key's place) fields. */
export function marketLong(account: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    account_id: account,
    position_type: 'LONG',
    order_type: 'MARKET',
    leverage: 10,
    initial_margin: 10_000,
    available_margin: 10_000,
    order_status: 'PENDING',
    entryprice: 65_000,
    execution_price: 0,
    ...extra,
  };
}

/** The barest market long: `initialMargin` at `leverage`, the entry and execution prices left at 0. */
export function bareLong(account: string, initialMargin: number, leverage: number): Record<string, unknown> {
  return {
    account_id: account,
    position_type: 'LONG',
    order_type: 'MARKET',
    leverage,
    initial_margin: initialMargin,
    entryprice: 0,
    execution_price: 0,
  };
}
