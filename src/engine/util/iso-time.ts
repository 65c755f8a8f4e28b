// ISO-8601 UTC text of a millisecond timestamp, computed without Date (the engine reads no clock).
// Civil-from-days conversion (proleptic Gregorian calendar). Built flat from char codes; the last
// result is reused (the commands of one batch mostly share a millisecond) and so is the date of
// the last day, so a new millisecond only fills in the time of day.

const codes: number[] = new Array<number>(24);
let lastMs = NaN;
let lastText = '';
let lastDay = NaN;

function put(at: number, n: number, width: number): void {
  for (let i = width - 1; i >= 0; i--) {
    codes[at + i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
}

export function isoTime(ms: number): string {
  if (ms === lastMs) return lastText;
  const days = Math.floor(ms / 86_400_000);
  let rem = ms - days * 86_400_000;
  const hh = Math.floor(rem / 3_600_000);
  rem -= hh * 3_600_000;
  const mi = Math.floor(rem / 60_000);
  rem -= mi * 60_000;
  const ss = Math.floor(rem / 1000);
  const mss = rem - ss * 1000;
  if (days === lastDay) {
    // codes[0..10] still hold this day's date
    put(11, hh, 2);
    put(14, mi, 2);
    put(17, ss, 2);
    put(20, mss, 3);
    lastMs = ms;
    lastText = String.fromCharCode.apply(null, codes);
    return lastText;
  }
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  let text: string;
  if (y >= 0 && y <= 9999) {
    put(0, y, 4);
    codes[4] = 45;
    put(5, m, 2);
    codes[7] = 45;
    put(8, d, 2);
    codes[10] = 84;
    put(11, hh, 2);
    codes[13] = 58;
    put(14, mi, 2);
    codes[16] = 58;
    put(17, ss, 2);
    codes[19] = 46;
    put(20, mss, 3);
    codes[23] = 90;
    text = String.fromCharCode.apply(null, codes);
    lastDay = days;
  } else {
    lastDay = NaN;
    const pad = (n: number, w: number): string => String(n).padStart(w, '0');
    const year = (y < 0 ? '-' : '+') + pad(Math.abs(y), 6);
    text = `${year}-${pad(m, 2)}-${pad(d, 2)}T${pad(hh, 2)}:${pad(mi, 2)}:${pad(ss, 2)}.${pad(mss, 3)}Z`;
  }
  lastMs = ms;
  lastText = text;
  return text;
}
