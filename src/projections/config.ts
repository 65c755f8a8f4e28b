// Where the read models are: flags first, then the environment, then the defaults.
import { DEFAULT_MARKET } from '../engine/market.js';
export const DEFAULT_PG_SCHEMA = 'relayer';
export const DEFAULT_REDIS_PREFIX = 'relayer:';

export interface ReadModelFlags {
  postgres?: string;
  redis?: string;
  pgSchema?: string;
  redisPrefix?: string;
}

function env(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

export function pgUrl(f: ReadModelFlags): string | undefined {
  return f.postgres ?? env('RELAYER_PG_URL');
}
export function redisUrl(f: ReadModelFlags): string | undefined {
  return f.redis ?? env('RELAYER_REDIS_URL');
}
export function pgSchema(f: ReadModelFlags): string {
  return f.pgSchema ?? env('RELAYER_PG_SCHEMA') ?? DEFAULT_PG_SCHEMA;
}
export function redisPrefix(f: ReadModelFlags): string {
  return f.redisPrefix ?? env('RELAYER_REDIS_PREFIX') ?? DEFAULT_REDIS_PREFIX;
}

/**
 * A market's Redis prefix (D181): BTC-USD keeps the prefix as given (every existing read model and
 * client works unchanged); market M puts `.M` before the prefix's trailing colon (`relayer:` →
 * `relayer.ETH-USD:`), so no market's keys fall under another's SCAN pattern (a --rebuild of
 * BTC-USD never wipes ETH-USD) and the suffix reads like the Kafka topics' (D163).
 */
export function marketRedisPrefix(prefix: string, market: string): string {
  if (market === DEFAULT_MARKET) return prefix;
  return prefix.endsWith(':') ? `${prefix.slice(0, -1)}.${market}:` : `${prefix}.${market}:`;
}

/**
 * A market's PostgreSQL schema (D182): BTC-USD keeps the schema as given; market M gets
 * `<schema>_<m>` (`relayer_eth_usd`), the same tables, migrations and checkpoint as BTC-USD's.
 */
export function marketPgSchema(schema: string, market: string): string {
  if (market === DEFAULT_MARKET) return schema;
  return `${schema}_${market.toLowerCase().replace('-', '_')}`;
}
