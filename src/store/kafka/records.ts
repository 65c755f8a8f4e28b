// What the backend writes on each topic, and reading it back.
//   events: a frame per committed batch (D60): key = "<first seq>-<last seq>", value = [codec
//           byte][brotli of the stored lines joined by '\n'], the same frame as the embedded store
//           writes; records written before frames (key = seq, value = one line starting with '{')
//           are still read, so an old topic needs no migration
//   state:  key = the market (transactional id), value = one JSON line per committed batch:
//           {v, seq, hash, position, input_ts, clock, failed, summary}; the one record that ties a
//           seq to the input position it consumed, written in the batch's transaction
//   failed: key = command id (or position), value = the request's bytes exactly as they were on
//           the request topic, headers position / ts / id / reason_code / reason
import type { Message } from 'kafkajs';
import { accountOf, type EventEnvelope } from '../../engine/index.js';
import type { Clock, FailedRecord, StoredEvent } from '../types.js';
import type { Fetched } from './ports.js';
import { CODEC_BROTLI, packFrame, unpackFrame } from '../sqlite/frames.js';

/** Events per Kafka frame: 2 000 events of ≈ 760 bytes pack to ≈ 250 KB, well under 1 MiB records. */
export const KAFKA_FRAME_EVENTS = 2000;

/** The batch's events as frame records (in seq order). */
export function frameMessages(events: readonly StoredEvent[]): Message[] {
  const out: Message[] = [];
  for (let i = 0; i < events.length; i += KAFKA_FRAME_EVENTS) {
    const part = events.slice(i, i + KAFKA_FRAME_EVENTS);
    const first = part[0]!.seq;
    const last = part[part.length - 1]!.seq;
    out.push({ key: `${first}-${last}`, value: packFrame(part.map((e) => e.line).join('\n')), partition: 0 });
  }
  return out;
}

/** The events of one record of the event topic: a frame's, or the one line of an old record. */
export function eventsOfRecord(r: Fetched): StoredEvent[] {
  if (r.value === null || r.value.length === 0) return [];
  if (r.value[0] !== CODEC_BROTLI) {
    const e = eventOf(r);
    return e === null ? [] : [e];
  }
  const range = /^(\d+)-(\d+)$/.exec(r.key?.toString('utf8') ?? '');
  if (range === null) return [];
  const first = Number(range[1]);
  const lines = unpackFrame(r.value, Number(range[2]) - first + 1, first);
  const out: StoredEvent[] = [];
  for (const line of lines) {
    const e = eventOfLine(line);
    if (e !== null) out.push(e);
  }
  return out;
}

/** The seq range of an event-topic record without decompressing it. */
export function seqRangeOf(r: Fetched): [number, number] | null {
  if (r.value === null || r.value.length === 0) return null;
  if (r.value[0] === CODEC_BROTLI) {
    const m = /^(\d+)-(\d+)$/.exec(r.key?.toString('utf8') ?? '');
    return m === null ? null : [Number(m[1]), Number(m[2])];
  }
  const e = eventOf(r);
  return e === null ? null : [e.seq, e.seq];
}

/**
 * No headers: kafkajs encodes each header with its own buffers, which made producing the events
 * about a third slower; cmd, type and ts are read from the line's fixed prefix instead.
 */
export function eventMessage(e: StoredEvent): Message {
  return { key: String(e.seq), value: e.line, partition: 0 };
}

/** The stored line ends with ,"hash":"<64 hex>"} (SPEC §12). */
export function hashOfLine(line: string): string {
  return line.slice(-66, -2);
}

/** The writer's fixed key order (runtime/chain.ts): {"v":..,"seq":..,"ts":..,"cmd":"..","type":"..",... */
const PREFIX = /^\{"v":\d+,"seq":(\d+),"ts":(-?\d+),"cmd":("(?:[^"\\]|\\.)*"),"type":"([^"]*)"/;

/** A stored event read back; `account` is worked out from the line only when someone asks. */
class ReadEvent implements StoredEvent {
  private acct: string | null | undefined = undefined;
  constructor(
    readonly seq: number,
    readonly ts: number,
    readonly cmd: string,
    readonly type: string,
    readonly line: string,
    readonly hash: string,
  ) {}
  get account(): string | null {
    if (this.acct === undefined) this.acct = accountOf(JSON.parse(this.line) as EventEnvelope);
    return this.acct;
  }
}

export function eventOf(r: Fetched): StoredEvent | null {
  if (r.value === null) return null;
  return eventOfLine(r.value.toString('utf8'));
}

function eventOfLine(line: string): StoredEvent | null {
  const m = PREFIX.exec(line);
  if (m !== null) return new ReadEvent(Number(m[1]), Number(m[2]), JSON.parse(m[3]!) as string, m[4]!, line, hashOfLine(line));
  try {
    // written by something else: the whole line
    const o = JSON.parse(line) as { seq: number; ts: number; cmd: string; type: string };
    return new ReadEvent(o.seq, o.ts, o.cmd, o.type, line, hashOfLine(line));
  } catch {
    return null;
  }
}

export interface StateRecord {
  v: 1;
  seq: number;
  hash: string;
  /** Last consumed input position. */
  position: string;
  /**
   * The running maximum of the request stamps through `position`: the command time a reader
   * resuming after it starts from (D220). Absent on records written before: no maximum yet.
   */
  input_ts?: number;
  clock: Clock;
  /** Failed-request records written so far (for failedCount without reading the topic). */
  failed: number;
  summary: unknown;
}

export function stateMessage(market: string, s: Omit<StateRecord, 'v' | 'summary'>, summaryJson: string): Message {
  // the summary is already JSON: spliced in, not encoded twice
  const head = JSON.stringify({ v: 1, seq: s.seq, hash: s.hash, position: s.position, input_ts: s.input_ts, clock: s.clock, failed: s.failed });
  return { key: market, value: `${head.slice(0, -1)},"summary":${summaryJson}}`, partition: 0 };
}

export function stateOf(r: Fetched): StateRecord | null {
  if (r.value === null) return null;
  try {
    const o = JSON.parse(r.value.toString('utf8')) as StateRecord;
    return o.v === 1 && typeof o.seq === 'number' && typeof o.position === 'string' ? o : null;
  } catch {
    return null;
  }
}

export function failedMessage(f: FailedRecord, rawBytes: Buffer | undefined): Message {
  const headers: Record<string, string> = { position: f.position, ts: String(f.ts), reason_code: f.reason_code, reason: f.reason };
  if (f.id !== null) headers['id'] = f.id;
  return { key: f.id ?? `position:${f.position}`, value: rawBytes ?? f.raw, headers, partition: 0 };
}

const len = (x: string | Buffer): number => (typeof x === 'string' ? Buffer.byteLength(x) : x.length);

/** Total size of a message as sent (key + value + headers + overhead), for cutting produce requests. */
export function sizeOf(m: Message): number {
  let n = 32;
  if (m.key !== null && m.key !== undefined) n += len(m.key);
  if (m.value !== null && m.value !== undefined) n += len(m.value);
  if (m.headers) {
    for (const [k, v] of Object.entries(m.headers)) {
      n += k.length + 8;
      if (v !== undefined) for (const x of Array.isArray(v) ? v : [v]) n += len(x);
    }
  }
  return n;
}

/** Splits messages into groups of at most `maxBytes` (a record batch must fit the topic's max.message.bytes). */
export function split(msgs: Message[], maxBytes: number): Message[][] {
  const out: Message[][] = [];
  let cur: Message[] = [];
  let bytes = 0;
  for (const m of msgs) {
    const s = sizeOf(m);
    if (cur.length > 0 && bytes + s > maxBytes) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(m);
    bytes += s;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
