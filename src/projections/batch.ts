// What a projection consumes: committed events read from the backend in seq order, parsed once,
// grouped in batches. A batch is applied to a read model together with its last seq and hash.
import { accountOf, type EventEnvelope } from '../engine/index.js';
import type { StoredEvent } from '../store/types.js';

/** Where a read model stands: the last event applied (seq 0 / genesis hash = nothing yet). */
export interface Checkpoint {
  seq: number;
  hash: string;
}

export const GENESIS_CHECKPOINT: Readonly<Checkpoint> = Object.freeze({ seq: 0, hash: '0'.repeat(64) });

export interface ProjectedEvent {
  env: EventEnvelope;
  /** The stored, hash-chained line exactly as the log holds it. */
  line: string;
  hash: string;
  account: string | null;
}

export interface Batch {
  /** How many events (they are not kept: builders take what they need as each event passes). */
  count: number;
  /** The checkpoint the read model must be at before this batch… */
  from: Checkpoint;
  /** …and the one it is at after it. */
  to: Checkpoint;
  /** ts of the last event (the read model's clock). */
  lastTs: number;
  /** True when the read reached the head of the log: the batch is live, not catch-up. */
  live: boolean;
}

/** The envelope tail every stored line ends with: ,"prev":"<64 hex>","hash":"<64 hex>"} */
const TAIL = ',"prev":"'.length + 64 + '","hash":"'.length + 64 + '"}'.length;
const DATA_KEY = '"data":';

/**
 * The `data` member of a stored line as its original text (no re-serialisation). The writer puts
 * `data` right before `prev` and `hash` (SPEC §12), so it spans from the first `"data":` key to the
 * fixed-size tail; a `"data":` inside the cmd string would be escaped (`\"data\":`).
 */
export function dataText(line: string): string {
  const i = line.indexOf(DATA_KEY);
  const end = line.length - TAIL;
  if (i < 0 || end <= i || line.charCodeAt(end) !== 44 /* , */ || line.charCodeAt(end - 1) !== 125 /* } */) {
    const env = JSON.parse(line) as { data: unknown };
    return JSON.stringify(env.data);
  }
  return line.slice(i + DATA_KEY.length, end);
}

export function parseStored(rows: readonly StoredEvent[]): ProjectedEvent[] {
  const out = new Array<ProjectedEvent>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const env = JSON.parse(r.line) as EventEnvelope;
    if (env.seq !== r.seq) throw new Error(`stored event ${r.seq} carries seq ${env.seq}`);
    out[i] = { env, line: r.line, hash: r.hash, account: r.account };
  }
  return out;
}

/** [seq, line, hash] rows (the embedded store's lean read): the account is derived as the writer did. */
export function parseLines(rows: readonly [number, string, string][]): ProjectedEvent[] {
  const out = new Array<ProjectedEvent>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const [seq, line, hash] = rows[i]!;
    const env = JSON.parse(line) as EventEnvelope;
    if (env.seq !== seq) throw new Error(`stored event ${seq} carries seq ${env.seq}`);
    out[i] = { env, line, hash, account: accountOf(env) };
  }
  return out;
}
