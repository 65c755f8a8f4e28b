// The index price rule (SPEC §14), a pure function of each source's last price and arrival time
// and of the step time `t`: the sources fresher than `staleMs`; fewer than `quorum` → no index;
// else m = their median, drop each source with |p − m| / m > maxDeviation, fewer than `quorum`
// left → no index, else the index is the median of those left.

export interface IndexRule {
  /** Least number of fresh, agreeing sources (SPEC default ⌊N/2⌋ + 1). */
  quorum: number;
  /** Largest relative distance from the median a source may have (SPEC default 0.01). */
  maxDeviation: number;
  /** A source whose last price arrived more than this long before the step is stale (SPEC default 10 000). */
  staleMs: number;
}

export const DEFAULT_MAX_DEVIATION = 0.01;
export const DEFAULT_SOURCE_STALE_MS = 10_000;

export function defaultQuorum(n: number): number {
  return Math.floor(n / 2) + 1;
}

/** A source's last price and the local time it arrived (null before its first). */
export interface SourceQuote {
  name: string;
  price: number | null;
  at: number | null;
}

export type Exclusion = 'stale' | 'deviation';

export interface IndexResult {
  /** The index, or null when the quorum is not met. */
  price: number | null;
  /** The sources the index was taken over, name → price (sorted by name). */
  sources: Record<string, number>;
  /** The sources left out and why (sorted by name). */
  excluded: Record<string, Exclusion>;
  /** Why there is no index: too few fresh sources, or too few left after the deviation drop. */
  short: 'fresh' | 'agreeing' | null;
}

/** The median; an even count takes the mean of the two middle values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function indexAt(quotes: readonly SourceQuote[], t: number, rule: IndexRule): IndexResult {
  const ordered = [...quotes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const excluded: Record<string, Exclusion> = {};
  const fresh: { name: string; price: number }[] = [];
  for (const q of ordered) {
    if (q.price === null || q.at === null || t - q.at > rule.staleMs) excluded[q.name] = 'stale';
    else fresh.push({ name: q.name, price: q.price });
  }
  if (fresh.length < rule.quorum || fresh.length === 0) return { price: null, sources: {}, excluded, short: 'fresh' };
  const m = median(fresh.map((f) => f.price));
  const sources: Record<string, number> = {};
  for (const f of fresh) {
    if (Math.abs(f.price - m) / m > rule.maxDeviation) excluded[f.name] = 'deviation';
    else sources[f.name] = f.price;
  }
  const used = Object.values(sources);
  if (used.length < rule.quorum || used.length === 0) return { price: null, sources: {}, excluded: sortKeys(excluded), short: 'agreeing' };
  return { price: median(used), sources, excluded: sortKeys(excluded), short: null };
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
