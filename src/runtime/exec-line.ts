// One line of `relayer exec` (and of the simulator's and benchmarks' in-memory runs) through the
// engine: size limit, JSON parse, then the engine; a bad line is one Rejected, never an exception.
import { executeRaw, rejectUnparsable, type State } from '../engine/index.js';
import { jsonParseReason } from '../engine/util/json-error.js';
import { MAX_RECORD_BYTES } from './record.js';

/** One input line → its events; a line that is not JSON or too large is one Rejected. */
export function runLine(state: State, line: string, fallback: string, lineNo: number) {
  // UTF-8 takes at most 3 bytes per UTF-16 unit, so only a long line needs counting (D291)
  if (line.length * 3 > MAX_RECORD_BYTES && Buffer.byteLength(line, 'utf8') > MAX_RECORD_BYTES) {
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
