// The stored line of one event (SPEC §12) as the stores see it: a head (the body up to and
// including "data", without its closing brace) sealed with its predecessor's hash. Sealing is
// here, below the runtime, so the embedded store's commit worker can hash the chain off the
// engine's thread; the runtime's ChainWriter uses the same function, so the bytes are one.
import { hash as digest } from 'node:crypto';

/** `,"prev":"<64 hex>","hash":"<64 hex>"}`: the fixed-length tail every stored line ends with. */
export const LINE_TAIL_LENGTH = 149;

export interface SealedLine {
  line: string;
  hash: string;
}

/** The stored line and its hash: SHA-256 of `head,"prev":"…"}`, the hash member inserted before the final brace. */
export function sealLine(head: string, prev: string): SealedLine {
  const hash = digest('sha256', `${head},"prev":"${prev}"}`, 'hex');
  return { line: `${head},"prev":"${prev}","hash":"${hash}"}`, hash };
}

/** The hash member of a stored line (its last 64 hex digits before `"}`). */
export function hashOfLine(line: string): string {
  return line.slice(-66, -2);
}
