// Reading the request topic (the input log) for the engine: a buffer of fetched records handed out
// `max` at a time, the next fetch already under way while the engine works on the current ones,
// and the raw bytes of every record read and not yet committed (the failed topic stores them).
import { InterruptedError } from './errors.js';
import type { Fetched, RecordReader } from './ports.js';
import type { InputRecord } from '../types.js';

export type Retry = <T>(what: string, op: (attempt: number) => Promise<T>) => Promise<T>;

interface ReadBuffer {
  /** The offset the next read() is expected to start at. */
  from: number;
  recs: InputRecord[];
  head: number;
  /** The next offset to fetch. */
  next: number;
  inflight: Promise<Fetched[] | null> | null;
}

export class RequestReader {
  private rq: ReadBuffer = { from: -1, recs: [], head: 0, next: 0, inflight: null };
  /** Raw bytes of request records read and not yet committed, for the failed topic. */
  private readonly rawBytes = new Map<string, Buffer>();

  constructor(
    private readonly reader: RecordReader,
    private readonly topic: string,
    private readonly fetchBytes: number,
    private readonly retry: Retry,
  ) {}

  /** Up to `max` records after `after`; null when the read was cut short (stopped, or superseded). */
  async read(after: string | null, max: number, waitMs: number): Promise<InputRecord[] | null> {
    const from = after === null ? 0 : Number(after) + 1;
    if (from !== this.rq.from) this.rq = { from, recs: [], head: 0, next: from, inflight: null };
    const rq = this.rq;
    if (rq.head >= rq.recs.length) {
      rq.recs = [];
      rq.head = 0;
      try {
        await this.fill(rq, waitMs);
      } catch (e) {
        if (e instanceof InterruptedError) return null;
        throw e;
      }
      if (this.rq !== rq) return null;
    }
    const out = rq.recs.slice(rq.head, rq.head + max);
    rq.head += out.length;
    if (out.length > 0) rq.from = Number(out[out.length - 1]!.position) + 1;
    // fetch the next records while the engine works on these
    if (rq.head >= rq.recs.length && rq.inflight === null && out.length > 0) rq.inflight = this.prefetch(rq);
    return out;
  }

  /** The bytes of a record read and not yet committed. */
  raw(position: string): Buffer | undefined {
    return this.rawBytes.get(position);
  }

  /** Forgets the bytes of records up to a committed position. */
  committed(position: string): void {
    for (const k of this.rawBytes.keys()) {
      if (Number(k) <= Number(position)) this.rawBytes.delete(k);
      else break;
    }
  }

  private prefetch(rq: ReadBuffer): Promise<Fetched[] | null> {
    return this.reader
      .fetch(this.topic, rq.next, this.fetchBytes, 0)
      .then((r) => {
        rq.next = r.next;
        return r.records;
      })
      .catch(() => null); // the next read fetches again, with retries
  }

  private async fill(rq: ReadBuffer, waitMs: number): Promise<void> {
    let recs: Fetched[] | null = null;
    if (rq.inflight !== null) {
      recs = await rq.inflight;
      rq.inflight = null;
    }
    if (recs === null || (recs.length === 0 && waitMs > 0)) {
      recs = await this.retry('reading the request topic', async () => {
        const r = await this.reader.fetch(this.topic, rq.next, this.fetchBytes, waitMs);
        rq.next = r.next;
        return r.records;
      });
    }
    for (const r of recs) {
      if (r.offset < rq.from) continue;
      const position = String(r.offset);
      const value = r.value ?? Buffer.alloc(0);
      this.rawBytes.set(position, value);
      rq.recs.push({ position, ts: r.ts, raw: value.toString('utf8') });
    }
  }
}
