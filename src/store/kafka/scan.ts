// Reading a partition's committed records in order through any RecordReader: a whole range, or
// the last record that matches, looking back from the end in growing windows.
import type { Fetched, RecordReader } from './ports.js';

/**
 * Reads [from, end) of a partition in order, past control records, calling `each` per page.
 * `end` is taken when the scan starts unless given; returns the offset reached.
 */
export async function scan(
  f: RecordReader,
  topic: string,
  from: number,
  // biome-ignore lint/suspicious/noConfusingVoidType: callers pass blocks that return nothing; only `false` stops the scan
  each: (recs: Fetched[]) => boolean | void,
  opts: { end?: number; maxBytes?: number } = {},
): Promise<number> {
  const end = opts.end ?? (await f.bounds(topic)).end;
  let at = from;
  while (at < end) {
    const r = await f.fetch(topic, at, opts.maxBytes ?? 4 << 20, 0);
    if (r.next === at) break; // nothing more is visible (end moved back: records deleted)
    const recs = r.records.filter((x) => x.offset < end);
    at = Math.min(r.next, end);
    if (recs.length > 0 && each(recs) === false) break;
  }
  return at;
}

/** The last committed record of a topic that `match`es, reading back from the end in growing windows. */
export async function lastRecord(f: RecordReader, topic: string, match: (r: Fetched) => boolean): Promise<Fetched | null> {
  const { start, end } = await f.bounds(topic);
  let hi = end;
  let window = 8;
  while (hi > start) {
    const lo = Math.max(start, hi - window);
    let found: Fetched | null = null;
    await scan(
      f,
      topic,
      lo,
      (recs) => {
        for (const r of recs) if (match(r)) found = r;
      },
      { end: hi, maxBytes: 1 << 20 },
    );
    if (found !== null) return found;
    hi = lo;
    window *= 4;
  }
  return null;
}
