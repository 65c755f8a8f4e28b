// Regression (D146): an engine whose commit request failed without an answer (a timeout) while a
// second engine took the market over must stop as fenced. Before the fix it re-initialised the
// transactional id (fencing the newer engine), read the newer engine's state record, took its
// position as proof that its own batch had landed, and went on from its own, older seq: its next
// commit wrote seqs the newer engine had already written. Runs the real KafkaBackend over the
// simulation's in-process Kafka stand-in.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { emptyState, type State } from '../../src/engine/index.js';
import { ChainWriter, GENESIS_HASH } from '../../src/runtime/chain.js';
import { silentLogger } from '../../src/infra/logger.js';
import { accountOf } from '../../src/engine/index.js';
import { failedOf, runRecord } from '../../src/runtime/record.js';
import { FakeKafka } from '../../src/sim/fake-kafka.js';
import { KafkaBackend } from '../../src/store/kafka/backend.js';
import { DEFAULT_TOPICS, TOPIC_ROLES, type KafkaConfig } from '../../src/store/kafka/config.js';
import { FencedError } from '../../src/store/kafka/errors.js';
import type { CommitBatch, InputRecord, StoredEvent } from '../../src/store/types.js';

interface Engine {
  state: State;
  chain: ChainWriter;
}

/** What the loop does with records before a commit (its non-pipelined path). */
function decide(e: Engine, recs: InputRecord[]): CommitBatch {
  const events: StoredEvent[] = [];
  const failed = [];
  for (const rec of recs) {
    const out = runRecord(e.state, rec);
    for (const ev of out) {
      const line = e.chain.push(ev);
      events.push({ seq: ev.seq, ts: ev.ts, cmd: ev.cmd, type: ev.type, account: accountOf(ev), line, hash: e.chain.last });
    }
    const f = failedOf(rec, out);
    if (f !== null) failed.push(f);
  }
  return { events, failed, position: recs[recs.length - 1]!.position, clock: { price_ts: e.state.price_ts }, summary: '{}' };
}

async function world(): Promise<{
  k: FakeKafka;
  open: (name: string, fenceCheckMs?: number) => Promise<{ b: KafkaBackend; client: ReturnType<FakeKafka['client']> }>;
  done: () => void;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-takeover-'));
  const k = new FakeKafka();
  k.clock = 1_732_492_800_000;
  const cfg: KafkaConfig = { brokers: ['fake:9092'], topics: DEFAULT_TOPICS, transactionalId: 'm', groupId: 'm', clientId: 't', cacheDir: dir, client: null };
  k.createTopics(TOPIC_ROLES.map((r) => cfg.topics[r]));
  return {
    k,
    open: async (name, fenceCheckMs) => {
      const client = k.client();
      const b = await KafkaBackend.open(
        { ...cfg, cacheDir: join(dir, name) },
        {
          log: silentLogger(),
          clients: client.clients(),
          backoff: { initialMs: 1, maxMs: 1 },
          ...(fenceCheckMs === undefined ? {} : { fenceCheckMs }),
        },
      );
      return { b, client };
    },
    done: () => rmSync(dir, { recursive: true, force: true }),
  };
}

test('an engine whose commit timed out while a newer engine took over and committed stops as fenced, writing nothing', async () => {
  const w = await world();
  try {
    const writer = (await w.open('client')).b;
    await writer.append(['{"v":1,"id":"genesis","type":"InitPool","params":{}}', 'not json 1', 'not json 2', 'not json 3', 'not json 4']);
    // engine A: commits the genesis
    const a = await w.open('a');
    await a.b.startEngine(null);
    await a.b.lastCommitted();
    const ea: Engine = { state: emptyState(), chain: new ChainWriter(GENESIS_HASH) };
    const input = await a.b.read(null, 100, 0);
    assert.equal(input.length, 5);
    await a.b.commit(decide(ea, input.slice(0, 1)));
    // A decides the next record alone and sends it; while its commit request is on the way, engine
    // B takes the market over (aborting A's open transaction) and commits the next three records
    // in one batch; A's commit request times out (no answer: it cannot learn it was fenced)
    let before = null as Awaited<ReturnType<KafkaBackend['lastCommitted']>> | null;
    a.client.meanwhile = async () => {
      const b = await w.open('b');
      await b.b.startEngine(null);
      const cb = await b.b.lastCommitted();
      assert.equal(cb.position, input[0]!.position);
      const eb: Engine = { state: emptyState(), chain: new ChainWriter(GENESIS_HASH) };
      decide(eb, input.slice(0, 1));
      await b.b.commit(decide(eb, input.slice(1, 4)));
      before = await writer.lastCommitted();
    };
    a.client.commitFault = 'fail';
    await assert.rejects(() => a.b.commit(decide(ea, input.slice(1, 2))), FencedError);
    assert.notEqual(before, null);
    const after = await writer.lastCommitted();
    assert.deepEqual(after, before, 'the fenced engine wrote nothing');
    const events = await writer.readEvents(1, 100);
    assert.deepEqual(
      events.map((e) => e.seq),
      events.map((_, i) => i + 1),
      'seq stays gapless with no repeats',
    );
  } finally {
    w.done();
  }
});

test('an engine whose fencing check failed without an answer while a newer engine took over stops as fenced at its next commit', async () => {
  // found by relayer sim (seed 1, --backend kafka): the next commit initialised the id again
  // straight away, fenced the newer engine and wrote seqs it had already written
  const w = await world();
  try {
    const writer = (await w.open('client')).b;
    await writer.append(['{"v":1,"id":"genesis","type":"InitPool","params":{}}']);
    const a = await w.open('a', 0);
    await a.b.startEngine(null);
    await a.b.lastCommitted();
    const ea: Engine = { state: emptyState(), chain: new ChainWriter(GENESIS_HASH) };
    const genesis = await a.b.read(null, 100, 0);
    await a.b.commit(decide(ea, genesis));
    // A idles: its read checks the fence with a transaction; while that commit is on the way,
    // three records arrive and B takes over and commits them; A's commit request times out
    let input: Awaited<ReturnType<KafkaBackend['read']>> = [];
    a.client.meanwhile = async () => {
      await writer.append(['not json 1', 'not json 2', 'not json 3']);
      input = await writer.read(genesis[0]!.position, 100, 0);
      const b = await w.open('b');
      await b.b.startEngine(null);
      await b.b.lastCommitted();
      const eb: Engine = { state: emptyState(), chain: new ChainWriter(GENESIS_HASH) };
      decide(eb, genesis);
      await b.b.commit(decide(eb, input));
    };
    a.client.commitFault = 'fail';
    assert.deepEqual(await a.b.read(genesis[0]!.position, 100, 1), []);
    const before = await writer.lastCommitted();
    assert.equal(before.position, input[2]!.position);
    await assert.rejects(() => a.b.commit(decide(ea, input.slice(0, 1))), FencedError);
    assert.deepEqual(await writer.lastCommitted(), before, 'the fenced engine wrote nothing');
    const events = await writer.readEvents(1, 100);
    assert.deepEqual(
      events.map((e) => e.seq),
      events.map((_, i) => i + 1),
      'seq stays gapless with no repeats',
    );
  } finally {
    w.done();
  }
});

test('an engine whose own commit landed but went unconfirmed learns it landed, and does not send it again', async () => {
  const w = await world();
  try {
    const writer = (await w.open('client')).b;
    await writer.append(['{"v":1,"id":"genesis","type":"InitPool","params":{}}', 'not json 1', 'not json 2']);
    const a = await w.open('a');
    await a.b.startEngine(null);
    await a.b.lastCommitted();
    const ea: Engine = { state: emptyState(), chain: new ChainWriter(GENESIS_HASH) };
    const input = await a.b.read(null, 100, 0);
    await a.b.commit(decide(ea, input.slice(0, 1)));
    a.client.commitFault = 'unknown';
    await a.b.commit(decide(ea, input.slice(1, 3)));
    const events = await writer.readEvents(1, 100);
    assert.deepEqual(
      events.map((e) => e.seq),
      events.map((_, i) => i + 1),
    );
    assert.equal((await writer.lastCommitted()).position, input[2]!.position);
    assert.equal(events.length, ea.state.seq);
  } finally {
    w.done();
  }
});
