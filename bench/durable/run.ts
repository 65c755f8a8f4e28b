// `relayer bench durable`: commands/s from inbox to fsync-durable committed events through the
// real engine loop, side by side in the same run with raw better-sqlite3 inserting the same event
// rows at the same batch size; replay speed; snapshot save/load with many resting orders.
// RELAYER_BENCH_DURABLE=replay stops after the recovery results (the snapshot cases take longest).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { emptyState, execute, parseEnvelope, type Command } from '../../src/engine/index.js';
import { silentLogger } from '../../src/infra/logger.js';
import { DEFAULT_LOOP, EngineLoop } from '../../src/runtime/loop.js';
import { recover } from '../../src/runtime/recover.js';
import { decodeSnapshot, encodeStateColumns } from '../../src/runtime/state-file.js';
import { Snapshotter, type SnapshotSaved, type SnapshotWriter } from '../../src/runtime/snapshotter.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { migrate } from '../../src/store/sqlite/schema.js';
import { Reporter, result } from '../engine/report.js';
import { Latencies } from '../engine/measure.js';
import { workload } from '../../src/workload/commands.js';

export interface DurableOptions {
  quick: boolean;
  json: boolean;
}

const T0 = 1_732_492_800_000;
const GENESIS = JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: { total_locked_value: 1e12, total_pool_share: 1e6 } });

export async function benchDurable(opts: DurableOptions): Promise<void> {
  const rep = new Reporter(opts.json);
  const root = mkdtempSync(join(tmpdir(), 'relayer-bench-'));
  try {
    const n = opts.quick ? 40_000 : 200_000;
    const batch = 1000;
    rep.note(`durable.e2e: ${n} commands, batches of ${batch}`);
    const store = new SqliteStore(join(root, 'e2e'), GENESIS);
    const lines = workload(n, 99, 'b');
    for (let i = 0; i < lines.length; i += 10_000) store.appendSync(lines.slice(i, i + 10_000), 1_732_492_800_000 + i);
    const head = (await store.head())!;
    await store.startCommitWorker();
    const rec = await recover(store);
    const loop = new EngineLoop(store, rec.state, rec.lastHash, rec.position, { ...DEFAULT_LOOP, batchMax: batch, idleMs: 0, log: silentLogger() });
    const commits: number[] = [];
    const waits: number[] = [];
    loop.onBatch = (b) => {
      commits.push(b.commitMs);
      waits.push(b.waitMs ?? b.commitMs);
      if (loop.state.seq > 0 && positionOf(loop) === head) loop.stop();
    };
    const t0 = performance.now();
    await loop.run();
    const secs = (performance.now() - t0) / 1000;
    const commitP99 = Latencies.quantiles(Float64Array.from(commits), [0.99])[0]!;
    const e2eRows = loop.events / secs;
    rep.add(
      result(
        'durable.e2e',
        {
          commands: loop.commands,
          events: loop.events,
          ops_per_s: Math.round(loop.commands / secs),
          events_per_s: Math.round(e2eRows),
          p99_commit_ms: round2(commitP99),
          batches: commits.length,
          wait_ms_per_batch: round2(waits.reduce((a, x) => a + x, 0) / Math.max(1, waits.length)),
        },
        { metric: 'ops_per_s', op: '>=', value: 100_000 },
      ),
    );

    const frames = store.db.prepare(`SELECT first_seq, last_seq, data FROM event_frames ORDER BY first_seq`).all() as RawFrame[];
    const cmdRows = store.db.prepare(`SELECT cmd, first_seq, n FROM event_cmds ORDER BY first_seq`).raw().all() as [string, number, number][];
    const stored = frames.reduce((a, f) => a + f.data.length, 0);
    const raw = rawInsert(join(root, 'raw.db'), frames, cmdRows);
    rep.add(
      result(
        'durable.raw_sqlite',
        {
          frames: frames.length,
          events: loop.events,
          commands_per_s: Math.round(raw.commandsPerS(loop.commands)),
          events_per_s: Math.round(loop.events / raw.secs),
          ratio: round2(loop.commands / secs / raw.commandsPerS(loop.commands)),
          frame_bytes_per_event: round2(stored / loop.events),
        },
        { metric: 'ratio', op: '>=', value: 0.7 },
      ),
    );

    const r0 = performance.now();
    const replayed = await recover(store, { fromScratch: true });
    const rs = (performance.now() - r0) / 1000;
    rep.add(
      result(
        'durable.replay',
        { path: 'events', events: replayed.replayed, events_per_s: Math.round(replayed.replayed / rs) },
        { metric: 'events_per_s', op: '>=', value: 500_000 },
      ),
    );
    // the other recovery path: re-executing the input log (same state, checked by the tests)
    const i0 = performance.now();
    const reexec = await recover(store, { fromScratch: true, path: 'inputs' });
    const is = (performance.now() - i0) / 1000;
    rep.add(
      result(
        'durable.replay_inputs',
        {
          path: 'inputs',
          commands: reexec.commands,
          events: reexec.replayed,
          events_per_s: Math.round(reexec.replayed / is),
          ratio_to_events: round2(rs / is),
        },
        { metric: 'events_per_s', op: '>=', value: 500_000 },
      ),
    );
    // `--recovery auto` / `--path auto` (D281): the faster path that reproduces the log
    const a0 = performance.now();
    const auto = await recover(store, { fromScratch: true, path: 'auto' });
    const as = (performance.now() - a0) / 1000;
    rep.add(
      result(
        'durable.recovery_auto',
        { path: auto.path, events: auto.replayed, events_per_s: Math.round(auto.replayed / as) },
        { metric: 'events_per_s', op: '>=', value: 500_000 },
      ),
    );
    await store.close();
    if (process.env['RELAYER_BENCH_DURABLE'] === 'replay') {
      rep.finish(`RELAYER_BENCH_DURABLE=replay relayer bench durable${opts.quick ? ' --quick' : ''}`);
      return;
    }

    const orders = opts.quick ? 200_000 : 1_000_000;
    rep.note(`durable.snapshot: ${orders} resting orders`);
    const state = restingState(orders);
    const snapStore = new SqliteStore(join(root, 'snap'), GENESIS);
    // what `relayer run` does: the engine thread encodes the state; packing and storing run in the
    // commit worker there (here in-thread, timed separately)
    const s0 = performance.now();
    const image = encodeStateColumns(state);
    const pauseMs = performance.now() - s0;
    const info = await snapStore.saveSnapshotImage({
      meta: { seq: state.seq, last_hash: '0'.repeat(64), state_hash: image.state_hash, lines: image.lines, input_position: null },
      created_ts: state.last_ts,
      raw: image.raw,
      keep: 5,
    });
    const saveMs = performance.now() - s0;
    const l0 = performance.now();
    const back = decodeSnapshot(await snapStore.loadSnapshot(info.id));
    const loadMs = performance.now() - l0;
    if (back.state.orders.size !== orders) throw new Error('snapshot lost orders');
    await snapStore.close();
    rep.add(
      result(
        'durable.snapshot',
        { orders, bytes: info.size, save_ms: Math.round(saveMs), engine_pause_ms: Math.round(pauseMs), load_ms: Math.round(loadMs) },
        { metric: 'load_ms', op: '<=', value: 2000 },
      ),
    );
    rep.note(`durable.snapshot_worker: ${orders} resting orders through the loop, images built off the engine thread`);
    rep.add(result('durable.snapshot_worker', await snapshotWorker(join(root, 'snapw'), orders, batch), { metric: 'engine_pause_ms', op: '<=', value: 10 }));
    rep.finish(`relayer bench durable${opts.quick ? ' --quick' : ''}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function positionOf(loop: EngineLoop): string | null {
  return (loop as unknown as { position: string | null }).position;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

interface RawFrame {
  first_seq: number;
  last_seq: number;
  data: Buffer;
}

/**
 * The same bytes the loop stored (its frames and per-command index rows, one transaction per
 * frame as the loop commits them), same pragmas and schema, written by plain better-sqlite3.
 */
function rawInsert(
  file: string,
  frames: readonly RawFrame[],
  cmds: readonly [string, number, number][],
): { secs: number; commandsPerS: (n: number) => number } {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  migrate(db); // the same schema and indexes as the store
  const ins = db.prepare(`INSERT INTO event_frames(first_seq, last_seq, data) VALUES (?, ?, ?)`);
  const insCmd = db.prepare(`INSERT INTO event_cmds(cmd, first_seq, n) VALUES (?, ?, ?)`);
  let c = 0;
  const tx = db.transaction((f: RawFrame) => {
    ins.run(f.first_seq, f.last_seq, f.data);
    while (c < cmds.length && cmds[c]![1] <= f.last_seq) {
      const r = cmds[c++]!;
      insCmd.run(r[0], r[1], r[2]);
    }
  });
  const t0 = performance.now();
  for (const f of frames) tx.immediate(f);
  const secs = (performance.now() - t0) / 1000;
  db.close();
  return { secs, commandsPerS: (n) => n / secs };
}

/** The commands of a market with `n` resting limit orders (one account each). */
export function restingCommands(n: number): { type: string; params: object }[] {
  const out: { type: string; params: object }[] = [
    { type: 'InitPool', params: { total_locked_value: 1e15, total_pool_share: 1e6 } },
    { type: 'UpdateRiskParams', params: { max_position_pct: 1, max_oi_mult: 100, max_net_mult: 100 } },
    { type: 'PriceTick', params: { price: 60_000 } },
  ];
  for (let i = 0; i < n; i++) {
    const long = i % 2 === 0;
    out.push({
      type: 'CreateTraderOrder',
      params: {
        account_id: `a${i}`,
        position_type: long ? 'LONG' : 'SHORT',
        order_type: 'LIMIT',
        leverage: 10,
        initial_margin: 10_000,
        entryprice: long ? 50_000 - (i % 5000) : 70_000 + (i % 5000),
      },
    });
  }
  return out;
}

/** A state with `n` resting limit orders, built through the engine. */
function restingState(n: number) {
  const state = emptyState();
  restingCommands(n).forEach(({ type, params }, i) => {
    // one command time for all: a million commands 1 ms apart would leave the price stale
    const p = parseEnvelope({ v: 1, id: `r${i}`, ts: T0, type, params });
    if (!p.ok) throw new Error(p.fail.reason);
    execute(state, p.cmd as Command);
  });
  return state;
}

/**
 * The same market put through `relayer run`'s loop with its snapshot writer: images fall due every
 * `orders / 2` events and are built by the worker from the log; what the engine thread spends on
 * each is handing over the boundary.
 */
async function snapshotWorker(dir: string, orders: number, batch: number) {
  const store = new SqliteStore(dir);
  const raws = restingCommands(orders).map(({ type, params }, i) => JSON.stringify({ v: 1, id: `r${i}`, type, params }));
  for (let i = 0; i < raws.length; i += 10_000) store.appendSync(raws.slice(i, i + 10_000), T0);
  await store.startCommitWorker();
  const rec = await recover(store);
  const snapshotter = new Snapshotter(dir);
  const pauses: number[] = [];
  const built: SnapshotSaved[] = [];
  const writer: SnapshotWriter = {
    save(req) {
      const t = performance.now();
      const p = snapshotter.save(req);
      pauses.push(performance.now() - t);
      return p.then((s) => {
        built.push(s);
        return s;
      });
    },
  };
  const loop = new EngineLoop(store, rec.state, rec.lastHash, rec.position, {
    ...DEFAULT_LOOP,
    batchMax: batch,
    idleMs: 0,
    snapshotEveryEvents: Math.ceil(orders / 2),
    snapshotter: writer,
    log: silentLogger(),
  });
  loop.onBatch = () => {
    if (loop.commands >= raws.length) loop.stop();
  };
  await loop.run();
  await loop.snapshot('requested'); // and one at the head, as a SnapshotRequested would
  await snapshotter.close();
  await store.close();
  const last = built[built.length - 1]!;
  return {
    orders,
    images: built.length,
    engine_pause_ms: round2(Math.max(...pauses)),
    worker_ms: Math.round(last.ms),
    replayed: last.replayed,
    bytes: last.info.size,
  };
}
