// The state hash: SHA-256 over the canonical encoding without the feed clock, so a state rebuilt
// from the event log hashes the same as the live one (docs/decisions.md). The hasher is pure by
// default; a host may pass a faster implementation of the same function (SHA-256 over UTF-8).
import { encodeState } from './snapshot.js';
import type { State } from './state.js';
import { Sha256 } from './util/sha256.js';

export interface TextHasher { updateText(s: string): unknown; hex(): string }

export function stateHash(state: State, hasher: TextHasher = new Sha256()): string {
  for (const line of encodeState(state, false)) { hasher.updateText(line); hasher.updateText('\n'); }
  return hasher.hex();
}
