// The Redis read model as a feed of the book (`relayer book --redis URL`): one Lua script reads
// everything a frame needs in one atomic step (the projector writes each batch in one MULTI/EXEC,
// so the script sees a whole batch or none of it): checkpoint, price, funding, pool, risk, market,
// the entries of each ladder's levels in view (from the end nearest the mark) with every ladder's size, the leg counts, the trades
// since the last read and the filtered account's orders. While the checkpoint has not moved it
// answers with the head alone. Orders in the windows are fetched once (MGET) and kept while they
// stay in view; a liquidation entry whose score moved (funding) is fetched again.
import type { Redis } from 'ioredis';
import { liquidationKey } from '../engine/math.js';
import type { Pool, TraderOrder } from '../engine/types.js';
import type { MarketInfo, RiskStats, Trade } from '../projections/mirror.js';
import { REDIS_LAYOUT_VERSION, RedisKeys } from '../projections/redis/keys.js';
import type { BookFeed, Pulled, ViewWindow } from './follow.js';
import { autoStep } from './model.js';
import {
  applyView,
  newCursor,
  orderInfo,
  type FundingInfo,
  type OrderInfo,
  type PriceInfo,
  type RedisView,
  type ViewCursor,
  type ViewEntry,
} from './redis-view.js';
import { emptyStore, LADDERS, type BookStore, type LadderName } from './store.js';

/** Most entries read of one ladder per step (a bound on the script's time inside Redis). */
const WINDOW_CAP = 10_000;
/** Most new trades read per step (the read model keeps 1,000 by default). */
const TRADES_MAX = 2000;

// ARGV: prefix, known checkpoint seq ('' = read all), bucket (USD), buckets per ladder, cap, last
// trade seq seen, most trades, account ('' = none). A ladder's window is its entries from the end
// nearest the mark up to the first entry of bucket number `buckets + 1`, bucketed the way the
// model rounds (bids and short liquidations down, asks and long liquidations up).
const SCRIPT = `
local p = ARGV[1]
local cp = redis.call('HMGET', p .. 'checkpoint', 'seq', 'ts')
local head = redis.call('HMGET', p .. 'head', 'seq', 'price_ts')
local seq = cp[1] or '0'
if seq == ARGV[2] then return {seq, head[1], head[2]} end
local step = tonumber(ARGV[3])
local buckets = tonumber(ARGV[4])
local cap = tonumber(ARGV[5])
local function window(name, desc, up)
  local key = p .. 'book:' .. name
  local n = redis.call('ZCARD', key)
  local out = {}
  local seen = 0
  local last = nil
  local i = 0
  while i < n and #out < 2 * cap do
    local chunk
    if desc then chunk = redis.call('ZREVRANGE', key, i, i + 255, 'WITHSCORES')
    else chunk = redis.call('ZRANGE', key, i, i + 255, 'WITHSCORES') end
    if #chunk == 0 then break end
    for j = 1, #chunk, 2 do
      local x = tonumber(chunk[j + 1]) / 10000 / step
      local b = x
      if up then b = math.ceil(x) else b = math.floor(x) end
      if b ~= last then
        seen = seen + 1
        if seen > buckets then return {n, out} end
        last = b
      end
      out[#out + 1] = chunk[j]
      out[#out + 1] = chunk[j + 1]
    end
    i = i + 256
  end
  return {n, out}
end
local books = {
  window('open_long', true, false), window('open_short', false, true),
  window('liq_long', true, true), window('liq_short', false, false),
}
local legs = {}
for _, name in ipairs({'close_long', 'close_short', 'sl_long', 'sl_short', 'tp_long', 'tp_short'}) do
  legs[#legs + 1] = redis.call('ZCARD', p .. 'book:' .. name)
end
local since = tonumber(ARGV[6])
local most = tonumber(ARGV[7])
local trades = {}
local i = 0
while #trades < most do
  local chunk = redis.call('LRANGE', p .. 'trades', i, i + 99)
  if #chunk == 0 then break end
  local older = false
  for _, t in ipairs(chunk) do
    local s = tonumber(string.match(t, '"seq":(%d+)'))
    if s == nil or s <= since or #trades >= most then older = true break end
    trades[#trades + 1] = t
  end
  if older then break end
  i = i + 100
end
local account = false
if ARGV[8] ~= '' then
  account = {}
  for _, uuid in ipairs(redis.call('SMEMBERS', p .. 'account:' .. ARGV[8] .. ':orders')) do
    local o = redis.call('GET', p .. 'order:' .. uuid)
    if o then account[#account + 1] = o end
  end
end
return {seq, cp[2], head[1], head[2], redis.call('GET', p .. 'price:info'), redis.call('GET', p .. 'funding'),
  redis.call('GET', p .. 'pool'), redis.call('GET', p .. 'risk'), redis.call('GET', p .. 'market'),
  books, legs, trades, account}
`;

type Reply = (string | number | null | Reply)[];

interface RelayerRedis extends Redis {
  relayerBookView(...args: (string | number)[]): Promise<Reply>;
}

export class EmptyReadModelError extends Error {}

export class RedisBookFeed implements BookFeed {
  private readonly keys: RedisKeys;
  private readonly cursor: ViewCursor = newCursor();
  private readonly orders = new Map<string, OrderInfo>();
  private asked: string | null = null;
  private head = 0;
  private checked = false;

  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
    private window: () => ViewWindow,
  ) {
    this.keys = new RedisKeys(prefix);
    if (typeof (redis as unknown as Partial<RelayerRedis>).relayerBookView !== 'function') {
      redis.defineCommand('relayerBookView', { numberOfKeys: 0, lua: SCRIPT });
    }
  }

  watch(window: () => ViewWindow): void {
    this.window = window;
  }

  /** The next pull reads everything again, even if the checkpoint has not moved (the order cache stays). */
  forget(): void {
    this.asked = null;
  }

  /** The bucket, levels and account a view is read with, and all three as one string (a change forces a full read). */
  private ask(store: BookStore): { step: number; buckets: number; account: string; key: string } {
    const w = this.window();
    const step = w.step ?? autoStep(store.price);
    // two buckets more than shown: an entry's score is its price truncated to 10⁻⁴, which can
    // round into the neighbouring bucket
    const buckets = w.depth + 2;
    const account = w.account ?? '';
    return { step, buckets, account, key: `${step}|${buckets}|${account}` };
  }

  async pull(store: BookStore): Promise<Pulled> {
    if (this.redis.status === 'end' || this.redis.status === 'wait') await this.redis.connect();
    if (!this.checked) await this.checkLayout();
    const a = this.ask(store);
    const known = this.asked === a.key && !this.cursor.first ? String(store.seq) : '';
    const reply = await (this.redis as unknown as RelayerRedis).relayerBookView(
      this.prefix,
      known,
      a.step,
      a.buckets,
      WINDOW_CAP,
      this.cursor.trade_seq,
      TRADES_MAX,
      a.account,
    );
    if (reply.length === 3) {
      const headSeq = num(reply[1]);
      const clock = num(reply[2]);
      this.head = Math.max(headSeq ?? 0, store.seq);
      if (clock !== null && (store.price_ts === null || clock > store.price_ts)) store.price_ts = clock;
      return { changed: false, head: this.head, more: false };
    }
    const view = decode(reply);
    if (view.seq === 0 && this.cursor.first) {
      throw new EmptyReadModelError(`the Redis read model under prefix "${this.prefix}" is empty: is \`relayer project --redis\` running with this prefix?`);
    }
    if (view.seq < store.seq) {
      // the read model went back (rebuilt, or Redis lost its data): start the view over, and
      // read again at once (this read asked only for trades after the old seq)
      Object.assign(store, emptyStore(false));
      Object.assign(this.cursor, newCursor());
      this.orders.clear();
      this.asked = null;
      return { changed: true, head: view.head?.seq ?? view.seq, more: true };
    }
    await this.fetchOrders(view);
    applyView(store, view, this.orders, this.cursor);
    this.asked = a.key;
    this.head = Math.max(view.head?.seq ?? 0, view.seq);
    // the first price (or a new bucket) can widen the window: read again at once
    return { changed: true, head: this.head, more: this.ask(store).key !== a.key };
  }

  private async checkLayout(): Promise<void> {
    const v = await this.redis.hget(this.keys.meta, 'version');
    if (v !== null && Number(v) > REDIS_LAYOUT_VERSION) {
      throw new Error(`the Redis read model under prefix "${this.prefix}" has layout version ${v}, newer than this relayer knows (${REDIS_LAYOUT_VERSION})`);
    }
    this.checked = true;
  }

  /** Details of the orders now in view that are not known (or whose liquidation moved); the rest are forgotten. */
  private async fetchOrders(v: RedisView): Promise<void> {
    const inView = new Set<string>();
    const want: string[] = [];
    for (const name of LADDERS) {
      const liq = name.startsWith('liq');
      for (const e of v.books[name].entries) {
        inView.add(e.uuid);
        const o = this.orders.get(e.uuid);
        if (o === undefined || (liq && liquidationKey(o.liq) !== e.key)) want.push(e.uuid);
      }
    }
    for (const uuid of this.orders.keys()) if (!inView.has(uuid)) this.orders.delete(uuid);
    for (let i = 0; i < want.length; i += 1000) {
      const part = want.slice(i, i + 1000);
      const got = await this.redis.mget(part.map((u) => this.keys.order(u)));
      got.forEach((json, j) => {
        if (json !== null) this.orders.set(part[j]!, orderInfo(JSON.parse(json) as TraderOrder));
      });
    }
  }
}

function num(x: unknown): number | null {
  if (x === null || x === undefined || x === '') return null;
  const n = Number(x);
  return Number.isFinite(n) ? n : null;
}

function json<T>(x: unknown): T | null {
  return typeof x === 'string' ? (JSON.parse(x) as T) : null;
}

/** The script's reply as a RedisView. */
export function decode(r: Reply): RedisView {
  const headSeq = num(r[2]);
  const books = {} as RedisView['books'];
  const raw = r[9] as Reply;
  LADDERS.forEach((name: LadderName, i) => {
    const [size, flat] = raw[i] as [number, string[]];
    const entries: ViewEntry[] = [];
    for (let j = 0; j + 1 < flat.length; j += 2) {
      const member = flat[j]!;
      const colon = member.indexOf(':');
      entries.push({ seq: Number(member.slice(0, colon)), uuid: member.slice(colon + 1), key: Number(flat[j + 1]) });
    }
    books[name] = { size: Number(size), entries };
  });
  const l = (r[10] as number[]).map(Number);
  return {
    seq: num(r[0]) ?? 0,
    ts: num(r[1]) ?? 0,
    head: headSeq === null ? null : { seq: headSeq, price_ts: num(r[3]) },
    price: json<PriceInfo>(r[4]),
    funding: json<FundingInfo>(r[5]),
    pool: json<Pool>(r[6]),
    risk: json<RiskStats>(r[7]),
    market: json<MarketInfo>(r[8]),
    books,
    legs: { close: { long: l[0]!, short: l[1]! }, sl: { long: l[2]!, short: l[3]! }, tp: { long: l[4]!, short: l[5]! } },
    trades: (r[11] as string[]).map((t) => JSON.parse(t) as Trade),
    account: r[12] === null ? null : (r[12] as string[]).map((o) => JSON.parse(o) as TraderOrder),
  };
}
