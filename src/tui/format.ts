// Number and time formatting for the book's frames: prices in USD, sizes in BTC (from sats),
// signed amounts in sats, durations and UTC clock times. Pure string functions.

const SATS_PER_BTC = 100_000_000;

/** 60123.4 → "60,123"; null → "—". */
export function price(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return '—';
  return group(Math.round(p));
}

/** A signed USD move: "+12", "−1,204", "0". */
export function signedUsd(d: number | null): string {
  if (d === null) return '—';
  const r = Math.round(d);
  return r > 0 ? `+${group(r)}` : r < 0 ? `−${group(-r)}` : '0';
}

/** Sats as BTC with `digits` decimals: 2_000_000 → "0.0200". */
export function btc(sats: number, digits = 4): string {
  const v = sats / SATS_PER_BTC;
  const neg = v < 0;
  const [int, frac] = Math.abs(v).toFixed(digits).split('.') as [string, string | undefined];
  return `${neg ? '−' : ''}${group(Number(int))}${frac === undefined ? '' : `.${frac}`}`;
}

/** Signed BTC: "+0.0200" / "−0.0200". */
export function signedBtc(sats: number, digits = 4): string {
  return sats > 0 ? `+${btc(sats, digits)}` : btc(sats, digits);
}

/** Signed sats with grouping: "+4,684", "−10,000". */
export function signedSats(n: number | null): string {
  if (n === null) return '—';
  const r = Math.round(n);
  return r > 0 ? `+${group(r)}` : r < 0 ? `−${group(-r)}` : '0';
}

/** A grouped decimal: decimal(10000.04, 1) → "10,000.0". */
export function decimal(n: number, digits: number): string {
  const [i, d] = Math.abs(n).toFixed(digits).split('.') as [string, string | undefined];
  return `${n < 0 ? '−' : ''}${group(Number(i))}${d === undefined ? '' : `.${d}`}`;
}

export function int(n: number): string {
  return group(Math.round(n));
}

/** A percentage: pct(0.3125) → "0.31%"; signed adds "+". */
export function pct(x: number | null, digits = 2, signed = false): string {
  if (x === null || !Number.isFinite(x)) return '—';
  const s = Math.abs(x).toFixed(digits);
  const sign = x < 0 && Number(s) !== 0 ? '−' : signed && x > 0 ? '+' : '';
  return `${sign}${s}%`;
}

/** A countdown: 4_000 → "0:04", 3_723_000 → "1:02:03", ≤ 0 → "due". */
export function countdown(ms: number): string {
  if (ms <= 0) return 'due';
  const t = Math.ceil(ms / 1000);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** An age: 250 → "0.3s", 65_000 → "1m05s". */
export function age(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  if (m < 60) return `${m}m${two(Math.floor((ms % 60_000) / 1000))}s`;
  return `${Math.floor(m / 60)}h${two(m % 60)}m`;
}

/** A period: 10_000 → "10s", 3_600_000 → "1h". */
export function period(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}

/** hh:mm:ss in UTC. */
export function clock(ts: number): string {
  return new Date(ts).toISOString().slice(11, 19);
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** A sparkline of the last `width` values. */
export function sparkline(values: readonly number[], width: number): string {
  const v = values.slice(-width);
  if (v.length < 2) return '';
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  if (hi === lo) return SPARKS[3]!.repeat(v.length);
  return v.map((x) => SPARKS[Math.min(7, Math.floor(((x - lo) / (hi - lo)) * 8))]!).join('');
}

/** A horizontal bar of `fraction` × width cells. */
export function bar(fraction: number, width: number): string {
  const n = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return '█'.repeat(n);
}

/** Pads or cuts to exactly `w` columns (left-aligned), or right-aligned with `right`. */
export function fit(s: string, w: number, right = false): string {
  if (w <= 0) return '';
  if (s.length > w) return w === 1 ? '…' : `${s.slice(0, w - 1)}…`;
  return right ? s.padStart(w) : s.padEnd(w);
}

function group(n: number): string {
  const neg = n < 0;
  const digits = String(Math.abs(n));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return neg ? `-${out}` : out;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
