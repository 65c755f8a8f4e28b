// What the backend writes on each topic, and reading it back.
//   events: key = seq, value = the stored hash-chained line (no headers: see eventMessage)
//   state:  key = the market (transactional id), value = one JSON line per committed batch:
//           {v, seq, hash, position, clock, failed, summary}; the one record that ties a seq to
//           the input position it consumed, written in the batch's transaction
//   failed: key = command id (or position), value = the request's bytes exactly as they were on
//           the request topic, headers position / ts / id / reason_code / reason
import type { Message } from 'kafkajs';
import type { EventEnvelope } from '../../engine/index.js';
import { accountOf } from '../../runtime/record.js';
import type { Clock, FailedRecord, StoredEvent } from '../types.js';
import type { Fetched } from './fetcher.js';

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
  constructor(readonly seq: number, readonly ts: number, readonly cmd: string, readonly type: string, readonly line: string, readonly hash: string) {}
  get account(): string | null {
    if (this.acct === undefined) this.acct = accountOf(JSON.parse(this.line) as EventEnvelope);
    return this.acct;
  }
}

export function eventOf(r: Fetched): StoredEvent | null {
  if (r.value === null) return null;
  const line = r.value.toString('utf8');
  const m = PREFIX.exec(line);
  if (m !== null) return new ReadEvent(Number(m[1]), Number(m[2]), JSON.parse(m[3]!) as string, m[4]!, line, hashOfLine(line));
  try { // written by something else: the whole line
    const o = JSON.parse(line) as { seq: number; ts: number; cmd: string; type: string };
    return new ReadEvent(o.seq, o.ts, o.cmd, o.type, line, hashOfLine(line));
  } catch { return null; }
}

/** The command id of an event record without decoding the rest. */
export function cmdOf(r: Fetched): string | null {
  if (r.value === null) return null;
  const m = PREFIX.exec(r.value.toString('utf8'));
  return m === null ? null : JSON.parse(m[3]!) as string;
}

export interface StateRecord {
  v: 1;
  seq: number;
  hash: string;
  /** Last consumed input position. */
  position: string;
  clock: Clock;
  /** Failed-request records written so far (for failedCount without reading the topic). */
  failed: number;
  summary: unknown;
}

export function stateMessage(market: string, s: Omit<StateRecord, 'v' | 'summary'>, summaryJson: string): Message {
  // the summary is already JSON: spliced in, not encoded twice
  const head = JSON.stringify({ v: 1, seq: s.seq, hash: s.hash, position: s.position, clock: s.clock, failed: s.failed });
  return { key: market, value: `${head.slice(0, -1)},"summary":${summaryJson}}`, partition: 0 };
}

export function stateOf(r: Fetched): StateRecord | null {
  if (r.value === null) return null;
  try {
    const o = JSON.parse(r.value.toString('utf8')) as StateRecord;
    return o.v === 1 && typeof o.seq === 'number' && typeof o.position === 'string' ? o : null;
  } catch { return null; }
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
    if (cur.length > 0 && bytes + s > maxBytes) { out.push(cur); cur = []; bytes = 0; }
    cur.push(m);
    bytes += s;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
