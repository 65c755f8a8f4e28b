// The exchanges `relayer feed --source <name>:<symbol>[@url]` knows, and reading that flag.
import { binance } from './binance.js';
import { bybit } from './bybit.js';
import { coinbase } from './coinbase.js';
import { kraken } from './kraken.js';
import { okx } from './okx.js';
import type { Exchange } from './types.js';

export const EXCHANGES: Readonly<Record<string, Exchange>> = { binance, coinbase, kraken, okx, bybit };

/** One configured source: its name in the index (the exchange's, or `name#2` for a second one), exchange, symbol, URL. */
export interface SourceSpec {
  name: string;
  exchange: string;
  symbol: string;
  url: string;
}

/**
 * `binance:btcusdt`, `kraken:XBT/USD@ws://127.0.0.1:9001`: the exchange, its symbol and optionally
 * the URL (else the exchange's default). Throws a RangeError with the reason.
 */
export function parseSourceFlag(flag: string): Omit<SourceSpec, 'name'> {
  const m = /^([a-z]+):([^@]+)(?:@(.+))?$/.exec(flag.trim());
  if (m === null) throw new RangeError(`--source ${JSON.stringify(flag)}: want exchange:symbol[@url], e.g. binance:btcusdt`);
  const ex = EXCHANGES[m[1]!];
  if (ex === undefined) throw new RangeError(`--source ${JSON.stringify(flag)}: unknown exchange ${m[1]} (known: ${Object.keys(EXCHANGES).join(', ')})`);
  const url = m[3] ?? ex.defaultUrl(m[2]!);
  if (!/^wss?:\/\//.test(url)) throw new RangeError(`--source ${JSON.stringify(flag)}: the URL must start with ws:// or wss://`);
  return { exchange: ex.name, symbol: m[2]!, url };
}

/** Names the sources: the exchange name, `okx#2` for a second source on the same exchange. */
export function nameSources(specs: Omit<SourceSpec, 'name'>[]): SourceSpec[] {
  const seen = new Map<string, number>();
  return specs.map((s) => {
    const n = (seen.get(s.exchange) ?? 0) + 1;
    seen.set(s.exchange, n);
    return { ...s, name: n === 1 ? s.exchange : `${s.exchange}#${n}` };
  });
}
