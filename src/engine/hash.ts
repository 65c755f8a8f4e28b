// The state hash: SHA-256 over the canonical encoding without the feed clock, so a state rebuilt
// from the event log hashes the same as the live one (docs/decisions.md).
import { encodeState } from './snapshot.js';
import type { State } from './state.js';
import { Sha256 } from './util/sha256.js';

export function stateHash(state: State): string {
  const h = new Sha256();
  for (const line of encodeState(state, false)) h.updateText(line).updateText('\n');
  return h.hex();
}
