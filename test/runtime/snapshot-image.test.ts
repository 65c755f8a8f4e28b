// The binary snapshot image the engine loop stores (version 2) against the text snapshot (version
// 1): both decode to the same state; the image is smaller; any flipped byte of the image is caught
// by its checksum before the body is decompressed; an image from a newer binary is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import { emptyState, encodeState } from '../../src/engine/index.js';
import { fastStateHash } from '../../src/runtime/fast-hash.js';
import { runRecord } from '../../src/runtime/record.js';
import { decodeSnapshot, encodeSnapshot, encodeSnapshotImage, encodeStateLines, readMeta } from '../../src/runtime/state-file.js';
import { CODEC_COLUMNS, CODEC_LINES, packImage } from '../../src/store/snapshot-image.js';
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

test('given a state, when stored as an image now, then its body is the column image (codec 2) and it decodes to the same state', () => {
  const s = state();
  const image = encodeSnapshotImage(s, 'd'.repeat(64), '5');
  const { bodyStart } = readMeta(image.data);
  assert.equal(image.data[bodyStart], CODEC_COLUMNS);
  assert.equal(image.meta.lines, encodeSnapshot(s, 'd'.repeat(64)).meta.lines, 'the meta counts the canonical lines, whatever the body');
  const back = decodeSnapshot(image.data).state;
  assert.deepEqual([...encodeState(back, true)], [...encodeState(s, true)]);
});

test('given an image written before the column body (codec 1, canonical lines), when read, then it still decodes to its state', () => {
  const s = state();
  const { raw, state_hash, lines } = encodeStateLines(s);
  const old = packImage({ seq: s.seq, last_hash: 'e'.repeat(64), state_hash, lines, input_position: '9' }, raw, CODEC_LINES);
  const { bodyStart } = readMeta(old.data);
  assert.equal(old.data[bodyStart], CODEC_LINES);
  const back = decodeSnapshot(old.data);
  assert.equal(back.meta.state_hash, fastStateHash(s));
  assert.deepEqual([...encodeState(back.state, true)], [...encodeState(s, true)]);
});

test('an image whose body codec this binary does not know is refused, naming the codec', () => {
  const s = state();
  const { raw, state_hash, lines } = encodeStateLines(s);
  const img = packImage({ seq: s.seq, last_hash: 'f'.repeat(64), state_hash, lines, input_position: null }, raw, CODEC_LINES);
  const { bodyStart } = readMeta(img.data);
  const body = Buffer.from(img.data.subarray(bodyStart));
  body[0] = 7;
  // the same container, the forged body under a checksum that matches it
  const meta = { ...img.meta, checksum: createHash('sha256').update(body).digest('hex') };
  const head = Buffer.from(JSON.stringify({ snapshot: meta }));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  assert.throws(() => decodeSnapshot(Buffer.concat([img.data.subarray(0, 8), len, head, body])), /codec 7 is unknown/);
});
