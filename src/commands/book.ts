// `relayer book`: the live order book in the terminal. On an interactive terminal it follows the
// committed events until `q`; otherwise (or with --once) it prints one plain-text frame, or the
// book model as JSON with --json, and exits.
import { z } from 'zod';
import { CliError, usage } from '../errors.js';
import type { Backend } from '../store/types.js';
import { catchUp, openStore } from '../tui/follow.js';
import { bookModel } from '../tui/model.js';
import { emptyStore, type BookStore } from '../tui/store.js';
import { marketRedisPrefix, redisPrefix } from '../projections/config.js';
import { openRegistry } from '../markets/registry.js';
import { initialUi, type UiState } from '../tui/ui.js';
import { dataDir, openBackend, usesKafka, type BackendOptions } from './backend.js';
import { marketOf, marketsOf } from './market.js';

export interface BookOptions extends BackendOptions {
  redis?: string;
  redisPrefix?: string;
  once?: boolean;
  json?: boolean;
  fromScratch?: boolean;
  step?: string;
  depth?: string;
  width?: string;
  height?: string;
  markets?: string;
}

const Options = z.object({
  step: z.coerce.number().positive().optional(),
  depth: z.coerce.number().int().min(1).max(1000).optional(),
  width: z.coerce.number().int().min(40).max(1000).optional(),
  height: z.coerce.number().int().min(12).max(1000).optional(),
});

export async function book(opts: BookOptions): Promise<void> {
  const parsed = Options.safeParse({ step: opts.step, depth: opts.depth, width: opts.width, height: opts.height });
  if (!parsed.success) throw usage(`invalid option: ${parsed.error.issues.map((i) => `--${String(i.path[0])} ${i.message}`).join('; ')}`);
  const o = parsed.data;
  if (opts.redis !== undefined && (opts.kafka !== undefined || opts.data !== undefined)) {
    throw usage('give one source: --data, --kafka or --redis');
  }
  if (opts.redis === undefined && opts.redisPrefix !== undefined) throw usage('--redis-prefix goes with --redis');
  if (opts.redis !== undefined && opts.fromScratch === true) throw usage('--from-scratch replays the event log: not with --redis');
  // React's production build: the development one (the default without NODE_ENV) costs several
  // times more per frame. It must be set before React loads, hence the dynamic import.
  process.env['NODE_ENV'] ??= 'production';
  const interactive = process.stdout.isTTY === true && process.stdin.isTTY === true && opts.once !== true && opts.json !== true;
  // Ink draws nothing but the last frame when CI/CONTINUOUS_INTEGRATION is set; with a terminal on
  // both ends someone is watching (a person, or the tmux end-to-end test under CI), so draw.
  if (interactive) for (const k of ['CI', 'CONTINUOUS_INTEGRATION']) if (k in process.env) process.env[k] = 'false';
  // the market shown first and the ones `m` cycles through (D185)
  const first = marketOf(opts);
  const listed = opts.markets !== undefined ? marketsOf(opts.markets) : opts.redis !== undefined ? [first] : await registeredMarkets(opts);
  let ui: Partial<UiState> | null = { step: o.step ?? null, market: first, markets: listed.includes(first) ? listed : [first, ...listed] };
  while (ui !== null) {
    const market: string = ui.market!;
    ui =
      opts.redis !== undefined
        ? await bookFromRedis(opts.redis, marketRedisPrefix(redisPrefix(opts), market), opts, o, interactive, ui)
        : await bookFromLog({ ...opts, market }, o, interactive, ui);
    if (ui !== null) ui = { ...ui, quit: false };
  }
}

/** The registry's markets, in its order; BTC-USD alone where there is no registry. */
async function registeredMarkets(opts: BookOptions): Promise<string[]> {
  const reg = await openRegistry(opts);
  try {
    return (await reg.list()).map((m) => m.id);
  } finally {
    await reg.close();
  }
}

/** The book from the market's event log; the UI state to reopen with when `m` picked another market. */
async function bookFromLog(opts: BookOptions, o: Sizes, interactive: boolean, ui: Partial<UiState>): Promise<Partial<UiState> | null> {
  const backend: Backend = await openBackend(opts);
  const source = usesKafka(opts) ? 'kafka' : `embedded ${dataDir(opts)}`;
  try {
    const store = await openStore(backend, { fromScratch: opts.fromScratch === true });
    if (!interactive) {
      await catchUp(store, backend, (await backend.lastCommitted()).seq);
      await printOnce(store, opts, o, source, ui);
      return null;
    }
    const { runInteractive } = await import('../tui/app.js');
    return await runInteractive(backend, store, { source, ui });
  } finally {
    await backend.close();
  }
}

type Sizes = z.infer<typeof Options>;

/** One frame (plain text, or the model as JSON with --json) of the store as it is now. */
async function printOnce(store: BookStore, opts: BookOptions, o: Sizes, source: string, shown: Partial<UiState>): Promise<void> {
  const now = Date.now();
  if (opts.json) {
    const model = bookModel(store, {
      now,
      ...(shown.market === undefined ? {} : { market: shown.market }),
      depth: o.depth ?? 10,
      feed: 20,
      step: o.step ?? null,
    });
    process.stdout.write(`${JSON.stringify({ market_id: shown.market, ...model })}\n`);
    return;
  }
  const { plainFrame } = await import('../tui/app.js');
  const { modelFor } = await import('../tui/session.js');
  const { width, height } = frameSize(o);
  const ui = initialUi({ ...shown, step: o.step ?? null });
  const model =
    o.depth === undefined ? modelFor(store, ui, height, now) : bookModel(store, { now, market: ui.market, depth: o.depth, feed: height, step: ui.step });
  process.stdout.write(plainFrame(model, width, height, ui, source));
}

function frameSize(o: Sizes): { width: number; height: number } {
  return {
    width: o.width ?? (process.stdout.isTTY ? process.stdout.columns : undefined) ?? 120,
    height: o.height ?? (process.stdout.isTTY ? process.stdout.rows - 1 : undefined) ?? 40,
  };
}

/** The book from the Redis read model (`relayer project --redis`): its keys, read in view-sized windows. */
async function bookFromRedis(
  url: string,
  prefix: string,
  opts: BookOptions,
  o: Sizes,
  interactive: boolean,
  ui: Partial<UiState>,
): Promise<Partial<UiState> | null> {
  const { redisClient } = await import('../projections/redis/model.js');
  const { EmptyReadModelError, RedisBookFeed } = await import('../tui/redis-feed.js');
  const { depthFor } = await import('../tui/session.js');
  const redis = redisClient(url, 'relayer-book');
  try {
    await redis.connect();
  } catch (e) {
    redis.disconnect();
    throw new CliError(`cannot reach Redis at ${redactUrl(url)}: ${(e as Error).message}`);
  }
  const source = `redis ${redactUrl(url)} prefix ${prefix}`;
  try {
    const depth = o.depth ?? (opts.json ? 10 : depthFor(frameSize(o).height));
    const feed = new RedisBookFeed(redis, prefix, () => ({ depth, step: o.step ?? null, account: null }));
    const store = emptyStore(false);
    // the first read finds the price; a second one reads the ladders at that price's bucket
    try {
      for (let i = 0; i < 3 && (await feed.pull(store)).more; i++);
    } catch (e) {
      throw new CliError(e instanceof EmptyReadModelError ? e.message : `reading the Redis read model failed: ${(e as Error).message}`);
    }
    if (!interactive) {
      await printOnce(store, opts, o, source, ui);
      return null;
    }
    const { runInteractive } = await import('../tui/app.js');
    return await runInteractive(feed, store, { source, ui });
  } finally {
    redis.disconnect();
  }
}

/** A URL fit for a message: without its password. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
