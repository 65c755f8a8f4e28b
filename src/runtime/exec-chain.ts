// The hash chain of `relayer exec` in a worker thread (DESIGN §8: work that is not deciding leaves
// the engine's thread). The engine thread serialises each event once, up to its `prev` member, and
// encodes it straight into a batch buffer; the worker inserts prev, hashes and finishes the lines.
// Buffers travel transferred (no copy) both ways; batches come back and are written in order, so
// the output is byte for byte what the in-thread ChainWriter prints. At most a few batches are in
// flight, so a slow reader or a slow worker holds the engine back instead of filling memory.
import type { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { EventEnvelope } from '../engine/index.js';
import { KIND_EVENT, KIND_LINE, type ChainBatch, type ChainDone } from './exec-chain-format.js';

/** The text of an event up to and including `"prev":"`, exactly as chainEvent serialises it. */
function eventHead(e: EventEnvelope): string {
  return `{"v":${e.v},"seq":${e.seq},"ts":${e.ts},"cmd":${JSON.stringify(e.cmd)},"type":"${e.type}","data":${JSON.stringify(e.data)},"prev":"`;
}

const BATCH_BYTES = 1 << 20;
const BATCH_ITEMS = 1 << 14;
const MAX_IN_FLIGHT = 3;
const encoder = new TextEncoder();

export class ChainPipe {
  private readonly worker: Worker;
  private bytes = new Uint8Array(BATCH_BYTES);
  private lengths = new Int32Array(BATCH_ITEMS);
  private kinds = new Uint8Array(BATCH_ITEMS);
  private used = 0;
  private count = 0;
  private nextId = 0;
  private written = 0;
  private readonly done = new Map<number, ChainDone>();
  private waiting: (() => void) | null = null;
  private failure: Error | null = null;
  last: string;

  constructor(
    last: string,
    private readonly out: Writable,
  ) {
    this.last = last;
    this.worker = new Worker(new URL('./exec-chain-worker.js', import.meta.url), { workerData: { last } });
    this.worker.on('message', (d: ChainDone) => {
      this.done.set(d.id, d);
      this.wake();
    });
    this.worker.on('error', (e) => {
      this.failure = e;
      this.wake();
    });
  }

  /** Queues an event; its finished line is written after every line queued before it. */
  event(e: EventEnvelope): Promise<void> | undefined {
    return this.add(eventHead(e), KIND_EVENT);
  }

  /** Queues a line that is not chained (an ack, the summary). */
  line(s: string): Promise<void> | undefined {
    return this.add(s, KIND_LINE);
  }

  /** Sends what is queued, writes every batch back, stops the worker; `last` is the chain head. */
  async close(): Promise<void> {
    await this.send();
    while (this.written < this.nextId) await this.drain();
    await this.worker.terminate();
  }

  private add(text: string, kind: number): Promise<void> | undefined {
    // UTF-8 needs at most 3 bytes per UTF-16 unit; a text larger than a batch gets its own
    if (this.used + text.length * 3 > this.bytes.length || this.count === BATCH_ITEMS) {
      return this.send().then(() => {
        this.put(text, kind);
      });
    }
    this.put(text, kind);
    return undefined;
  }

  private put(text: string, kind: number): void {
    if (text.length * 3 > this.bytes.length) this.bytes = new Uint8Array(text.length * 3);
    const r = encoder.encodeInto(text, this.bytes.subarray(this.used));
    this.used += r.written;
    this.lengths[this.count] = r.written;
    this.kinds[this.count] = kind;
    this.count++;
  }

  private async send(): Promise<void> {
    if (this.count > 0) {
      const batch: ChainBatch = { id: this.nextId++, bytes: this.bytes.subarray(0, this.used), lengths: this.lengths, kinds: this.kinds, count: this.count };
      this.worker.postMessage(batch, [this.bytes.buffer, this.lengths.buffer, this.kinds.buffer]);
      this.bytes = new Uint8Array(Math.max(BATCH_BYTES, batch.bytes.byteLength));
      this.lengths = new Int32Array(BATCH_ITEMS);
      this.kinds = new Uint8Array(BATCH_ITEMS);
      this.used = 0;
      this.count = 0;
    }
    await this.writeReady();
    while (this.nextId - this.written > MAX_IN_FLIGHT) await this.drain();
  }

  /** Writes the finished batches that are next in order. */
  private async writeReady(): Promise<void> {
    for (let d = this.done.get(this.written); d !== undefined; d = this.done.get(this.written)) {
      this.done.delete(this.written);
      this.written++;
      this.last = d.last;
      if (!this.out.write(d.bytes)) await new Promise<void>((resolve) => this.out.once('drain', resolve));
    }
  }

  private async drain(): Promise<void> {
    if (this.failure !== null) throw this.failure;
    if (!this.done.has(this.written))
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    if (this.failure !== null) throw this.failure;
    await this.writeReady();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }
}
