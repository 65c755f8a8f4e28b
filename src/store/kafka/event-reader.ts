// Reading the event topic: events from a seq on (a binary search over offsets by seq range, narrowed
// by hints from earlier reads and commits), and the events of one command (scanning forward from
// where this process first appended, remembered between calls for the same command).
import type { StoredEvent } from '../types.js';
import type { RecordReader } from './ports.js';
import { eventsOfRecord, seqRangeOf } from './records.js';
import type { Retry } from './request-reader.js';
import { scan } from './scan.js';

export class EventReader {
  /** Known (seq → offset) pairs on the event topic, newest last, to find a seq quickly. */
  private readonly seqHints: { seq: number; offset: number }[] = [];
  /** Event-topic end before this process first appended: where eventsOf starts looking. */
  mark: number | null = null;
  private eo: { cmd: string; at: number; found: StoredEvent[] } | null = null;

  constructor(
    private readonly reader: RecordReader,
    private readonly topic: string,
    private readonly fetchBytes: number,
    private readonly retry: Retry,
  ) {}

  hint(seq: number, offset: number): void {
    const h = this.seqHints;
    if (h.length > 0 && h[h.length - 1]!.seq >= seq) return;
    h.push({ seq, offset });
    if (h.length > 256) h.splice(0, h.length - 128);
  }

  /**
   * The offset of the record holding the event with `seq` (or the first after it): a binary
   * search over offsets by seq range, narrowed by the hints of earlier reads and commits. Records
   * hold one event (before frames) or a batch's frame, so offsets and seqs grow at different rates.
   */
  private async offsetOfSeq(seq: number, start: number, end: number): Promise<number> {
    let lo = start;
    let hi = end;
    for (let i = this.seqHints.length - 1; i >= 0; i--) {
      const h = this.seqHints[i]!;
      if (h.seq <= seq) {
        lo = Math.max(lo, h.offset);
        break;
      }
    }
    // invariant: the target is at an offset in [lo, hi]
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const r = await this.retry('reading the event topic', () => this.reader.fetch(this.topic, mid, 1, 0));
      const x = r.records.find((y) => y.offset < end && seqRangeOf(y) !== null);
      if (x === undefined) {
        hi = mid;
        continue;
      } // nothing readable from mid on: the target is before
      const range = seqRangeOf(x)!;
      this.hint(range[0], x.offset);
      if (range[1] < seq) lo = x.offset + 1;
      else if (range[0] > seq) hi = mid;
      else return x.offset;
    }
    return lo;
  }

  async readEvents(fromSeq: number, max: number): Promise<StoredEvent[]> {
    const topic = this.topic;
    const { start, end } = await this.retry('reading the event topic', () => this.reader.bounds(topic));
    let at = await this.offsetOfSeq(fromSeq, start, end);
    const out: StoredEvent[] = [];
    while (at < end && out.length < max) {
      const r = await this.retry('reading the event topic', () => this.reader.fetch(topic, at, this.fetchBytes, 0));
      if (r.next === at) break;
      for (const x of r.records) {
        if (x.offset >= end || out.length >= max) break;
        const evs = eventsOfRecord(x);
        if (evs.length > 0) this.hint(evs[0]!.seq, x.offset);
        for (const e of evs) {
          if (e.seq < fromSeq) continue;
          if (out.length >= max) break;
          out.push(e);
        }
      }
      at = r.next;
    }
    return out;
  }

  async eventsOf(cmd: string): Promise<StoredEvent[]> {
    const topic = this.topic;
    if (this.eo === null || this.eo.cmd !== cmd) this.eo = { cmd, at: this.mark ?? 0, found: [] };
    const eo = this.eo;
    const { start, end } = await this.reader.bounds(topic);
    eo.at = Math.max(eo.at, start);
    eo.at = await scan(
      this.reader,
      topic,
      eo.at,
      (recs) => {
        for (const r of recs) for (const e of eventsOfRecord(r)) if (e.cmd === cmd) eo.found.push(e);
      },
      { end },
    );
    return eo.found;
  }
}
