// One line of `relayer exec` (and of the simulator's and benchmarks' in-memory runs) through the
// engine: size limit, JSON parse, then the engine; a bad line is one Rejected, never an exception.
import { executeRaw, rejectUnparsable, type State } from '../engine/index.js';
import { jsonParseReason } from '../engine/util/json-error.js';
import { MAX_RECORD_BYTES } from './record.js';

/** One input line → its events; a line that is not JSON or too large is one Rejected. */
export function runLine(state: State, line: string, fallback: string, lineNo: number) {
  if (Buffer.byteLength(line, 'utf8') > MAX_RECORD_BYTES) {
    return rejectUnparsable(state, fallback, `line ${lineNo}: record exceeds ${MAX_RECORD_BYTES} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (e) {
    return rejectUnparsable(state, fallback, `line ${lineNo}: ${jsonParseReason(e)}`);
  }
  return executeRaw(state, parsed, fallback);
}
