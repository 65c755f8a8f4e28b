// Sealing a batch of event heads into the Kafka event topic's frame records (D271): chains each
// head onto its predecessor's hash (SHA-256, SPEC §12) and packs every KAFKA_FRAME_EVENTS lines
// into one brotli frame, the same bytes frameMessages writes from sealed events. Pure CPU: run in
// the frame worker (frame-worker.ts) so the engine's thread decides the next batch meanwhile.
import { sealLine } from '../event-line.js';
import { packFrame } from '../sqlite/frames.js';
import { KAFKA_FRAME_EVENTS } from './records.js';

export interface SealRequest {
  /** The hash of the last committed event (the chain's head before this batch). */
  prev: string;
  firstSeq: number;
  count: number;
  /** The heads joined by '\n' (HeadBatch.heads). */
  heads: string;
}

export interface SealedFrames {
  lastHash: string;
  /** One per frame, in seq order: key "<first>-<last>", value the packed frame. */
  frames: { key: string; value: Uint8Array }[];
}

export function sealFrames(r: SealRequest): SealedFrames {
  if (r.count === 0) return { lastHash: r.prev, frames: [] };
  const heads = r.heads.split('\n');
  if (heads.length !== r.count) throw new Error(`seal: ${heads.length} heads for ${r.count} events`);
  let prev = r.prev;
  const frames: SealedFrames['frames'] = [];
  for (let i = 0; i < heads.length; i += KAFKA_FRAME_EVENTS) {
    const part = heads.slice(i, i + KAFKA_FRAME_EVENTS);
    const lines = new Array<string>(part.length);
    for (let j = 0; j < part.length; j++) {
      const s = sealLine(part[j]!, prev);
      lines[j] = s.line;
      prev = s.hash;
    }
    const first = r.firstSeq + i;
    frames.push({ key: `${first}-${first + part.length - 1}`, value: packFrame(lines.join('\n')) });
  }
  return { lastHash: prev, frames };
}
