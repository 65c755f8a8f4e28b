// ISO-8601 UTC text of a millisecond timestamp, computed without Date (the engine reads no clock).
// Civil-from-days conversion (proleptic Gregorian calendar). The date's ten characters are kept
// as char codes for the last day seen and the text is made by one fixed-arity fromCharCode (no
// array, no apply); the last result is reused (the events of one command share its millisecond).

let lastMs = NaN;
let lastText = '';
let lastDay = NaN;
// the date of lastDay, YYYY-MM-DD, as char codes
let y0 = 0;
let y1 = 0;
let y2 = 0;
let y3 = 0;
let mo0 = 0;
let mo1 = 0;
let d0 = 0;
let d1 = 0;

const ZERO = 48;

// the time of day of the timestamp being printed (set by splitTime; module scratch, no allocation)
let hh = 0;
let mi = 0;
let ss = 0;
let mss = 0;

function splitTime(msOfDay: number): void {
  hh = Math.floor(msOfDay / 3_600_000);
  let rem = msOfDay - hh * 3_600_000;
  mi = Math.floor(rem / 60_000);
  rem -= mi * 60_000;
  ss = Math.floor(rem / 1000);
  mss = rem - ss * 1000;
}

export function isoTime(ms: number): string {
  if (ms === lastMs) return lastText;
  const days = Math.floor(ms / 86_400_000);
  if (days !== lastDay && !setDay(days)) return outsideFourDigitYears(ms, days);
  splitTime(ms - days * 86_400_000);
  const m100 = Math.floor(mss / 100);
  const m10 = Math.floor(mss / 10) - m100 * 10;
  lastText = String.fromCharCode(
    y0,
    y1,
    y2,
    y3,
    45,
    mo0,
    mo1,
    45,
    d0,
    d1,
    84,
    ZERO + Math.floor(hh / 10),
    ZERO + (hh % 10),
    58,
    ZERO + Math.floor(mi / 10),
    ZERO + (mi % 10),
    58,
    ZERO + Math.floor(ss / 10),
    ZERO + (ss % 10),
    46,
    ZERO + m100,
    ZERO + m10,
    ZERO + (mss % 10),
    90,
  );
  lastMs = ms;
  return lastText;
}

interface Civil {
  y: number;
  m: number;
  d: number;
}

function civil(days: number): Civil {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

/** Makes `days` the cached day; false for a year outside 0000–9999 (not cached). */
function setDay(days: number): boolean {
  const { y, m, d } = civil(days);
  if (y < 0 || y > 9999) return false;
  y0 = ZERO + Math.floor(y / 1000);
  y1 = ZERO + (Math.floor(y / 100) % 10);
  y2 = ZERO + (Math.floor(y / 10) % 10);
  y3 = ZERO + (y % 10);
  mo0 = ZERO + Math.floor(m / 10);
  mo1 = ZERO + (m % 10);
  d0 = ZERO + Math.floor(d / 10);
  d1 = ZERO + (d % 10);
  lastDay = days;
  return true;
}

/** Expanded years (±YYYYYY), as Date#toISOString prints them. */
function outsideFourDigitYears(ms: number, days: number): string {
  const { y, m, d } = civil(days);
  splitTime(ms - days * 86_400_000);
  const pad = (n: number, w: number): string => String(n).padStart(w, '0');
  const year = (y < 0 ? '-' : '+') + pad(Math.abs(y), 6);
  lastMs = ms;
  lastText = `${year}-${pad(m, 2)}-${pad(d, 2)}T${pad(hh, 2)}:${pad(mi, 2)}:${pad(ss, 2)}.${pad(mss, 3)}Z`;
  return lastText;
}
