// Replaying an index recording (src/feed/recording.ts): the messages go to a fresh oracle at their
// recorded arrival times and the steps run on the recorded grid from the recorded first step, so
// the commands are the live feed's (SPEC §14). `speed` maps recorded time to wall time as for the
// price-history replay (0: no waiting). Unreadable lines are counted and skipped.
import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../infra/logger.js';
import { readLines } from '../infra/lines.js';
import { applyStep } from './index-notes.js';
import { Oracle } from './oracle.js';
import type { RecordingHeader } from './recording.js';
import { parseRecordingLine } from './recording.js';
import type { FeedRunner } from './runner.js';

export interface IndexReplayResult {
  messages: number;
  rejected: number;
  steps: number;
  first_step: number | null;
  last_step: number | null;
  /** Per source, as the live feed's status lines show it (trades, dropped, exclusions…). */
  sources: Oracle['stats'];
}

/** Reads the header only (null if the file is not an index recording). */
export async function readRecordingHeader(path: string): Promise<RecordingHeader | null> {
  const input = createReadStream(path);
  try {
    for await (const line of readLines(input)) {
      const p = parseRecordingLine(line, true);
      return p.kind === 'header' ? p.header : null;
    }
    return null;
  } finally {
    input.destroy();
  }
}

export async function replayIndexFile(runner: FeedRunner, path: string, speed: number, log: Logger, signal: AbortSignal): Promise<IndexReplayResult> {
  const res: IndexReplayResult = { messages: 0, rejected: 0, steps: 0, first_step: null, last_step: null, sources: {} };
  let oracle: Oracle | null = null;
  let header: RecordingHeader | null = null;
  let next = 0;
  let lastMsg: number | null = null;
  const wallStart = performance.now();
  const stepTo = async (limit: number, inclusive: boolean): Promise<void> => {
    while ((inclusive ? next <= limit : next < limit) && !signal.aborted) {
      if (speed > 0) {
        const wait = wallStart + (next - header!.first_step) / speed - performance.now();
        if (wait > 0) await sleep(wait, undefined, { signal });
      }
      applyStep(oracle!.step(next), runner, log);
      res.steps++;
      res.first_step ??= next;
      res.last_step = next;
      next += header!.step_ms;
    }
  };
  const input = createReadStream(path);
  try {
    let lineNo = 0;
    let end: number | null = null;
    for await (const line of readLines(input)) {
      lineNo++;
      if (signal.aborted) break;
      if (line.trim() === '') continue;
      const p = parseRecordingLine(line, lineNo === 1);
      if (p.kind === 'header') {
        header = p.header;
        oracle = new Oracle(header.sources, { quorum: header.quorum, maxDeviation: header.max_deviation, staleMs: header.source_stale_ms }, runner.gate);
        next = header.first_step;
        res.sources = oracle.stats;
        continue;
      }
      if (oracle === null) throw new Error(`${path}: not an index recording (line 1: ${p.kind === 'bad' ? p.reason : 'no header'})`);
      if (p.kind === 'bad') {
        res.rejected++;
        runner.rejected(`line ${lineNo}: ${p.reason}`, line);
        continue;
      }
      if (p.kind === 'end') {
        end = p.t;
        break;
      }
      if (lastMsg !== null && p.t < lastMsg) {
        res.rejected++;
        runner.rejected(`line ${lineNo}: arrival time goes back`, line);
        continue;
      }
      await stepTo(p.t, false);
      try {
        const m = oracle.message(p.src, p.msg, p.t);
        if (m.kind === 'malformed') runner.rejected(`${p.src}: ${m.reason}`, p.msg);
      } catch (e) {
        res.rejected++;
        runner.rejected(`line ${lineNo}: ${(e as Error).message}`, line);
        continue;
      }
      lastMsg = p.t;
      res.messages++;
    }
    // a clean recording names its last step; after a crash, step on until every source is stale
    if (oracle !== null && !signal.aborted) {
      await stepTo(end ?? (lastMsg ?? next) + header!.source_stale_ms + header!.step_ms, true);
    }
  } catch (e) {
    if ((e as Error).name !== 'AbortError') throw e;
  } finally {
    input.destroy();
  }
  return res;
}
