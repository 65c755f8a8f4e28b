// patches/kafkajs+2.2.4.patch (applied by patch-package at postinstall, D81): kafkajs groups the
// messages of a send by partition in one pass. These tests fail when the patch is not applied
// (the original module is still in place) or when the patched grouping changes what is sent.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import fc from 'fast-check';

const require = createRequire(import.meta.url);
const modulePath = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');

type Group = (a: {
  topic: string;
  partitionMetadata: unknown[];
  messages: unknown[];
  partitioner: (a: { message: unknown }) => number;
}) => Record<number, unknown[]>;
const group = require(modulePath) as Group;

test('given kafkajs as installed, when its grouping module is read, then it is the patched one-pass version', () => {
  const pinned = (JSON.parse(readFileSync(require.resolve('kafkajs/package.json'), 'utf8')) as { version: string }).version;
  assert.equal(pinned, '2.2.4', 'the patch is for kafkajs 2.2.4: regenerate patches/ when kafkajs changes');
  const src = readFileSync(modulePath, 'utf8');
  assert.match(src, /relayer patch/, 'patches/kafkajs+2.2.4.patch is not applied (npm install runs patch-package)');
  assert.doesNotMatch(src, /\[\.\.\.current, message\]/, 'the quadratic copy is still there');
});

test('given messages and a partitioner, when grouped, then each partition holds its messages in send order', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ id: fc.nat(), p: fc.nat({ max: 5 }) }), { maxLength: 300 }), (messages) => {
      const got = group({ topic: 't', partitionMetadata: [{}, {}], messages, partitioner: ({ message }) => (message as { p: number }).p });
      const want: Record<number, unknown[]> = {};
      for (const m of messages) {
        want[m.p] ??= [];
        want[m.p]!.push(m);
      }
      assert.deepEqual(got, want);
    }),
  );
});

test('given no partition metadata, when grouped, then nothing is assigned (as kafkajs does)', () => {
  assert.deepEqual(group({ topic: 't', partitionMetadata: [], messages: [{ a: 1 }], partitioner: () => 0 }), {});
});
