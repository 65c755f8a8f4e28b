// Input mutators for the fuzzer: JSON-aware edits of a valid value (replace, delete, add hostile
// keys, change types, extreme numbers, deep nesting) and text-level damage of its serialisation
// (truncation, stray bytes, lone surrogates, duplicate keys, numbers that overflow to Infinity,
// oversized records). All draws come from the seeded Prng, so input i of seed s is reproducible.
import type { Prng } from '../../infra/prng.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', ''];

const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  1e-9,
  5e-324,
  -5e-324,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e21,
  1e300,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  123456789.12345679, // as many digits as a double holds
  60000,
  60000.5,
  49999.99999999999,
];

const STRINGS = [
  '',
  ' ',
  'null',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e400',
  '0x10',
  'LONG',
  'SHORT',
  'MARKET',
  'LIMIT',
  'SLTP',
  'LEND',
  'DARK',
  'Stoploss',
  'acc-1',
  'account_id',
  '\u0000',
  '\ud800',
  '\udfff',
  '\u202e',
  '\ufeff',
  'é',
  '😀',
  '"',
  '\\',
  '</script>',
];

export function randomScalar(rng: Prng): Json {
  switch (rng.int(0, 5)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick(NUMBERS);
    case 3:
      return rng.pick(STRINGS);
    case 4:
      return 'x'.repeat(rng.pick([1, 127, 128, 129, 1000, 70_000]));
    default:
      return rng.int(-1000, 100_000) * rng.pick([1, 0.01, 1000]);
  }
}

export function deepNest(depth: number, open: '[' | '{'): string {
  return open === '[' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

function randomValue(rng: Prng, depth = 0): Json {
  if (depth > 2 || rng.chance(0.7)) return randomScalar(rng);
  if (rng.chance(0.5)) return Array.from({ length: rng.int(0, 3) }, () => randomValue(rng, depth + 1));
  const o: { [k: string]: Json } = {};
  for (let i = rng.int(0, 3); i > 0; i--) o[rng.pick(['a', 'price', 'sl', 'tp', 'account_id', 'enabled'])] = randomValue(rng, depth + 1);
  return o;
}

/** Containers of a value, with their paths, so a mutation can land at any depth. */
function containers(v: Json, out: (Json[] | { [k: string]: Json })[] = []): (Json[] | { [k: string]: Json })[] {
  if (v !== null && typeof v === 'object') {
    out.push(v);
    for (const c of Array.isArray(v) ? v : Object.values(v)) containers(c, out);
  }
  return out;
}

/** One JSON-aware edit, in place. */
export function mutateValue(rng: Prng, root: Json): void {
  const all = containers(root);
  if (all.length === 0) return;
  const c = rng.pick(all);
  if (Array.isArray(c)) {
    if (c.length > 0 && rng.chance(0.5)) c[rng.int(0, c.length - 1)] = randomValue(rng);
    else c.push(randomValue(rng));
    return;
  }
  const keys = Object.keys(c);
  const k = keys.length > 0 ? rng.pick(keys) : 'x';
  switch (rng.int(0, 7)) {
    case 0:
      delete c[k];
      break;
    case 1:
      c[k] = randomValue(rng);
      break;
    case 2:
      c[k] = randomScalar(rng);
      break;
    case 3: {
      // the same value as another type
      const v = c[k];
      c[k] = typeof v === 'number' ? String(v) : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : [v ?? null];
      break;
    }
    case 4:
      Object.defineProperty(c, rng.pick(HOSTILE_KEYS), { value: randomValue(rng), enumerable: true, configurable: true, writable: true });
      break;
    case 5: {
      const v = c[k];
      delete c[k];
      c[`${k}${rng.pick(['_', 'X', ' ', ''])}`.toUpperCase()] = v ?? null;
      break;
    }
    case 6:
      c[k] = typeof c[k] === 'number' ? (c[k] as number) * rng.pick([-1, 10, 1e10, 1e-10, 0]) : rng.pick(NUMBERS);
      break;
    default:
      c[k] = rng.chance(0.5) ? [] : {};
  }
}

/** Text-level damage of a serialised record. */
export function mutateText(rng: Prng, text: string): string {
  const at = rng.int(0, Math.max(0, text.length - 1));
  switch (rng.int(0, 12)) {
    case 0:
      return text.slice(0, at);
    case 1:
      return text.slice(0, at) + String.fromCharCode(rng.int(0, 0xffff)) + text.slice(at);
    case 2:
      return text.slice(0, at) + text.slice(at + 1);
    case 3:
      return text.slice(0, at) + rng.pick(['\ud800', '\udc00', '\ufffd', '\u0000', '\n', '\r', '\t', '\u2028']) + text.slice(at);
    case 4:
      return text.replace(
        /(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/,
        rng.pick(['1e400', '-1e400', `1${'0'.repeat(400)}`, '1e-400', '-0', '0.0000000000000000000001', '9007199254740993', '1.7976931348623157e309']),
      );
    case 5:
      return text.replace('{', `{"${rng.pick(HOSTILE_KEYS)}":${JSON.stringify(randomValue(rng))},`);
    case 6: {
      // duplicate key: the later one wins in JSON.parse
      const m = /"([a-z_]+)":/.exec(text.slice(at));
      return m === null ? text : text.replace('{', `{"${m[1]}":${JSON.stringify(randomScalar(rng))},`);
    }
    case 7:
      return text.slice(0, at) + deepNest(rng.pick([100, 1000, 10_000, 100_000]), rng.chance(0.5) ? '[' : '{') + text.slice(at);
    case 8:
      return `${text}${' '.repeat(rng.pick([1, 65_536]))}`;
    case 9:
      return text.replace(/"params":/, `"params":${rng.pick(['[]', 'null', '"x"', '1', '{}', '[{}]'])},"p":`);
    case 10:
      return rng.pick(['', ' ', 'null', 'true', '1', '"x"', '[]', '{}', '[{}]', '{"v":1}', 'NaN', 'Infinity', '{"a":1}{"b":2}', '\ufeff{}']);
    case 11:
      return text.repeat(rng.int(2, 3));
    default:
      return text.slice(0, at) + text.slice(at).toUpperCase();
  }
}

/** A mutated copy of `base` (a JSON object): 1–4 value edits, then maybe text damage. */
export function mutant(rng: Prng, base: object, textChance = 0.3): string {
  const v = JSON.parse(JSON.stringify(base)) as Json;
  for (let n = rng.int(0, 3); n >= 0; n--) mutateValue(rng, v);
  let text = JSON.stringify(v);
  if (rng.chance(textChance)) text = mutateText(rng, text);
  return text;
}

/** Bytes that are not valid UTF-8 (stray continuation, overlong, surrogate halves, truncated). */
export function badUtf8(rng: Prng, text: string): Buffer {
  const bad = rng.pick([[0x80], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xff, 0xfe], [0xf0, 0x9f, 0x98]]);
  const b = Buffer.from(text, 'utf8');
  const at = rng.int(0, b.length);
  return Buffer.concat([b.subarray(0, at), Buffer.from(bad), b.subarray(at)]);
}
