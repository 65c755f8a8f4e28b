// `relayer bench kafka`, kafka.snapshot_worker: what a snapshot costs the engine thread on Kafka
// with `orders` resting limit orders, the same market run twice through the loop on fresh topics:
// once with the engine thread encoding and storing each image (as before D221), once with the
// snapshot worker building it from the log and the engine's producer storing the bytes it hands
// back. The pause is the loop's own `engine_ms` of each "snapshot saved".
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { silentLogger, type Logger } from '../../src/infra/logger.js';
import { DEFAULT_LOOP, EngineLoop } from '../../src/runtime/loop.js';
import { recover } from '../../src/runtime/recover.js';
import { Snapshotter } from '../../src/runtime/snapshotter.js';
import { KafkaBackend } from '../../src/store/kafka/backend.js';
import { kafkaConfig } from '../../src/store/kafka/config.js';
import { createTopics, deleteTopics } from '../../src/store/kafka/topics.js';
import { restingCommands } from '../durable/run.js';

export interface SnapshotPause {
  /** The engine thread's longest pause for one periodic snapshot. */
  pauseMs: number;
  images: number;
  bytes: number;
  /** The whole snapshot (build + store), the longest. */
  totalMs: number;
  /** The engine thread's longest wait for the commit before its batch (a stored image delays one). */
  maxCommitWaitMs: number;
  /** The same, median over the run's batches. */
  medianCommitWaitMs: number;
}

interface Saved {
  reason: string;
  engine_ms: number;
  ms: number;
  bytes: number;
  built_by: string;
}

/** One run: `orders` resting orders through the loop, an image every `orders / 2` events. */
export async function snapshotPauses(admin: Admin, brokers: string, prefix: string, dir: string, orders: number, worker: boolean): Promise<SnapshotPause> {
  const cfg = kafkaConfig({ kafka: brokers, topicPrefix: prefix, snapshotCache: join(dir, prefix) })!;
  await createTopics(admin, cfg.topics, { partitions: 1, replicationFactor: 1 });
  const saved: Saved[] = [];
  const log = {
    ...silentLogger(),
    info: (o: Saved, msg: string) => {
      if (msg === 'snapshot saved') saved.push(o);
    },
    error: (o: { err?: string }, msg: string) => {
      throw new Error(`${msg}: ${o.err}`);
    },
  } as unknown as Logger;
  const store = await KafkaBackend.open(cfg, { log: silentLogger() });
  let snapshotter: Snapshotter | null = null;
  try {
    await store.startEngine(null);
    const raws = restingCommands(orders).map(({ type, params }, i) => JSON.stringify({ v: 1, id: `r${i}`, type, params }));
    for (let i = 0; i < raws.length; i += 5000) await store.append(raws.slice(i, i + 5000));
    const head = (await store.head())!;
    const rec = await recover(store);
    snapshotter = worker ? new Snapshotter({ kind: 'kafka', cfg }, undefined, store) : null;
    const loop = new EngineLoop(store, rec.state, rec.lastHash, rec.position, {
      ...DEFAULT_LOOP,
      idleMs: 20,
      snapshotEveryEvents: Math.ceil(orders / 2),
      ...(snapshotter === null ? {} : { snapshotter }),
      log,
    });
    const waits: number[] = [];
    loop.onBatch = (b) => {
      waits.push(b.waitMs ?? 0);
      if ((loop as unknown as { position: string | null }).position === head) loop.stop();
    };
    await loop.run();
    await loop.snapshot('requested'); // and one at the head
    const images = saved.filter((s) => s.reason !== 'shutdown');
    if (worker && images.some((s) => s.built_by !== 'worker')) throw new Error('bench: an image was not built by the worker');
    return {
      pauseMs: Math.max(...images.map((s) => s.engine_ms)),
      images: images.length,
      bytes: images[images.length - 1]!.bytes,
      totalMs: Math.max(...images.map((s) => s.ms)),
      maxCommitWaitMs: Math.max(...waits),

      medianCommitWaitMs: waits.sort((a, b) => a - b)[waits.length >> 1]!,
    };
  } finally {
    await snapshotter?.close();
    await store.close();
    await deleteTopics(admin, cfg.topics).catch(() => undefined);
    await admin.deleteGroups([cfg.groupId]).catch(() => undefined);
  }
}
