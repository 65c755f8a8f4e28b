// The state hash: SHA-256 over the canonical encoding without the feed clock, so a state rebuilt
// from the event log hashes the same as the live one (docs/decisions.md). The hasher is pure by
// default; a host may pass a faster implementation of the same function (SHA-256 over UTF-8).
import { encodeState } from './snapshot.js';
import type { State } from './state.js';
import { Sha256 } from './util/sha256.js';

export interface TextHasher {
  updateText(s: string): unknown;
  hex(): string;
}

/** Lines are handed to the hasher in chunks of about this many UTF-16 units (fewer calls into it). */
const CHUNK = 1 << 16;

export function stateHash(state: State, hasher: TextHasher = new Sha256()): string {
  let chunk = '';
  for (const line of encodeState(state, false)) {
    chunk += `${line}\n`;
    if (chunk.length >= CHUNK) {
      hasher.updateText(chunk);
      chunk = '';
    }
  }
  if (chunk.length > 0) hasher.updateText(chunk);
  return hasher.hex();
}
