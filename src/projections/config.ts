// Where the read models are: flags first, then the environment, then the defaults.
export const DEFAULT_PG_SCHEMA = 'relayer';
export const DEFAULT_REDIS_PREFIX = 'relayer:';

export interface ReadModelFlags { postgres?: string; redis?: string; pgSchema?: string; redisPrefix?: string }

function env(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

export function pgUrl(f: ReadModelFlags): string | undefined { return f.postgres ?? env('RELAYER_PG_URL'); }
export function redisUrl(f: ReadModelFlags): string | undefined { return f.redis ?? env('RELAYER_REDIS_URL'); }
export function pgSchema(f: ReadModelFlags): string { return f.pgSchema ?? env('RELAYER_PG_SCHEMA') ?? DEFAULT_PG_SCHEMA; }
export function redisPrefix(f: ReadModelFlags): string { return f.redisPrefix ?? env('RELAYER_REDIS_PREFIX') ?? DEFAULT_REDIS_PREFIX; }
