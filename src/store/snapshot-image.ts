// The binary snapshot image (snapshot version 2, D62): `RLYSNAP\0`, u32 LE meta length, the meta
// JSON {snapshot: {format, version, seq, last_hash, state_hash, checksum, lines, input_position}},
// then the body [codec byte][brotli of the state]: codec 1 holds the engine's canonical state
// lines (written until D245), codec 2 its column image (snapshot-columns.ts). The checksum is
// SHA-256 of the body, so a flipped byte is caught before decompressing. It lives below the
// runtime so the embedded store's commit worker can pack and store an image off the engine thread.
import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

const IMAGE_MAGIC = Buffer.from('RLYSNAP\0', 'latin1');
export const IMAGE_VERSION = 2;
/** Body codecs: brotli of the canonical state lines (read only now), brotli of the column image. */
export const CODEC_LINES = 1;
export const CODEC_COLUMNS = 2;
export type BodyCodec = typeof CODEC_LINES | typeof CODEC_COLUMNS;

export interface ImageMeta {
  format: 'relayer-snapshot';
  version: number;
  seq: number;
  last_hash: string;
  state_hash: string;
  checksum: string;
  lines: number;
  input_position: string | null;
}

export function isImage(data: Buffer): boolean {
  return data.length >= IMAGE_MAGIC.length + 4 && data.subarray(0, IMAGE_MAGIC.length).equals(IMAGE_MAGIC);
}

/** Compresses a state body (`codec` says which form) and seals the image; returns it with its meta (checksum filled in). */
export function packImage(meta: Omit<ImageMeta, 'format' | 'version' | 'checksum'>, raw: Buffer, codec: BodyCodec): { meta: ImageMeta; data: Buffer } {
  const mode = codec === CODEC_LINES ? constants.BROTLI_MODE_TEXT : constants.BROTLI_MODE_GENERIC;
  const packed = brotliCompressSync(raw, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length, [constants.BROTLI_PARAM_MODE]: mode },
  });
  const body = Buffer.concat([Buffer.from([codec]), packed]);
  const full: ImageMeta = {
    format: 'relayer-snapshot',
    version: IMAGE_VERSION,
    seq: meta.seq,
    last_hash: meta.last_hash,
    state_hash: meta.state_hash,
    checksum: createHash('sha256').update(body).digest('hex'),
    lines: meta.lines,
    input_position: meta.input_position,
  };
  const head = Buffer.from(JSON.stringify({ snapshot: full }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  return { meta: full, data: Buffer.concat([IMAGE_MAGIC, len, head, body]) };
}

/** The image's meta and where its body starts; `maxVersion` refuses images from newer binaries. */
export function readImageMeta(data: Buffer, maxVersion: number): { meta: ImageMeta; bodyStart: number } {
  const len = data.readUInt32LE(IMAGE_MAGIC.length);
  const start = IMAGE_MAGIC.length + 4;
  if (start + len > data.length) throw new Error('snapshot is truncated (header)');
  let meta: ImageMeta;
  try {
    meta = (JSON.parse(data.toString('utf8', start, start + len)) as { snapshot: ImageMeta }).snapshot;
  } catch {
    throw new Error('snapshot header is not valid JSON (checksum cannot be read)');
  }
  if (meta?.format !== 'relayer-snapshot') throw new Error('not a relayer snapshot');
  if (meta.version > maxVersion) throw new Error(`snapshot version ${meta.version} is newer than this binary supports (${maxVersion})`);
  return { meta, bodyStart: start + len };
}

/** The state body of a checked image and its codec (the caller has verified the checksum). */
export function unpackBody(data: Buffer, bodyStart: number): { codec: BodyCodec; body: Buffer } {
  const codec = data[bodyStart];
  if (codec !== CODEC_LINES && codec !== CODEC_COLUMNS) throw new Error(`snapshot body codec ${codec} is unknown to this binary`);
  return { codec, body: brotliDecompressSync(data.subarray(bodyStart + 1)) };
}
