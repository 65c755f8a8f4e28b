// A projector of another market starts its mirror from that market's snapshots (D182): given an
// ETH-USD log with an ETH-USD snapshot, the mirror at a checkpoint after it is ETH-USD's state,
// and a mirror that took the log for BTC-USD's is refused rather than built from the wrong market.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { GENESIS_CHECKPOINT } from '../../src/projections/batch.js';
import { loadMirror } from '../../src/projections/mirror.js';
import { recover } from '../../src/runtime/recover.js';
import { encodeSnapshotImage, STATE_FILE_VERSION } from '../../src/runtime/state-file.js';
import { seededLog } from '../../src/workload/seeded-log.js';

test('loadMirror of ETH-USD starts from its ETH-USD snapshot; taken as BTC-USD it is refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-mirror-market-'));
  const { store, lastSeq } = await seededLog(join(dir, 'data'), 400, 61);
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // given: a snapshot of the ETH-USD state part-way through the log
  const mid = Math.floor(lastSeq / 2);
  const at = await recover(store, { toSeq: mid, market: 'ETH-USD', fromScratch: true });
  assert.equal(at.state.config.market, 'ETH-USD');
  const { meta, data } = encodeSnapshotImage(at.state, at.lastHash, null);
  await store.saveSnapshot(
    { seq: meta.seq, position: null, created_ts: 1, state_hash: meta.state_hash, checksum: meta.checksum, version: STATE_FILE_VERSION },
    data,
  );
  const head = await recover(store, { market: 'ETH-USD', fromScratch: true });
  const cp = { seq: head.state.seq, hash: head.lastHash };
  // when / then
  const mirror = await loadMirror(store, cp, 'test', 'ETH-USD');
  assert.equal(mirror.seq, lastSeq);
  assert.equal(mirror.config.market, 'ETH-USD');
  assert.deepEqual(mirror.pool, head.state.pool);
  await assert.rejects(loadMirror(store, cp, 'test'), /of market ETH-USD/);
  assert.equal((await loadMirror(store, GENESIS_CHECKPOINT, 'test', 'ETH-USD')).config.market, 'ETH-USD');
});
