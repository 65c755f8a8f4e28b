// The engine's own ISO timestamps and name-based uuids agree with the host's (Date, node:crypto)
// over random inputs, including runs of timestamps within one day (the cached date) and names
// with multi-byte characters.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { isoTime } from '../../src/engine/util/iso-time.js';
import { mintedUuid, uuidv5 } from '../../src/engine/util/uuid.js';
import { sha1 } from '../../src/engine/util/sha1.js';

const NS = Buffer.from('6f2b8f0e6c1a4c4e9a573b1d2f6a9e10', 'hex');
function reference(name: string): string {
  const h = createHash('sha1')
    .update(Buffer.concat([NS, Buffer.from(name, 'utf8')]))
    .digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

test('isoTime prints what Date.toISOString prints, also for runs of timestamps within a day', () => {
  const start = fc.integer({ min: 0, max: 253_402_300_799_000 });
  const steps = fc.array(fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 200_000_000 })), { maxLength: 30 });
  fc.assert(
    fc.property(start, steps, (t0, ds) => {
      let t = t0;
      for (const d of [0, ...ds]) {
        t = Math.min(t + d, 253_402_300_799_999);
        assert.equal(isoTime(t), new Date(t).toISOString());
      }
    }),
    { numRuns: 500 },
  );
});

test('isoTime prints what Date.toISOString prints across the whole Date range, expanded years between ordinary ones', () => {
  const any = fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 });
  const near = fc.integer({ min: 1_767_225_600_000, max: 1_767_225_600_000 + 3 * 86_400_000 });
  fc.assert(
    fc.property(fc.array(fc.oneof(any, near), { minLength: 1, maxLength: 40 }), (ts) => {
      for (const t of ts) assert.equal(isoTime(t), new Date(t).toISOString());
    }),
    { numRuns: 500 },
  );
});

test('uuidv5 and minted uuids match node:crypto SHA-1 for any name, block sizes and UTF-8 included', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 150 }), fc.nat(20), (id, n) => {
      assert.equal(uuidv5(id), reference(id));
      assert.equal(mintedUuid(id, n), reference(`${id}:${n}`));
    }),
    { numRuns: 1_000 },
  );
  for (let len = 0; len < 140; len++) {
    const bytes = new Uint8Array(len).map((_, i) => (i * 7 + len) & 0xff);
    assert.equal(Buffer.from(sha1(bytes)).toString('hex'), createHash('sha1').update(bytes).digest('hex'), `length ${len}`);
  }
});
