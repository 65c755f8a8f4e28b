// The binary snapshot image the engine loop stores (version 2) against the text snapshot (version
// 1): both decode to the same state; the image is smaller; any flipped byte of the image is caught
// by its checksum before the body is decompressed; an image from a newer binary is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyState } from '../../src/engine/index.js';
import { fastStateHash } from '../../src/runtime/fast-hash.js';
import { runRecord } from '../../src/runtime/record.js';
import { decodeSnapshot, encodeSnapshot, encodeSnapshotImage, readMeta } from '../../src/runtime/state-file.js';
import { workload } from '../../src/workload/commands.js';

const GENESIS = JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: { total_locked_value: 1e12, total_pool_share: 1e6 } });

function state() {
  const s = emptyState();
  [GENESIS, ...workload(3000, 12)].forEach((raw, i) => {
    runRecord(s, { position: String(i + 1), ts: 1_732_492_800_000 + i, raw });
  });
  return s;
}

test('given a state, when stored as an image, then it decodes to the same state as the text snapshot, smaller', () => {
  const s = state();
  const text = encodeSnapshot(s, 'a'.repeat(64), '17');
  const image = encodeSnapshotImage(s, 'a'.repeat(64), '17');
  assert.equal(image.meta.version, 2);
  assert.equal(image.meta.state_hash, text.meta.state_hash, 'the state hash does not depend on the container');
  assert.equal(image.data.subarray(0, 7).toString('latin1'), 'RLYSNAP');
  assert.ok(image.data.length * 3 < text.data.length, `${image.data.length} bytes against ${text.data.length}`);
  const a = decodeSnapshot(image.data);
  const b = decodeSnapshot(text.data);
  assert.deepEqual(a.meta, { ...image.meta });
  assert.equal(a.meta.input_position, '17');
  assert.equal(fastStateHash(a.state), fastStateHash(s));
  assert.equal(fastStateHash(b.state), fastStateHash(s));
  assert.equal(a.state.price_ts, s.price_ts, 'the feed clock travels with the snapshot');
});

test('a flipped byte anywhere in the image body, or a cut image, is refused by its checksum', () => {
  const { data } = encodeSnapshotImage(state(), 'b'.repeat(64));
  const { bodyStart } = readMeta(data);
  for (const at of [bodyStart, bodyStart + 1, Math.floor((bodyStart + data.length) / 2), data.length - 1]) {
    const bad = Buffer.from(data);
    bad[at] = bad[at]! ^ 0x40;
    assert.throws(() => decodeSnapshot(bad), /checksum/, `byte ${at}`);
  }
  assert.throws(() => decodeSnapshot(data.subarray(0, data.length - 10)), /checksum/);
  assert.throws(() => decodeSnapshot(data.subarray(0, 12)), /truncated|JSON/);
});

test('an image written by a newer binary is refused, naming the versions', () => {
  const { data } = encodeSnapshotImage(state(), 'c'.repeat(64));
  const len = data.readUInt32LE(8);
  const meta = data.toString('utf8', 12, 12 + len).replace('"version":2', '"version":9');
  const head = Buffer.from(meta);
  const out = Buffer.concat([data.subarray(0, 8), Buffer.alloc(4), head, data.subarray(12 + len)]);
  out.writeUInt32LE(head.length, 8);
  assert.throws(() => decodeSnapshot(out), /version 9 is newer than this binary supports \(2\)/);
});
