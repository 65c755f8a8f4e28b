// Compressed event frames of the embedded store: the stored lines of one committed batch (a seq
// range), joined by '\n' and compressed as one unit. A frame is [codec byte][payload]. Brotli at
// quality 1 was chosen by measurement on the bench workload (docs/benchmarks.md, D60): about 127
// bytes per 761-byte event, against 147 for deflate level 1, at a similar speed; both ship with
// Node 20 and 24 (zstd only from Node 22.15).
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

export const CODEC_BROTLI = 1;

export class CorruptFrameError extends Error {}

/** Packs the lines (no line holds a raw '\n': JSON escapes it) into one frame. */
export function packFrame(text: string): Buffer {
  const raw = Buffer.from(text, 'utf8');
  const body = brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 1,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    },
  });
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = CODEC_BROTLI;
  body.copy(out, 1);
  return out;
}

/** The lines of a frame, in seq order; `count` is what the catalogue says it holds. */
export function unpackFrame(data: Buffer, count: number, first: number): string[] {
  return splitFrame(frameText(data, first), count, first);
}

/** The decompressed text of a frame. */
export function frameText(data: Buffer, first: number): string {
  return frameBytes(data, first).toString('utf8');
}

/** The decompressed bytes of a frame (what a read-ahead worker does off the reading thread). */
export function frameBytes(data: Buffer, first: number): Buffer {
  if (data.length < 1 || data[0] !== CODEC_BROTLI) throw new CorruptFrameError(`event frame at seq ${first} has an unknown codec`);
  try {
    return brotliDecompressSync(data.subarray(1));
  } catch (e) {
    throw new CorruptFrameError(`event frame at seq ${first} does not decompress (${(e as Error).message}); run relayer verify`);
  }
}

/** A frame's text cut into its lines, checked against the catalogue's count. */
export function splitFrame(text: string, count: number, first: number): string[] {
  const lines = text.split('\n');
  if (lines.length !== count) throw new CorruptFrameError(`event frame at seq ${first} holds ${lines.length} events, its catalogue says ${count}`);
  return lines;
}
