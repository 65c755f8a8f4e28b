// The binary snapshot image (snapshot version 2, D62): `RLYSNAP\0`, u32 LE meta length, the meta
// JSON {snapshot: {format, version, seq, last_hash, state_hash, checksum, lines, input_position}},
// then the body [codec byte][brotli of the engine's canonical state lines]. The checksum is
// SHA-256 of the body, so a flipped byte is caught before decompressing. It lives below the
// runtime so the embedded store's commit worker can pack and store an image off the engine thread.
import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

const IMAGE_MAGIC = Buffer.from('RLYSNAP\0', 'latin1');
export const IMAGE_VERSION = 2;
const IMAGE_BROTLI = 1;

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

/** Compresses the canonical lines and seals the image; returns it with its meta (checksum filled in). */
export function packImage(meta: Omit<ImageMeta, 'format' | 'version' | 'checksum'>, raw: Buffer): { meta: ImageMeta; data: Buffer } {
  const packed = brotliCompressSync(raw, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT },
  });
  const body = Buffer.concat([Buffer.from([IMAGE_BROTLI]), packed]);
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

/** The canonical lines of a checked image body (the caller has verified the checksum). */
export function unpackBody(data: Buffer, bodyStart: number): Buffer {
  if (data[bodyStart] !== IMAGE_BROTLI) throw new Error(`snapshot body codec ${data[bodyStart]} is unknown`);
  return brotliDecompressSync(data.subarray(bodyStart + 1));
}
