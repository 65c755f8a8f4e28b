// The Kafka engine's frame sealing in a worker thread (D271): SHA-256 chaining and brotli run here
// while the engine's thread decides the next batch, as the embedded store's commit worker does
// (D61). Only CPU work: the worker holds no Kafka client (librdkafka's binding cannot run in a
// worker thread) and no state between calls; the engine's producer sends what it returns.
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { serveCalls, startWorker, WorkerCalls } from '../worker-rpc.js';
import { sealFrames, type SealRequest, type SealedFrames } from './frame-seal.js';

export class FrameWorker {
  private constructor(private readonly calls: WorkerCalls) {}

  static async start(): Promise<FrameWorker> {
    const worker = await startWorker(fileURLToPath(import.meta.url), { relayerFrameWorker: true }, 'frame worker');
    // held only while a batch is being sealed: an idle worker never keeps the process alive
    return new FrameWorker(new WorkerCalls(worker, 'frame worker', true));
  }

  async seal(r: SealRequest): Promise<SealedFrames> {
    const out = await this.calls.call<SealedFrames>(r);
    // structured clone hands Buffers back as plain Uint8Arrays
    return {
      lastHash: out.lastHash,
      frames: out.frames.map((f) => ({ key: f.key, value: Buffer.from(f.value.buffer, f.value.byteOffset, f.value.byteLength) })),
    };
  }

  close(): Promise<void> {
    return this.calls.close();
  }
}

if (!isMainThread && parentPort !== null && (workerData as { relayerFrameWorker?: boolean } | null)?.relayerFrameWorker === true) {
  serveCalls<SealRequest & { n: number }, null>(
    parentPort,
    () => null,
    (_, m) => sealFrames(m),
    () => undefined,
  );
}
