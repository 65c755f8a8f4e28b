// Reading the request topic (the input log) for the engine: a buffer of fetched records handed out
// `max` at a time, the next fetch already under way while the engine works on the current ones,
// and the raw bytes of every record read and not yet committed (the failed topic stores them).
//
// Command time never goes back (D13, D147, D220): a record's `ts` is max(its LogAppendTime, the
// previous record's ts), a running maximum over the topic. A read that starts mid-topic needs the
// maximum at the record before it: known when this reader handed that record out or the backend
// told it (`anchor`, from the committed state record), else looked up (`resume`).
import { InterruptedError } from './errors.js';
import type { Fetched, RecordReader } from './ports.js';
import type { InputRecord } from '../types.js';

export type Retry = <T>(what: string, op: (attempt: number) => Promise<T>) => Promise<T>;

/** The running maximum of the stamps at an offset (0: none yet, the topic's first record). */
export type ResumeTs = (offset: number) => Promise<number>;

interface ReadBuffer {
  /** The offset the next read() is expected to start at. */
  from: number;
  recs: InputRecord[];
  head: number;
  /** The next offset to fetch. */
  next: number;
  inflight: Promise<Fetched[] | null> | null;
  /** The running maximum of the stamps up to the last record buffered; null until resolved. */
  maxTs: number | null;
}

export class RequestReader {
  private rq: ReadBuffer = { from: -1, recs: [], head: 0, next: 0, inflight: null, maxTs: null };
  /** Raw bytes and stamps of request records read and not yet committed (the failed topic, the state record). */
  private readonly pending = new Map<string, { bytes: Buffer; ts: number }>();
  /** A position whose running maximum is known without reading (the last committed one). */
  private known: { position: number; ts: number } | null = null;

  constructor(
    private readonly reader: RecordReader,
    private readonly topic: string,
    private readonly fetchBytes: number,
    private readonly retry: Retry,
    private readonly resume: ResumeTs,
  ) {}

  /** The running maximum at `position` is `ts` (a committed state record says so). */
  anchor(position: string, ts: number): void {
    this.known = { position: Number(position), ts };
  }

  /** The stamp handed out for a record read and not yet committed. */
  tsAt(position: string): number | undefined {
    return this.pending.get(position)?.ts;
  }

  /** The running maximum at offset `at` (the record before a read's first). */
  private async maxAt(at: number): Promise<number> {
    if (at < 0) return 0;
    const p = this.pending.get(String(at));
    if (p !== undefined) return p.ts;
    if (this.known !== null && this.known.position === at) return this.known.ts;
    return this.retry('reading the request topic', () => this.resume(at));
  }

  /** Up to `max` records after `after`; null when the read was cut short (stopped, or superseded). */
  async read(after: string | null, max: number, waitMs: number): Promise<InputRecord[] | null> {
    const from = after === null ? 0 : Number(after) + 1;
    if (from !== this.rq.from) this.rq = { from, recs: [], head: 0, next: from, inflight: null, maxTs: null };
    const rq = this.rq;
    if (rq.head >= rq.recs.length) {
      rq.recs = [];
      rq.head = 0;
      try {
        if (rq.maxTs === null) {
          const m = await this.maxAt(from - 1);
          if (this.rq !== rq) return null;
          rq.maxTs = m;
        }
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
    return this.pending.get(position)?.bytes;
  }

  /** Forgets the bytes of records up to a committed position. */
  committed(position: string): void {
    const ts = this.pending.get(position)?.ts;
    if (ts !== undefined) this.known = { position: Number(position), ts };
    for (const k of this.pending.keys()) {
      if (Number(k) <= Number(position)) this.pending.delete(k);
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
    let maxTs = rq.maxTs ?? 0;
    for (const r of recs) {
      if (r.offset < rq.from) continue;
      const position = String(r.offset);
      const value = r.value ?? Buffer.alloc(0);
      if (r.ts > maxTs) maxTs = r.ts;
      this.pending.set(position, { bytes: value, ts: maxTs });
      rq.recs.push({ position, ts: maxTs, raw: value.toString('utf8') });
    }
    rq.maxTs = maxTs;
  }
}
