// Name-based uuids (RFC 4122 version 5) for the ids a command mints (SPEC §2, §12). Built as one
// flat string from char codes: a concatenated uuid is a rope that every Map lookup re-flattens.
import { UUID_NAMESPACE } from '../types.js';
import { sha1 } from './sha1.js';
import { utf8Bytes } from './utf8.js';

const HEX = '0123456789abcdef';
const codes: number[] = new Array<number>(36);

function parseUuid(u: string): Uint8Array {
  const hex = u.replace(/-/g, '');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const NS = parseUuid(UUID_NAMESPACE);

export function uuidv5(name: string, namespace: Uint8Array = NS): string {
  const nameBytes = utf8Bytes(name);
  const input = new Uint8Array(16 + nameBytes.length);
  input.set(namespace);
  input.set(nameBytes, 16);
  const h = sha1(input);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  let c = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) codes[c++] = 45; // '-'
    codes[c++] = HEX.charCodeAt(h[i]! >>> 4);
    codes[c++] = HEX.charCodeAt(h[i]! & 15);
  }
  return String.fromCharCode.apply(null, codes);
}

/** The n-th uuid minted by command `id` (§12). */
export function mintedUuid(id: string, n: number): string {
  return uuidv5(`${id}:${n}`);
}
