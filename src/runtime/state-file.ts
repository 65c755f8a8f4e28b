// Snapshots on disk and in stores. Version 1 (state files of exec, old stores): a meta line
// {snapshot:{format, version, seq, last_hash, state_hash, checksum, lines, input_position}}
// followed by the engine's canonical state lines. Version 2 (what the engine loop stores, D62): a
// binary image, magic + u32 meta length + the same meta JSON + [codec byte][brotli of the body],
// the body being the engine's column image (D245) or, in images written before it, its lines;
// its checksum covers the compressed body, so a flipped byte is found before decompressing.
// The checksum detects a flipped byte; the state hash proves what the state is. Built and read as
// Buffers in chunks: a million orders do not fit in one string.
import { createHash } from 'node:crypto';
import { CODEC_COLUMNS, CODEC_LINES, IMAGE_VERSION, isImage, packImage, readImageMeta, unpackBody, type ImageMeta } from '../store/snapshot-image.js';
import { readFileSync } from 'node:fs';
import { decodeColumns, decodeState, encodeColumns, encodeState, type State } from '../engine/index.js';
import { fastStateHash } from './fast-hash.js';

export const STATE_FILE_VERSION = IMAGE_VERSION;

/** The meta of both versions (the binary image keeps the same JSON). */
export type SnapshotMeta = ImageMeta;

export interface EncodedSnapshot {
  meta: SnapshotMeta;
  data: Buffer;
}

/** The version-1 text snapshot (exec --state-out files). */
export function encodeSnapshot(state: State, lastHash: string, inputPosition: string | null = null): EncodedSnapshot {
  const { raw, state_hash, lines } = encodeStateLines(state);
  const meta: SnapshotMeta = {
    format: 'relayer-snapshot',
    version: 1,
    seq: state.seq,
    last_hash: lastHash,
    state_hash,
    checksum: createHash('sha256').update(raw).digest('hex'),
    lines,
    input_position: inputPosition,
  };
  return { meta, data: Buffer.concat([Buffer.from(`${JSON.stringify({ snapshot: meta })}\n`), raw]) };
}

/** The engine's canonical state lines as one buffer, with the state hash and line count. */
export function encodeStateLines(state: State): { raw: Buffer; state_hash: string; lines: number } {
  const hash = createHash('sha256');
  const parts: string[] = [];
  const chunks: Buffer[] = [];
  let lines = 0;
  const noClock = encodeState(state, false);
  hash.update(`${noClock.next().value as string}\n`);
  let first = true;
  for (const line of encodeState(state, true)) {
    parts.push(line, '\n');
    if (!first) hash.update(line).update('\n');
    first = false;
    lines++;
    if (parts.length >= 20_000) {
      chunks.push(Buffer.from(parts.join(''), 'utf8'));
      parts.length = 0;
    }
  }
  if (parts.length > 0) chunks.push(Buffer.from(parts.join(''), 'utf8'));
  return { raw: Buffer.concat(chunks), state_hash: hash.digest('hex'), lines };
}

/**
 * The engine's column image of a state as a buffer, with the state hash (of the canonical lines,
 * as ever) and the count of canonical lines the state has (the meta's `lines`).
 */
export function encodeStateColumns(state: State): { raw: Buffer; state_hash: string; lines: number } {
  const cols = encodeColumns(state);
  const lines = 1 + state.orders.size + state.closed.size + state.lends.size + state.seen.size;
  return { raw: Buffer.from(cols.buffer, cols.byteOffset, cols.byteLength), state_hash: fastStateHash(state), lines };
}

/** The version-2 binary image the engine loop stores: the column image, compressed, checksummed. */
export function encodeSnapshotImage(state: State, lastHash: string, inputPosition: string | null = null): EncodedSnapshot {
  const { raw, state_hash, lines } = encodeStateColumns(state);
  return packImage({ seq: state.seq, last_hash: lastHash, state_hash, lines, input_position: inputPosition }, raw, CODEC_COLUMNS);
}

export interface DecodedSnapshot {
  meta: SnapshotMeta;
  state: State;
}

export function readMeta(data: Buffer): { meta: SnapshotMeta; bodyStart: number } {
  if (isImage(data)) return readImageMeta(data, STATE_FILE_VERSION);
  const nl = data.indexOf(0x0a);
  if (nl < 0) throw new Error('snapshot is empty or truncated');
  let meta: SnapshotMeta;
  try {
    meta = (JSON.parse(data.subarray(0, nl).toString('utf8')) as { snapshot: SnapshotMeta }).snapshot;
  } catch {
    throw new Error('snapshot header is not valid JSON');
  }
  if (meta?.format !== 'relayer-snapshot') throw new Error('not a relayer snapshot');
  if (meta.version > STATE_FILE_VERSION) throw new Error(`snapshot version ${meta.version} is newer than this binary supports (${STATE_FILE_VERSION})`);
  return { meta, bodyStart: nl + 1 };
}

function* bufferLines(data: Buffer, start: number): Generator<string> {
  let at = start;
  while (at < data.length) {
    let nl = data.indexOf(0x0a, at);
    if (nl < 0) nl = data.length;
    yield data.toString('utf8', at, nl);
    at = nl + 1;
  }
}

export function decodeSnapshot(data: Buffer): DecodedSnapshot {
  const { meta, bodyStart } = readMeta(data);
  const sum = createHash('sha256').update(data.subarray(bodyStart)).digest('hex');
  if (sum !== meta.checksum) throw new Error('snapshot checksum mismatch: the data is corrupted');
  if (meta.version >= 2) {
    const { codec, body } = unpackBody(data, bodyStart);
    return { meta, state: codec === CODEC_LINES ? decodeState(bufferLines(body, 0)) : decodeColumns(body) };
  }
  const state = decodeState(bufferLines(data, bodyStart));
  return { meta, state };
}

export function readSnapshotFile(path: string): DecodedSnapshot {
  return decodeSnapshot(readFileSync(path));
}
