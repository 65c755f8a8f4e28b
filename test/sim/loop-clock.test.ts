// The loop's clock seam (D143): a batch closes by time on LoopOptions.now, not on the wall clock,
// so the simulation's batches depend on its own clock alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyState } from '../../src/engine/index.js';
import { GENESIS_HASH } from '../../src/runtime/chain.js';
import { silentLogger } from '../../src/infra/logger.js';
import { DEFAULT_LOOP, EngineLoop } from '../../src/runtime/loop.js';
import type { Backend, CommitBatch, InputRecord } from '../../src/store/types.js';

function run(now: (() => number) | undefined): Promise<number[]> {
  const recs: InputRecord[] = Array.from({ length: 8 }, (_, i) => ({
    position: String(i),
    ts: 1_732_492_800_000 + i,
    raw: i === 0 ? '{"v":1,"id":"genesis","type":"InitPool","params":{}}' : `not json ${i}`,
  }));
  let next = 0;
  const sizes: number[] = [];
  let last = -1;
  let loop: EngineLoop | null = null;
  // one record per read, as a trickling source hands them over
  const backend = {
    name: 'stub',
    read: async (): Promise<InputRecord[]> => {
      if (next >= recs.length) {
        loop!.stop();
        return [];
      }
      return [recs[next++]!];
    },
    commit: async (b: CommitBatch): Promise<void> => {
      sizes.push(Number(b.position) - last);
      last = Number(b.position);
    },
  } as unknown as Backend;
  loop = new EngineLoop(backend, emptyState(), GENESIS_HASH, null, {
    ...DEFAULT_LOOP,
    batchMax: 1000,
    batchMs: 15,
    snapshotEveryEvents: 1e9,
    snapshotEveryMs: 1e15,
    log: silentLogger(),
    ...(now === undefined ? {} : { now }),
  });
  return loop.run().then(() => sizes);
}

test('given a clock that advances 10 ms per look, a batch closes after its second record (batchMs 15)', async () => {
  let t = 0;
  assert.deepEqual(await run(() => (t += 10)), [2, 2, 2, 2]);
});

test('given a clock that never moves, a batch closes only when the source has nothing more', async () => {
  assert.deepEqual(await run(() => 0), [8]);
});
