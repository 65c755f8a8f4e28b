// One input record through the engine: size limit, JSON parse, the log's ts stamped onto the
// envelope, then the engine. Anything wrong becomes a Rejected event, never an exception.
import { jsonParseReason } from '../engine/util/json-error.js';
import { executeRaw, rejectUnparsable, type EventEnvelope, type State } from '../engine/index.js';
import type { FailedRecord, InputRecord } from '../store/types.js';

/** Largest accepted command record in bytes (UTF-8). */
export const MAX_RECORD_BYTES = 64 * 1024;

function fallbackId(position: string): string {
  return `inbox:${position}`;
}

/** Parses a raw record and stamps the log's ts on it; a string error when it cannot be a command. */
export function toEnvelope(raw: string, ts: number): { value: unknown } | { error: string } {
  if (Buffer.byteLength(raw, 'utf8') > MAX_RECORD_BYTES) return { error: `record exceeds ${MAX_RECORD_BYTES} bytes` };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    return { error: `not JSON: ${jsonParseReason(e)}` };
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) (value as Record<string, unknown>)['ts'] = ts;
  return { value };
}

export function runRecord(state: State, rec: InputRecord): EventEnvelope[] {
  const env = toEnvelope(rec.raw, rec.ts);
  const fb = fallbackId(rec.position);
  if ('error' in env) return rejectUnparsable(state, fb, env.error);
  return executeRaw(state, env.value, fb);
}

/** The failed-request record of a command whose outcome includes a rejection, else null. */
export function failedOf(rec: InputRecord, events: readonly EventEnvelope[]): FailedRecord | null {
  for (const e of events) {
    if (e.type !== 'Rejected') continue;
    return {
      position: rec.position,
      ts: e.ts,
      id: e.cmd.startsWith('inbox:') ? null : e.cmd,
      reason_code: e.data.reason_code,
      reason: e.data.reason,
      raw: rec.raw,
    };
  }
  return null;
}
