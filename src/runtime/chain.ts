// The event log's hash chain (SPEC §12): the writer serialises {v, seq, ts, cmd, type, data, prev}
// in that key order, hashes that exact text with SHA-256, and stores it with ,"hash":"…" inserted
// before the final brace. A verifier strips that member and hashes the rest, byte for byte.
import { hash as digest } from 'node:crypto';
import type { EventEnvelope } from '../engine/index.js';
import { sealLine } from '../store/event-line.js';

export const GENESIS_HASH = '0'.repeat(64);

interface ChainedLine {
  line: string;
  hash: string;
}

/** An event's body up to its data, without the closing brace: what sealing with `prev` completes. */
export function eventHead(e: EventEnvelope): string {
  return `{"v":${e.v},"seq":${e.seq},"ts":${e.ts},"cmd":${JSON.stringify(e.cmd)},"type":"${e.type}","data":${JSON.stringify(e.data)}`;
}

/** Serialises one event with its predecessor's hash; returns the stored line and its hash. */
function chainEvent(e: EventEnvelope, prev: string): ChainedLine {
  return sealLine(eventHead(e), prev);
}

/** Keeps the running hash so a sequence of batches chains correctly. */
export class ChainWriter {
  constructor(public last: string = GENESIS_HASH) {}

  push(e: EventEnvelope): string {
    const c = chainEvent(e, this.last);
    this.last = c.hash;
    return c.line;
  }
}

const HASH_SUFFIX = /,"hash":"([0-9a-f]{64})"\}$/;

export interface CheckedLine {
  seq: number;
  prev: string;
  hash: string;
  ok: boolean;
  reason?: string;
}

/** Checks one stored line on its own: its hash matches its text. Linking is the caller's job. */
export function checkLine(line: string): CheckedLine {
  const m = HASH_SUFFIX.exec(line);
  if (m === null) return { seq: NaN, prev: '', hash: '', ok: false, reason: 'no trailing hash member' };
  const body = `${line.slice(0, m.index)}}`;
  const actual = digest('sha256', body, 'hex');
  let rec: { seq?: unknown; prev?: unknown };
  try {
    rec = JSON.parse(body) as typeof rec;
  } catch {
    return { seq: NaN, prev: '', hash: m[1]!, ok: false, reason: 'not JSON' };
  }
  const seq = typeof rec.seq === 'number' ? rec.seq : NaN;
  const prev = typeof rec.prev === 'string' ? rec.prev : '';
  if (actual !== m[1]) return { seq, prev, hash: m[1]!, ok: false, reason: 'hash does not match the record' };
  return { seq, prev, hash: actual, ok: true };
}
