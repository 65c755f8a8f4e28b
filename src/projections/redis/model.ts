// The Redis read model: current price, funding, pool and risk stats, the ten trigger books as
// sorted sets, orders by id and per account, recent trades, and pub/sub channels carrying new
// values. A batch is one MULTI/EXEC (sent as one pipeline) that also moves the checkpoint; the
// checkpoint key is WATCHed first, so a second writer or a lost reply can never apply a batch twice.
import { Redis } from 'ioredis';
import type { LendOrder, State, TraderOrder } from '../../engine/index.js';
import type { Batch, Checkpoint, ProjectedEvent } from '../batch.js';
import { GENESIS_CHECKPOINT } from '../batch.js';
import type { IndexName } from '../../engine/triggers/books.js';
import { bookEntries, CheckpointMismatchError, lendAfter, marketInfo, orderAfter, riskStats, sharePrice, tradeOf, type Trade } from '../mirror.js';
import type { Builder, ReadModel } from '../runner.js';
import { bookMember, REDIS_LAYOUT_VERSION, RedisKeys } from './keys.js';
import { unlinkMatching } from './unlink.js';

export interface RedisOptions {
  url: string;
  prefix: string;
  /** Length of the recent trades list. */
  tradesKeep: number;
  /** Seconds a terminal order's details stay (0 = forever); the history is in PostgreSQL. */
  closedTtl: number;
  /** CLIENT SETNAME of the connection, so operators (and tests) can find it in CLIENT LIST. */
  clientName: string;
}

export type Cmd = (string | number)[];

export interface RedisBatch {
  cmds: Cmd[];
  events: number;
}

export class RedisLayoutTooNewError extends Error {}

export function redisClient(url: string, name: string, connectTimeout = 5000): Redis {
  const r = new Redis(url, {
    lazyConnect: true,
    connectionName: name,
    connectTimeout,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    autoResubscribe: false,
  });
  r.on('error', () => {
    /* surfaces as the failure of the command in progress */
  });
  return r;
}

const ACTIVE = new Set(['PENDING', 'FILLED']);

class RedisBuilder implements Builder<RedisBatch> {
  private readonly orders = new Map<string, TraderOrder>();
  private readonly lends = new Map<string, LendOrder>();
  private readonly trades: Trade[] = [];
  private price: { price: number; previous_price: number | null; feed_price: number; ts: number; seq: number } | null = null;
  private funding: Record<string, unknown> | null = null;
  private count = 0;

  constructor(private readonly model: RedisReadModel) {}

  add(ev: ProjectedEvent, state: State): void {
    const env = ev.env;
    this.count++;
    const o = orderAfter(env, state);
    if (o !== null) {
      this.orders.set(o.uuid, o);
      const t = tradeOf(env);
      if (t !== null) {
        this.trades.push(t);
        if (this.trades.length > 2 * this.model.opts.tradesKeep) this.trades.splice(0, this.trades.length - this.model.opts.tradesKeep);
      }
      return;
    }
    const l = lendAfter(env);
    if (l !== null) {
      this.lends.set(l.uuid, l);
      return;
    }
    if (env.type === 'PriceUpdated') {
      this.price = { price: env.data.price, previous_price: env.data.previous_price, feed_price: env.data.feed_price, ts: env.ts, seq: env.seq };
    } else if (env.type === 'FundingRateUpdated') {
      this.funding = { ...env.data, ts: env.ts, seq: env.seq };
    }
  }

  finish(batch: Batch, state: State): RedisBatch {
    const k = this.model.keys;
    const { closedTtl, tradesKeep } = this.model.opts;
    const live = batch.live;
    const cmds: Cmd[] = [];
    const books = this.model.books;
    for (const o of this.orders.values()) {
      const json = JSON.stringify(o);
      const active = ACTIVE.has(o.order_status);
      if (active || closedTtl <= 0) cmds.push(['set', k.order(o.uuid), json]);
      else cmds.push(['set', k.order(o.uuid), json, 'EX', closedTtl]);
      // what Redis holds for this order (the cache mirrors it) against what the engine holds now
      const had = books.get(o.uuid);
      const want = active ? bookEntries(o) : [];
      if (had === undefined && active) cmds.push(['sadd', k.accountOrders(o.account_id), o.uuid]);
      if (!active) cmds.push(['srem', k.accountOrders(o.account_id), o.uuid]);
      const member = bookMember(o.entry_sequence, o.uuid);
      for (const [idx, key] of want) {
        if (had === undefined || !had.some(([i, k2]) => i === idx && k2 === key)) cmds.push(['zadd', k.book(idx), key, member]);
      }
      if (had !== undefined) {
        for (const [idx] of had) if (!want.some(([i]) => i === idx)) cmds.push(['zrem', k.book(idx), member]);
      }
      if (active) books.set(o.uuid, want);
      else books.delete(o.uuid);
      if (live) cmds.push(['publish', k.ordersChannel(o.account_id), json]);
    }
    for (const l of this.lends.values()) {
      const json = JSON.stringify(l);
      const active = l.order_status === 'FILLED';
      if (active || closedTtl <= 0) cmds.push(['set', k.lend(l.uuid), json]);
      else cmds.push(['set', k.lend(l.uuid), json, 'EX', closedTtl]);
      cmds.push([active ? 'sadd' : 'srem', k.accountLends(l.account_id), l.uuid]);
      if (live) cmds.push(['publish', k.ordersChannel(l.account_id), json]);
    }
    if (this.price !== null) {
      const json = JSON.stringify(this.price);
      cmds.push(['set', k.price, this.price.price], ['set', k.priceInfo, json]);
      if (live) cmds.push(['publish', k.priceChannel, json]);
    }
    if (this.funding !== null) {
      cmds.push(['set', k.fundingRate, this.funding['funding_rate'] as number], ['set', k.funding, JSON.stringify(this.funding)]);
    }
    if (state.pool !== null) {
      const pool = JSON.stringify({ ...state.pool, share_price: sharePrice(state.pool) });
      if (pool !== this.model.lastPool) {
        cmds.push(['set', k.pool, pool]);
        this.model.lastPool = pool;
      }
    }
    const market = JSON.stringify(marketInfo(state));
    if (market !== this.model.lastMarket) {
      cmds.push(['set', k.market, market]);
      this.model.lastMarket = market;
    }
    const risk = JSON.stringify(riskStats(state));
    if (risk !== this.model.lastRisk) {
      cmds.push(['set', k.risk, risk]);
      if (live) cmds.push(['publish', k.riskChannel, risk]);
      this.model.lastRisk = risk;
    }
    if (this.trades.length > 0) {
      const recent = this.trades.slice(-tradesKeep).map((t) => JSON.stringify(t));
      cmds.push(['lpush', k.trades, ...recent], ['ltrim', k.trades, 0, tradesKeep - 1]);
      if (live) for (const t of recent) cmds.push(['publish', k.tradesChannel, t]);
    }
    cmds.push(['hset', k.checkpoint, 'seq', batch.to.seq, 'hash', batch.to.hash, 'ts', batch.lastTs]);
    return { cmds, events: this.count };
  }
}

export class RedisReadModel implements ReadModel<RedisBatch> {
  readonly name = 'redis';
  readonly label: string;
  readonly keys: RedisKeys;
  private client: Redis | null = null;
  /** The last pool / risk values written, so an unchanged value is not written again. */
  lastPool: string | null = null;
  lastRisk: string | null = null;
  lastMarket: string | null = null;
  /**
   * The book entries Redis holds for each active order, so a batch only adds and removes what
   * changed. Primed from the mirror at the checkpoint (Redis holds exactly that state then) and
   * kept as batches are prepared; batches commit in order, so it runs at most one batch ahead.
   */
  readonly books = new Map<string, [IndexName, number][]>();

  constructor(readonly opts: RedisOptions) {
    this.keys = new RedisKeys(opts.prefix);
    this.label = `redis prefix "${opts.prefix}"`;
  }

  async connect(): Promise<void> {
    if (this.client !== null) return;
    const r = redisClient(this.opts.url, this.opts.clientName);
    try {
      await r.connect();
      const v = await r.hget(this.keys.meta, 'version');
      if (v !== null && Number(v) > REDIS_LAYOUT_VERSION) {
        throw new RedisLayoutTooNewError(
          `${this.label} has layout version ${v}, newer than this relayer knows (${REDIS_LAYOUT_VERSION}); upgrade relayer or use another --redis-prefix`,
        );
      }
      if (v === null) await r.hset(this.keys.meta, 'version', REDIS_LAYOUT_VERSION);
    } catch (e) {
      r.disconnect();
      throw e;
    }
    this.client = r;
    // after a reconnect nothing is known about what is stored: write pool, risk and market again
    this.lastPool = null;
    this.lastRisk = null;
    this.lastMarket = null;
  }

  async disconnect(): Promise<void> {
    const c = this.client;
    this.client = null;
    c?.disconnect();
  }

  private get db(): Redis {
    if (this.client === null) throw new Error('redis: not connected');
    return this.client;
  }

  async checkpoint(): Promise<Checkpoint> {
    const [seq, hash] = await this.db.hmget(this.keys.checkpoint, 'seq', 'hash');
    if (seq === null || seq === undefined || hash === null || hash === undefined) return { ...GENESIS_CHECKPOINT };
    return { seq: Number(seq), hash };
  }

  builder(): RedisBuilder {
    return new RedisBuilder(this);
  }

  prime(state: State): void {
    this.books.clear();
    for (const o of state.orders.values()) this.books.set(o.uuid, bookEntries(o));
  }

  async write(p: RedisBatch, batch: Batch): Promise<void> {
    const db = this.db;
    const k = this.keys.checkpoint;
    const watched = await db.pipeline().watch(k).hmget(k, 'seq', 'hash').exec();
    const cur = watched?.[1];
    if (cur === undefined || cur[0] !== null) throw cur?.[0] ?? new Error('redis: no reply to WATCH');
    const [seq, hash] = cur[1] as (string | null)[];
    const at: Checkpoint = seq === null || seq === undefined ? GENESIS_CHECKPOINT : { seq: Number(seq), hash: hash ?? '' };
    if (at.seq !== batch.from.seq || at.hash !== batch.from.hash) {
      await db.unwatch();
      throw new CheckpointMismatchError(`${this.label} checkpoint is at seq ${at.seq}, expected ${batch.from.seq}: is another projector writing to it?`);
    }
    const res = await db.multi(p.cmds).exec();
    if (res === null) throw new CheckpointMismatchError(`${this.label} checkpoint changed during a write: is another projector writing to it?`);
    for (const [err] of res) if (err !== null) throw err;
  }

  async head(seq: number, priceTs: number | null): Promise<void> {
    // its own key: writing under the WATCHed checkpoint would abort the batch in flight
    await this.db.hset(this.keys.head, 'seq', seq, 'price_ts', priceTs ?? '', 'at', Date.now());
  }

  async drop(): Promise<void> {
    const db = this.db;
    await unlinkMatching(db, this.keys.pattern);
    await db.hset(this.keys.meta, 'version', REDIS_LAYOUT_VERSION);
    this.lastPool = null;
    this.lastRisk = null;
    this.lastMarket = null;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c !== null) await c.quit().catch(() => c.disconnect());
  }

  isFatal(e: unknown): boolean {
    return isFatalRedis(e);
  }
}

const RETRYABLE_REPLIES = ['LOADING', 'BUSY', 'MASTERDOWN', 'READONLY', 'TRYAGAIN', 'CLUSTERDOWN', 'OOM'];

/** Redis errors a retry can cure: lost connections and a server that is busy or starting. */
export function isFatalRedis(e: unknown): boolean {
  if (e instanceof RedisLayoutTooNewError) return true;
  if (!(e instanceof Error) || e.name !== 'ReplyError') return false;
  return !RETRYABLE_REPLIES.some((p) => e.message.startsWith(p));
}
