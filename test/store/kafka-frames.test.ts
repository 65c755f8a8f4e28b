// The Kafka event topic's records: a batch becomes frame records of at most KAFKA_FRAME_EVENTS
// events whose key names their seq range; reading a record gives back the very lines, and a
// record written before frames (one line, key = seq) still reads as its one event.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyState } from '../../src/engine/index.js';
import { ChainWriter } from '../../src/runtime/chain.js';
import { accountOf } from '../../src/engine/index.js';
import { runRecord } from '../../src/runtime/record.js';
import type { Fetched } from '../../src/store/kafka/fetcher.js';
import { KAFKA_FRAME_EVENTS, eventsOfRecord, frameMessages, seqRangeOf } from '../../src/store/kafka/records.js';
import type { StoredEvent } from '../../src/store/types.js';
import { workload } from '../../src/workload/commands.js';

const GENESIS = JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: { total_locked_value: 1e12, total_pool_share: 1e6 } });

function events(n: number): StoredEvent[] {
  const state = emptyState();
  const chain = new ChainWriter();
  const out: StoredEvent[] = [];
  [GENESIS, ...workload(n, 8)].forEach((raw, i) => {
    for (const e of runRecord(state, { position: String(i), ts: 1_732_492_800_000 + i, raw })) {
      const line = chain.push(e);
      out.push({ seq: e.seq, ts: e.ts, cmd: e.cmd, type: e.type, account: accountOf(e), line, hash: chain.last });
    }
  });
  return out;
}

const fetched = (offset: number, key: string | Buffer | null | undefined, value: string | Buffer | null | undefined): Fetched => ({
  offset,
  ts: 0,
  headers: {},
  key: key === null || key === undefined ? null : Buffer.from(key),
  value: value === null || value === undefined ? null : Buffer.from(value),
});

test('given a batch larger than a frame, when framed and read back, then every line and field comes back in order', () => {
  const evs = events(2000);
  assert.ok(evs.length > KAFKA_FRAME_EVENTS, 'the batch needs more than one frame');
  const msgs = frameMessages(evs);
  assert.equal(msgs.length, Math.ceil(evs.length / KAFKA_FRAME_EVENTS));
  const back: StoredEvent[] = [];
  msgs.forEach((m, i) => {
    const r = fetched(i, m.key, m.value);
    const got = eventsOfRecord(r);
    assert.deepEqual(seqRangeOf(r), [got[0]!.seq, got[got.length - 1]!.seq]);
    back.push(...got);
  });
  assert.deepEqual(
    back.map((e) => [e.seq, e.ts, e.cmd, e.type, e.line, e.hash, e.account]),
    evs.map((e) => [e.seq, e.ts, e.cmd, e.type, e.line, e.hash, e.account]),
  );
  const packed = msgs.reduce((a, m) => a + (m.value as Buffer).length, 0);
  const plain = evs.reduce((a, e) => a + e.line.length, 0);
  assert.ok(packed * 3 < plain, `frames are compact: ${packed} bytes for ${plain}`);
});

test('given a record written before frames, then it reads as its one event; empty and foreign records as none', () => {
  const [e] = events(1);
  const r = fetched(7, String(e!.seq), e!.line);
  assert.deepEqual(
    eventsOfRecord(r).map((x) => x.line),
    [e!.line],
  );
  assert.deepEqual(seqRangeOf(r), [e!.seq, e!.seq]);
  assert.deepEqual(eventsOfRecord(fetched(8, 'x', null)), []);
  assert.equal(seqRangeOf(fetched(9, 'x', 'not json')), null);
  // a frame whose key lost its range is not guessed at
  const [m] = frameMessages([e!]);
  assert.deepEqual(eventsOfRecord(fetched(10, 'garbled', m!.value)), []);
});
