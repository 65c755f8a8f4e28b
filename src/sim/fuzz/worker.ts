// The fuzz loop in a worker thread, so a hang (an input that never returns) can be seen and
// stopped: the worker writes the index it is on into shared memory before each chunk's inputs.
import { parentPort, workerData } from 'node:worker_threads';
import { fuzzRange } from './run.js';

const { seed, from, to, chunk, at } = workerData as { seed: number; from: number; to: number; chunk: number; at: Int32Array };
for (let i = from; i < to; i += chunk) {
  const end = Math.min(to, i + chunk);
  Atomics.store(at, 0, i);
  const r = fuzzRange(seed, i, end);
  parentPort!.postMessage({ done: end - i, findings: r.findings, slowestMs: r.slowestMs, slowestIndex: r.slowestIndex });
}
parentPort!.postMessage({ end: true });
