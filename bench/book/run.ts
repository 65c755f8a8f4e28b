// `relayer bench book`: how fast `relayer book` gets a frame's worth of state from each source,
// on one seeded market projected into the real Redis.
//  * book.log_open: a book from the embedded event log, every event reduced from seq 1 (the peer);
//  * book.redis_open: a book from the Redis read model with a new feed and no cached orders (what
//    `relayer book --redis` does at start): the script, the MGET of the orders in view, the store;
//    ratio = log open time / Redis open time;
//  * book.redis_read: one full read by a running feed (its orders cached), what each projected
//    batch costs the book while it follows; and book.redis_idle: a poll while the checkpoint has
//    not moved (the script answers with the head alone).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RedisReadModel } from '../../src/projections/redis/model.js';
import { unlinkMatching } from '../../src/projections/redis/unlink.js';
import { DEFAULT_RUNNER, Projector } from '../../src/projections/runner.js';
import { silentLogger } from '../../src/infra/logger.js';
import { catchUp } from '../../src/tui/follow.js';
import { RedisBookFeed } from '../../src/tui/redis-feed.js';
import { emptyStore } from '../../src/tui/store.js';
import { Latencies } from '../engine/measure.js';
import { Reporter, result } from '../engine/report.js';
import { seededLog } from '../../src/workload/seeded-log.js';

export interface BookBenchOptions {
  quick: boolean;
  json: boolean;
  redis?: string;
}

const ms = (ns: number): number => Math.round(ns / 10_000) / 100;
const WINDOW = { depth: 20, step: null, account: null };

function quantilesMs(l: Latencies): { p50_ms: number; p99_ms: number; max_ms: number } {
  const [p50, p99, max] = Latencies.quantiles(l.ns.subarray(0, l.count), [0.5, 0.99, 1]);
  return { p50_ms: ms(p50!), p99_ms: ms(p99!), max_ms: ms(max!) };
}

async function timed(n: number, fn: () => Promise<void>): Promise<Latencies> {
  const l = new Latencies(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    l.add(Number(process.hrtime.bigint() - t0));
  }
  return l;
}

export async function benchBook(opts: BookBenchOptions): Promise<void> {
  const rep = new Reporter(opts.json);
  const url = opts.redis ?? (process.env['RELAYER_REDIS_URL'] || 'redis://127.0.0.1:6379');
  const prefix = `bench_book_${process.pid}_${Date.now().toString(36)}:`;
  const root = mkdtempSync(join(tmpdir(), 'relayer-bench-book-'));
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const commands = opts.quick ? 20_000 : 100_000;
    rep.note(`book: building a log of ${commands} seeded commands and projecting it into Redis`);
    const { store, lastSeq } = await seededLog(join(root, 'data'), commands, 11, 'bb');
    const model = new RedisReadModel({ url, prefix, tradesKeep: 1000, closedTtl: 0, clientName: 'relayer-bench-book' });
    await new Projector(model, store, { ...DEFAULT_RUNNER, once: true, log: silentLogger() }).run();
    await model.close();

    const runs = opts.quick ? 5 : 10;
    const logOpen = await timed(runs, async () => {
      await catchUp(emptyStore(), store);
    });
    const fromLog = emptyStore();
    await catchUp(fromLog, store);
    const sizes = {
      open_long: fromLog.open_long.size,
      open_short: fromLog.open_short.size,
      liq_long: fromLog.liq_long.size,
      liq_short: fromLog.liq_short.size,
    };
    const log = quantilesMs(logOpen);
    rep.add(
      result(
        'book.log_open',
        { events: lastSeq, ...log, events_per_s: Math.round(lastSeq / (log.p50_ms / 1000)), ...sizes },
        { metric: 'p50_ms', op: '<=', value: 5000 },
      ),
    );

    const redisOpen = await timed(runs * 4, async () => {
      const feed = new RedisBookFeed(redis, prefix, () => WINDOW);
      const s = emptyStore();
      for (let i = 0; i < 5 && (await feed.pull(s)).more; i++);
      if (s.seq !== lastSeq) throw new Error(`the Redis book is at seq ${s.seq}, the log at ${lastSeq}`);
    });
    const open = quantilesMs(redisOpen);
    rep.add(
      result(
        'book.redis_open',
        { ...open, ratio_log_over_redis: Math.round((log.p50_ms / open.p50_ms) * 10) / 10 },
        { metric: 'p99_ms', op: '<=', value: 100 },
      ),
    );

    const feed = new RedisBookFeed(redis, prefix, () => WINDOW);
    const s = emptyStore();
    for (let i = 0; i < 5 && (await feed.pull(s)).more; i++);
    const reads = await timed(opts.quick ? 200 : 1000, async () => {
      feed.forget();
      await feed.pull(s);
    });
    const entries = s.open_long.size + s.open_short.size + s.liq_long.size + s.liq_short.size;
    rep.add(result('book.redis_read', { ...quantilesMs(reads), entries_in_view: entries }, { metric: 'p99_ms', op: '<=', value: 20 }));
    const idle = await timed(opts.quick ? 500 : 2000, async () => {
      await feed.pull(s);
    });
    rep.add(result('book.redis_idle', quantilesMs(idle), { metric: 'p99_ms', op: '<=', value: 5 }));
    await store.close();
  } finally {
    await unlinkMatching(redis, `${prefix}*`).catch(() => {
      process.stderr.write(`bench book: could not remove the Redis keys under ${prefix}\n`);
    });
    redis.disconnect();
    rmSync(root, { recursive: true, force: true });
  }
  rep.finish(`relayer bench book${opts.quick ? ' --quick' : ''}`);
}
