// The market a command works on (SPEC §13, D160): `--market <id>` or RELAYER_MARKET, BTC-USD
// when neither names one. A malformed id is a usage error (exit 2) before anything is opened.
import { Option } from 'commander';
import { DEFAULT_MARKET, isMarketId } from '../engine/market.js';
import { usage } from '../errors.js';

function checked(id: string, where: string): string {
  if (!isMarketId(id)) throw usage(`malformed market id '${id}' (${where}): BASE-QUOTE, 2–12 upper-case letters or digits each, e.g. ETH-USD`);
  return id;
}

/** The market of a per-market command: --market, else RELAYER_MARKET, else BTC-USD. */
export function marketOf(opts: { market?: string }): string {
  if (opts.market !== undefined && opts.market !== '') return checked(opts.market, '--market');
  const env = process.env['RELAYER_MARKET'];
  if (env !== undefined && env !== '') return checked(env, 'RELAYER_MARKET');
  return DEFAULT_MARKET;
}

/** `--markets A,B`: each id checked, duplicates refused, order kept. */
export function marketsOf(list: string): string[] {
  const ids = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (ids.length === 0) throw usage('--markets needs at least one market id, e.g. --markets BTC-USD,ETH-USD');
  const seen = new Set<string>();
  for (const id of ids) {
    checked(id, '--markets');
    if (seen.has(id)) throw usage(`--markets names ${id} twice`);
    seen.add(id);
  }
  return ids;
}

/** The `--market <id>` option every per-market command takes. */
export function marketOption(): Option {
  return new Option('--market <id>', `the market to work on (env RELAYER_MARKET; default ${DEFAULT_MARKET}; see relayer markets list)`);
}
