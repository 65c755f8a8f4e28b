// The follower against a fake backend: opening from the newest good snapshot plus the tail, and
// coalescing frames (≤ 10 per second) while 20,000 events per second are committed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeState, encodeState, type State } from '../../src/engine/index.js';
import { encodeSnapshot } from '../../src/runtime/state-file.js';
import type { Committed, SnapshotInfo, StoredEvent } from '../../src/store/types.js';
import { catchUp, Follower, openStore, type BookSource } from '../../src/tui/follow.js';
import { bookModel } from '../../src/tui/model.js';
import { emptyStore, reduceRows, type BookStore } from '../../src/tui/store.js';
import { workload } from '../../src/workload/commands.js';
import { T0 } from '../helpers/dsl.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { executeLines, rowsOf } from './helpers.js';

/** An in-memory backend: committed rows, snapshots (newest first) and a feed clock. */
class FakeSource implements BookSource {
  rows: StoredEvent[] = [];
  snapshots: { info: SnapshotInfo; data: Buffer }[] = [];
  priceTs: number | null = null;
  reads = 0;

  async readEvents(fromSeq: number, max: number): Promise<StoredEvent[]> {
    this.reads++;
    return this.rows.slice(fromSeq - 1, fromSeq - 1 + max);
  }

  async lastCommitted(): Promise<Committed> {
    return { seq: this.rows.length, hash: '', position: null, clock: { price_ts: this.priceTs }, summary: null };
  }

  async listSnapshots(): Promise<SnapshotInfo[]> {
    return this.snapshots.map((s) => s.info);
  }

  async loadSnapshot(id: string): Promise<Buffer> {
    const s = this.snapshots.find((x) => x.info.id === id);
    if (s === undefined) throw new Error(`no snapshot ${id}`);
    return s.data;
  }

  addSnapshot(id: string, state: State): Buffer {
    const { meta, data } = encodeSnapshot(state, 'f'.repeat(64));
    this.snapshots.unshift({
      info: {
        id,
        seq: meta.seq,
        position: null,
        created_ts: T0,
        state_hash: meta.state_hash,
        checksum: meta.checksum,
        version: meta.version,
        size: data.length,
      },
      data,
    });
    return data;
  }
}

const lines = workload(12_000, 3);
const third = Math.floor(lines.length / 3);
const part1 = executeLines(lines.slice(0, third));
const at1 = decodeState(encodeState(part1.state, true));
const part2 = executeLines(lines.slice(third, 2 * third), part1.state);
const at2 = decodeState(encodeState(part2.state, true));
const part3 = executeLines(lines.slice(2 * third), part2.state);
const allRows = rowsOf([...part1.events, ...part2.events, ...part3.events]);

const core = (s: BookStore) => {
  const m = bookModel(s, { now: T0, depth: 1000, step: 1 });
  return { seq: m.seq, book: m.book, liquidations: m.liquidations, legs: m.legs, risk: m.risk, pool: m.pool, funding: m.funding.rate };
};

test('the book opens from the newest snapshot that decodes, then applies the tail', async () => {
  const src = new FakeSource();
  src.rows = allRows;
  src.addSnapshot('1', at1);
  const damaged = Buffer.from(src.addSnapshot('2', at2));
  damaged[damaged.length - 10] ^= 0xff;
  src.snapshots[0]!.data = damaged;
  const store = await openStore(src);
  assert.equal(store.base_seq, at1.seq, 'the damaged newest snapshot was passed over for the older one');
  assert.ok(store.feed_total > 0, 'the feed shows the events just before the snapshot');
  assert.ok(store.prices.length > 1, 'and the price path leading up to it');
  await catchUp(store, src);
  const whole = emptyStore();
  reduceRows(whole, allRows);
  assert.deepEqual(core(store), core(whole));

  src.snapshots[0]!.data = src.addSnapshot('3', at2); // a good newest snapshot
  const fresh = await openStore(src);
  assert.equal(fresh.base_seq, at2.seq);
  const applied = await catchUp(fresh, src);
  assert.equal(applied, allRows.length - at2.seq, 'only the tail after the snapshot is read');
  assert.deepEqual(core(fresh), core(whole));
  const scratch = await openStore(src, { fromScratch: true });
  assert.equal(scratch.base_seq, 0);
});

test('at 20,000 events/s the follower stays caught up and draws at most 10 frames a second', async () => {
  const src = new FakeSource();
  const clock = new ManualClock();
  const frames: { at: number; seq: number; head: number }[] = [];
  const store = emptyStore();
  const follower = new Follower(src, store, {
    fps: 10,
    clock,
    draw: ({ store: s }) => frames.push({ at: clock.now(), seq: s.seq, head: src.rows.length }),
  });
  follower.start();
  // the producer commits 200 events every 10 ms (of the controlled clock), the way a busy engine commits batches
  let t = 0;
  while (src.rows.length < allRows.length) {
    t += 10;
    src.rows = allRows.slice(0, Math.min(allRows.length, Math.round((t / 1000) * 20_000)));
    await clock.advanceTo(t);
  }
  const produced = t;
  while (store.seq < allRows.length && t - produced < 2000) {
    t += 5;
    await clock.advanceTo(t);
  }
  const caughtUpMs = t - produced;
  t += 250;
  await clock.advanceTo(t);
  const stopped = follower.stop(); // the pump ends once its pending sleep is over
  await clock.advanceTo(t + 1000);
  await stopped;
  const seconds = produced / 1000;
  console.log(
    `follower: ${allRows.length} events over ${seconds} s of the controlled clock, ${frames.length} frames, caught up ${caughtUpMs} ms after the last commit, ${src.reads} reads`,
  );
  assert.equal(store.seq, allRows.length, 'every committed event was applied');
  assert.ok(caughtUpMs < 500, `caught up within half a second of the last commit (${caughtUpMs} ms)`);
  for (let i = 1; i < frames.length; i++) {
    assert.ok(frames[i]!.at - frames[i - 1]!.at >= 100, `frames ${i - 1} and ${i} are ${frames[i]!.at - frames[i - 1]!.at} ms apart`);
  }
  for (const f of frames) {
    const inWindow = frames.filter((g) => g.at > f.at - 1000 && g.at <= f.at).length;
    assert.ok(inWindow <= 10, `${inWindow} frames in one second`);
  }
  assert.ok(frames.length >= Math.floor(seconds * 10) - 2, `frames kept coming while events streamed (${frames.length})`);
  const lagging = frames.filter((f) => f.head - f.seq > 5_000);
  assert.deepEqual(lagging, [], 'no frame was drawn more than a quarter second of log behind');
  assert.equal(new Set(frames.map((f) => f.seq)).size, frames.length, 'each frame shows newer events: many events, one frame');
});
