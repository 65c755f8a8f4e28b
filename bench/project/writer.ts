// Worker thread of the lag benchmark: plays the engine. Copies committed events from a source log
// into a live log at a fixed rate, in small commits every few ms (each fsync'ed like the engine's
// commits), and reports each commit's last seq and wall-clock time to the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStore } from '../../src/store/sqlite/store.js';

export interface WriterData {
  source: string;
  live: string;
  fromSeq: number;
  events: number;
  rate: number;
  tickMs: number;
}
export interface WriterCommit {
  seq: number;
  t: number;
}

const d = workerData as WriterData;
const source = new SqliteStore(d.source);
const live = new SqliteStore(d.live);
const rows = await source.readEvents(d.fromSeq, d.events);
await source.close();
let next = 0;
const started = Date.now();
parentPort!.postMessage({ start: started });
while (next < rows.length) {
  const due = Math.min(rows.length, Math.floor(((Date.now() - started) / 1000) * d.rate));
  if (due > next) {
    const batch = rows.slice(next, due);
    const last = batch[batch.length - 1]!;
    live.commitSync({ events: batch, failed: [], position: String(last.seq), clock: { price_ts: last.ts }, summary: '{}' });
    next = due;
    parentPort!.postMessage({ seq: last.seq, t: Date.now() } satisfies WriterCommit);
  }
  await new Promise((r) => setTimeout(r, d.tickMs));
}
await live.close();
parentPort!.postMessage({ done: true });
