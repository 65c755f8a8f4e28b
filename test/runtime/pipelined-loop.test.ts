// The pipelined loop's ordering rules, against a backend whose commits finish only when the test
// says so: at most one commit in flight, the next batch decided meanwhile but handed over only
// after the previous commit resolved, no idling and no snapshot with a commit in flight, and run()
// returning only once the last batch is durable. A failed commit ends run() with its error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyState } from '../../src/engine/index.js';
import { silentLogger } from '../../src/infra/logger.js';
import { DEFAULT_LOOP, EngineLoop } from '../../src/runtime/loop.js';
import type { Backend, HeadBatch, InputRecord, SnapshotInfo } from '../../src/store/types.js';
import { workload } from '../../src/workload/commands.js';
import { sleep } from '../helpers/wait.js';

const GENESIS = JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: { total_locked_value: 1e12, total_pool_share: 1e6 } });

/** Inputs in memory; each commitHeads waits for release(). */
class GatedBackend {
  readonly name = 'gated';
  readonly inputs: InputRecord[];
  readonly log: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private gates: (() => void)[] = [];
  failNext = false;

  constructor(raws: string[]) {
    this.inputs = raws.map((raw, i) => ({ position: String(i + 1), ts: 1_732_492_800_000 + i, raw }));
  }

  async read(after: string | null, max: number, waitMs: number): Promise<InputRecord[]> {
    const from = after === null ? 0 : Number(after);
    const out = this.inputs.slice(from, from + max);
    this.log.push(`read ${from} wait=${waitMs} inflight=${this.inFlight} got=${out.length}`);
    if (out.length === 0 && waitMs > 0) await sleep(1);
    return out;
  }

  commitHeads(b: HeadBatch): Promise<string> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.log.push(`commit ${b.firstSeq}+${b.count} to ${b.position}`);
    return new Promise((resolve, reject) => {
      this.gates.push(() => {
        this.inFlight--;
        this.log.push(`durable ${b.position}`);
        if (this.failNext) reject(new Error('disk full'));
        else resolve('h'.repeat(64));
      });
    });
  }

  /** Lets the oldest pending commit finish; false when none is pending. */
  release(): boolean {
    const g = this.gates.shift();
    if (g === undefined) return false;
    g();
    return true;
  }

  async saveSnapshot(info: Omit<SnapshotInfo, 'id' | 'size'>, data: Buffer): Promise<SnapshotInfo> {
    this.log.push(`snapshot ${info.position} inflight=${this.inFlight}`);
    return { ...info, id: '1', size: data.length };
  }

  async pruneSnapshots(): Promise<number> {
    return 0;
  }
  async commit(): Promise<void> {
    throw new Error('the pipelined loop never calls commit()');
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function runGated(b: GatedBackend, stopAt: string): Promise<{ loop: EngineLoop; done: Promise<unknown> }> {
  const loop = new EngineLoop(b as unknown as Backend, emptyState(), '0'.repeat(64), null, {
    ...DEFAULT_LOOP,
    batchMax: 50,
    batchMs: 1_000,
    idleMs: 5,
    log: silentLogger(),
  });
  loop.onBatch = () => {
    if ((loop as unknown as { position: string }).position === stopAt) loop.stop();
  };
  const done = loop.run();
  done.catch(() => undefined);
  return { loop, done };
}

test('given commits that finish late, then one is in flight at a time, in order, and run() ends only once the last is durable', async () => {
  const b = new GatedBackend([GENESIS, ...workload(180, 4)]);
  const { done } = await runGated(b, String(b.inputs.length));
  let finished = false;
  void done.then(() => {
    finished = true;
  });
  for (let i = 0; i < 200 && !finished; i++) {
    await tick();
    await tick();
    assert.ok(b.inFlight <= 1, 'never two commits at once');
    if (i % 3 === 0) b.release();
  }
  while (!finished) {
    b.release();
    await tick();
  }
  assert.equal(b.maxInFlight, 1);
  assert.equal(b.inFlight, 0, 'run() returned with nothing in flight');
  const commits = b.log.filter((l) => l.startsWith('commit'));
  const durable = b.log.filter((l) => l.startsWith('durable'));
  assert.equal(commits.length, durable.length);
  assert.ok(commits.length >= 4, `several batches (${commits.length})`);
  // every commit after the first is sent only after the previous one was durable
  for (let i = 1; i < commits.length; i++) {
    assert.ok(b.log.indexOf(durable[i - 1]!) < b.log.indexOf(commits[i]!), `commit ${i} waits for ${i - 1}`);
  }
  // the loop never waited for input (idleMs) while a commit was in flight
  assert.deepEqual(
    b.log.filter((l) => l.startsWith('read') && !l.includes('wait=0') && !l.includes('inflight=0')),
    [],
  );
  assert.equal(b.log.at(-1)!.startsWith('durable'), true, 'the last thing that happened is the last batch becoming durable');
});

test('given a Snapshot command, then the snapshot is taken with no commit in flight', async () => {
  const raws = [GENESIS, ...workload(120, 5)];
  raws.splice(60, 0, JSON.stringify({ v: 1, id: 'snap-1', type: 'Snapshot', params: {} }));
  const b = new GatedBackend(raws);
  const { done } = await runGated(b, String(raws.length));
  let finished = false;
  void done.then(() => {
    finished = true;
  });
  while (!finished) {
    b.release();
    await tick();
  }
  const snaps = b.log.filter((l) => l.startsWith('snapshot'));
  assert.equal(snaps.length, 1);
  assert.match(snaps[0]!, /inflight=0$/);
});

test('given a commit that fails, then run() ends with that error and nothing after it is committed', async () => {
  const b = new GatedBackend([GENESIS, ...workload(200, 6)]);
  const { done } = await runGated(b, String(b.inputs.length));
  await tick();
  b.release(); // the first batch is durable
  for (let i = 0; i < 5; i++) await tick();
  b.failNext = true;
  b.release(); // the second fails
  for (let i = 0; i < 20; i++) {
    await tick();
    b.release();
  }
  await assert.rejects(done, /disk full/);
  const commits = b.log.filter((l) => l.startsWith('commit'));
  assert.equal(commits.length, 2, `no commit is sent after the failed one: ${commits.join(', ')}`);
});
