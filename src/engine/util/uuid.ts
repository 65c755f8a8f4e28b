// Name-based uuids (RFC 4122 version 5) for the ids a command mints (SPEC §2, §12). The name is
// encoded as UTF-8 straight into a scratch block after the namespace and hashed in place, and the
// text is built flat from char codes (a concatenated uuid is a rope that every Map lookup
// re-flattens): minting allocates only the uuid string.
import { UUID_NAMESPACE } from '../types.js';
import { paddedLength, sha1Into } from './sha1.js';

const HEX = '0123456789abcdef';
const codes: number[] = new Array<number>(36);
const H = new Int32Array(5);
let scratch = new Uint8Array(256);

/** The 16 bytes of a uuid's text (a namespace for uuidv5). */
export function parseUuid(u: string): Uint8Array {
  const hex = u.replace(/-/g, '');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const NS = parseUuid(UUID_NAMESPACE);

/** Writes the UTF-8 of `s` at `at` (room is ensured by the caller); returns the end. */
function putUtf8(buf: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[at++] = c;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x800) {
      buf[at++] = 0xc0 | (c >> 6);
      buf[at++] = 0x80 | (c & 63);
    } else if (c < 0x10000) {
      buf[at++] = 0xe0 | (c >> 12);
      buf[at++] = 0x80 | ((c >> 6) & 63);
      buf[at++] = 0x80 | (c & 63);
    } else {
      buf[at++] = 0xf0 | (c >> 18);
      buf[at++] = 0x80 | ((c >> 12) & 63);
      buf[at++] = 0x80 | ((c >> 6) & 63);
      buf[at++] = 0x80 | (c & 63);
    }
  }
  return at;
}

/** uuidv5 of the name `a` followed by `b` (b may be empty), without building the name string. */
function uuidOfName(a: string, b: string, namespace: Uint8Array): string {
  const need = paddedLength(16 + (a.length + b.length) * 3);
  if (scratch.length < need) scratch = new Uint8Array(need * 2);
  scratch.set(namespace);
  const len = putUtf8(scratch, putUtf8(scratch, 16, a), b);
  sha1Into(scratch, len, H);
  let c = 0;
  for (let i = 0; i < 16; i++) {
    let byte = (H[i >>> 2]! >>> (24 - 8 * (i & 3))) & 0xff;
    if (i === 6) byte = (byte & 0x0f) | 0x50;
    else if (i === 8) byte = (byte & 0x3f) | 0x80;
    if (i === 4 || i === 6 || i === 8 || i === 10) codes[c++] = 45; // '-'
    codes[c++] = HEX.charCodeAt(byte >>> 4);
    codes[c++] = HEX.charCodeAt(byte & 15);
  }
  return String.fromCharCode.apply(null, codes);
}

export function uuidv5(name: string, namespace: Uint8Array = NS): string {
  return uuidOfName(name, '', namespace);
}

/** The n-th uuid minted by command `id` (§12): uuidv5(id + ":" + n), in the market's namespace (§13). */
export function mintedUuid(id: string, n: number, namespace: Uint8Array = NS): string {
  return uuidOfName(id, n === 0 ? ':0' : `:${n}`, namespace);
}
