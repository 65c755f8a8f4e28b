// Recordings of an index feed (SPEC §14): JSON lines. The first line is the header, with the
// sources and every setting the index and the tick gate used; then one line per source message
// `{"t": arrival ms, "src": name, "msg": "raw text"}`, in arrival order; and, after a clean stop,
// `{"end": last step ms}`. Replaying the messages at their arrival times through the same oracle
// and gate gives the same commands (src/feed/index-replay.ts).
import { closeSync, openSync, writeSync } from 'node:fs';
import type { GateOptions } from './gate.js';
import type { OracleSource } from './oracle.js';

export const RECORDING_FORMAT = 'relayer-feed-index/1';

export interface RecordingHeader {
  format: typeof RECORDING_FORMAT;
  sources: OracleSource[];
  quorum: number;
  max_deviation: number;
  source_stale_ms: number;
  step_ms: number;
  /** The first step the live feed ran. */
  first_step: number;
  gate: GateOptions;
}

export type RecordingLine =
  | { kind: 'header'; header: RecordingHeader }
  | { kind: 'message'; t: number; src: string; msg: string }
  | { kind: 'end'; t: number }
  | { kind: 'bad'; reason: string };

export function parseRecordingLine(line: string, first: boolean): RecordingLine {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { kind: 'bad', reason: 'not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { kind: 'bad', reason: 'not a JSON object' };
  const o = v as Record<string, unknown>;
  if (first) {
    if (o['format'] !== RECORDING_FORMAT) return { kind: 'bad', reason: `not a ${RECORDING_FORMAT} header` };
    return { kind: 'header', header: o as unknown as RecordingHeader };
  }
  if (typeof o['end'] === 'number') return { kind: 'end', t: o['end'] };
  const { t, src, msg } = o;
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || typeof src !== 'string' || typeof msg !== 'string') {
    return { kind: 'bad', reason: 'want {t, src, msg}' };
  }
  return { kind: 'message', t, src, msg };
}

/**
 * Appends a recording; synchronous writes, so what a crash leaves is complete lines. A write that
 * fails (disk full) ends the recording, told once through `onError`: the input log, not the
 * recording, is the record of what the feed sent, so the feed goes on.
 */
export class Recorder {
  private fd: number | null;

  constructor(
    path: string,
    header: RecordingHeader,
    private readonly onError: (err: Error) => void = () => {},
  ) {
    this.fd = openSync(path, 'w');
    writeSync(this.fd, `${JSON.stringify(header)}\n`);
  }

  message(src: string, t: number, msg: string): void {
    this.line({ t, src, msg });
  }

  end(lastStep: number | null): void {
    if (this.fd === null) return;
    if (lastStep !== null) this.line({ end: lastStep });
    closeSync(this.fd);
    this.fd = null;
  }

  private line(o: object): void {
    if (this.fd === null) return;
    try {
      writeSync(this.fd, `${JSON.stringify(o)}\n`);
    } catch (e) {
      try {
        closeSync(this.fd);
      } catch {
        /* already failing */
      }
      this.fd = null;
      this.onError(e as Error);
    }
  }
}
