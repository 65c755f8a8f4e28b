// `relayer exec` reads stdin in batches of lines (exec-input.ts): whatever the chunking, the lines
// must be readLines' lines, in order, the unterminated last one included.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import fc from 'fast-check';
import { readLines } from '../../src/infra/lines.js';
import { lineBatches } from '../../src/runtime/exec-input.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** The text as a stream of byte chunks cut at the given offsets (a character may be cut in two). */
function streamOf(text: string, cuts: number[]): Readable {
  const bytes = Buffer.from(text, 'utf8');
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    if (c > from) chunks.push(bytes.subarray(from, c));
    from = Math.max(from, c);
  }
  return Readable.from(chunks, { objectMode: false });
}

test('given any text cut into any chunks, when read in batches, then the lines are readLines’ lines', async () => {
  const text = fc
    .array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.constantFrom('\n', '\r\n', '', '{"v":1}', 'é€😀')), { maxLength: 30 })
    .map((a) => a.join(''));
  await fc.assert(
    fc.asyncProperty(text, fc.array(fc.nat(400), { maxLength: 12 }), async (t, cuts) => {
      const expected = await collect(readLines(streamOf(t, cuts)));
      const batches = await collect(lineBatches(streamOf(t, cuts)));
      assert.ok(
        batches.every((b) => b.length > 0),
        'no empty batch',
      );
      assert.deepEqual(batches.flat(), expected);
    }),
    { numRuns: 300 },
  );
});
