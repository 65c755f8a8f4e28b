// The file source: replays a recorded price history. Lines are CSV `ts,price` (a header line is
// skipped; further columns are ignored), JSON lines `{"ts": ms, "price": x}`, or recorded aggTrade
// messages (`T` and `p`). `ts` is ms since the epoch or an ISO-8601 time. The gate runs on the
// recorded time, so a replay at `--speed 60` sends the same ticks and heartbeats as one at the
// recorded speed, only sooner. Unreadable lines are counted and skipped; a row older than the one
// before it is replayed at the earlier row's time.
import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { readLines } from '../infra/lines.js';
import { parsePrice } from './aggtrade.js';
import type { FeedRunner } from './runner.js';

interface Row {
  t: number;
  price: number;
}

export type ParsedLine = { row: Row } | { skip: true } | { error: string };

export function parseLine(line: string, lineNo: number): ParsedLine {
  const text = line.trim();
  if (text === '' || text.startsWith('#')) return { skip: true };
  if (text.startsWith('{')) return parseJsonLine(text);
  const cells = text.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  if (cells.length < 2) return { error: 'expected ts,price' };
  const t = parseTime(cells[0]!);
  const price = parsePrice(cells[1]);
  if (lineNo === 1 && t === null && typeof price === 'string') return { skip: true }; // header
  if (t === null) return { error: `bad ts ${JSON.stringify(cells[0])}` };
  if (typeof price === 'string') return { error: price };
  return { row: { t, price } };
}

function parseJsonLine(text: string): ParsedLine {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { error: 'not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: 'not a JSON object' };
  const o = v as Record<string, unknown>;
  const aggTrade = o['e'] === 'aggTrade';
  const t = parseTime(aggTrade ? (o['T'] ?? o['E']) : o['ts']);
  const price = parsePrice(aggTrade ? o['p'] : o['price']);
  if (t === null) return { error: 'bad or missing ts' };
  if (typeof price === 'string') return { error: price };
  return { row: { t, price } };
}

/** ms since the epoch (a number or a numeric string) or an ISO-8601 time; else null. */
export function parseTime(v: unknown): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : null;
  if (typeof v !== 'string' || v === '') return null;
  if (/^-?\d+$/.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : null;
  }
  if (!/^\d{4}-\d\d-\d\d/.test(v)) return null;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : null;
}

export interface ReplayResult {
  rows: number;
  rejected: number;
  first_ts: number | null;
  last_ts: number | null;
}

/**
 * Replays `path` into the runner (started with `recorded: true`). `speed` 1 is the recorded
 * speed, 60 a minute per second; 0 does not wait at all. Stops early when `signal` aborts.
 */
export async function replayFile(runner: FeedRunner, path: string, speed: number, signal: AbortSignal): Promise<ReplayResult> {
  const res: ReplayResult = { rows: 0, rejected: 0, first_ts: null, last_ts: null };
  let wallStart = 0;
  const sleepUntil = async (t: number): Promise<void> => {
    if (speed === 0 || res.first_ts === null) return;
    const wait = wallStart + (t - res.first_ts) / speed - performance.now();
    if (wait > 0) await sleep(wait, undefined, { signal });
  };
  const input = createReadStream(path);
  try {
    let lineNo = 0;
    for await (const line of readLines(input)) {
      lineNo++;
      if (signal.aborted) break;
      const p = parseLine(line, lineNo);
      if ('skip' in p) continue;
      if ('error' in p) {
        res.rejected++;
        runner.rejected(`line ${lineNo}: ${p.error}`, line);
        continue;
      }
      const t = res.last_ts === null ? p.row.t : Math.max(res.last_ts, p.row.t);
      if (res.first_ts === null) {
        res.first_ts = t;
        wallStart = performance.now();
      }
      await runner.advanceTo(t, sleepUntil);
      await sleepUntil(t);
      runner.offerAt(p.row.price, p.row.t, t);
      res.rows++;
      res.last_ts = t;
    }
    // what is still due after the last row (a throttled tick, a heartbeat)
    if (!signal.aborted && res.last_ts !== null) await runner.advanceTo(Infinity, sleepUntil);
  } catch (e) {
    if ((e as Error).name !== 'AbortError') throw e;
  } finally {
    input.destroy();
  }
  return res;
}
