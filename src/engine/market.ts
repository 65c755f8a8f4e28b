// Market ids (SPEC §13): one engine per market; `BTC-USD` is the default everywhere a market is
// not named, so §1–§12 describe it unchanged.
import { UUID_NAMESPACE } from './types.js';
import { parseUuid, uuidv5 } from './util/uuid.js';

export const DEFAULT_MARKET = 'BTC-USD';

/** `BASE-QUOTE`, 2–12 upper-case letters or digits each. */
export const MARKET_ID_PATTERN = /^[A-Z0-9]{2,12}-[A-Z0-9]{2,12}$/;

export function isMarketId(s: unknown): s is string {
  return typeof s === 'string' && MARKET_ID_PATTERN.test(s);
}

/** The uuid namespace of a market's minted ids: §2's for BTC-USD, uuidv5(market, §2's) else. */
export function marketNamespace(market: string): string {
  return market === DEFAULT_MARKET ? UUID_NAMESPACE : uuidv5(market);
}

// one entry is enough: an engine runs one market, so minting never re-parses a namespace
let cachedMarket = DEFAULT_MARKET;
let cachedBytes = parseUuid(UUID_NAMESPACE);

/** marketNamespace as the 16 bytes uuidv5 hashes (cached for the market last asked for). */
export function marketNamespaceBytes(market: string): Uint8Array {
  if (market !== cachedMarket) {
    cachedBytes = parseUuid(marketNamespace(market));
    cachedMarket = market;
  }
  return cachedBytes;
}
