// Snapshots on disk and in stores. Version 1 (state files of exec, old stores): a meta line
// {snapshot:{format, version, seq, last_hash, state_hash, checksum, lines, input_position}}
// followed by the engine's canonical state lines. Version 2 (what the engine loop stores, D62): a
// binary image, magic + u32 meta length + the same meta JSON + [codec byte][brotli of the lines];
// its checksum covers the compressed body, so a flipped byte is found before decompressing.
// The checksum detects a flipped byte; the state hash proves what the state is. Built and read as
// Buffers in chunks: a million orders do not fit in one string.
import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { decodeState, encodeState, type State } from '../engine/index.js';
import { GENESIS_HASH } from './chain.js';

export const STATE_FILE_VERSION = 2;

/** Opens every binary snapshot image; a text one starts with '{'. */
const IMAGE_MAGIC = Buffer.from('RLYSNAP\0', 'latin1');
const IMAGE_BROTLI = 1;

export interface SnapshotMeta {
  format: 'relayer-snapshot';
  version: number;
  seq: number;
  last_hash: string;
  state_hash: string;
  checksum: string;
  lines: number;
  input_position: string | null;
}

export interface EncodedSnapshot { meta: SnapshotMeta; data: Buffer }

/** The version-1 text snapshot (exec --state-out files). */
export function encodeSnapshot(state: State, lastHash: string, inputPosition: string | null = null): EncodedSnapshot {
  const sum = createHash('sha256');
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let pending: string[] = [];
  let lines = 0;
  const flush = (): void => {
    if (pending.length === 0) return;
    const b = Buffer.from(pending.join(''), 'utf8');
    sum.update(b);
    chunks.push(b);
    pending = [];
  };
  const noClock = encodeState(state, false);
  hash.update(`${noClock.next().value as string}\n`);
  let first = true;
  for (const line of encodeState(state, true)) {
    pending.push(line, '\n');
    if (!first) hash.update(line).update('\n');
    first = false;
    lines++;
    if (pending.length >= 20_000) flush();
  }
  flush();
  const meta: SnapshotMeta = {
    format: 'relayer-snapshot', version: 1, seq: state.seq, last_hash: lastHash,
    state_hash: hash.digest('hex'), checksum: sum.digest('hex'), lines, input_position: inputPosition,
  };
  return { meta, data: Buffer.concat([Buffer.from(`${JSON.stringify({ snapshot: meta })}\n`), ...chunks]) };
}

/** The version-2 binary image the engine loop stores: the canonical lines, compressed, checksummed. */
export function encodeSnapshotImage(state: State, lastHash: string, inputPosition: string | null = null): EncodedSnapshot {
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
    if (parts.length >= 20_000) { chunks.push(Buffer.from(parts.join(''), 'utf8')); parts.length = 0; }
  }
  if (parts.length > 0) chunks.push(Buffer.from(parts.join(''), 'utf8'));
  const raw = Buffer.concat(chunks);
  const packed = brotliCompressSync(raw, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT },
  });
  const body = Buffer.concat([Buffer.from([IMAGE_BROTLI]), packed]);
  const meta: SnapshotMeta = {
    format: 'relayer-snapshot', version: 2, seq: state.seq, last_hash: lastHash,
    state_hash: hash.digest('hex'), checksum: createHash('sha256').update(body).digest('hex'), lines, input_position: inputPosition,
  };
  const head = Buffer.from(JSON.stringify({ snapshot: meta }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  return { meta, data: Buffer.concat([IMAGE_MAGIC, len, head, body]) };
}

export interface DecodedSnapshot { meta: SnapshotMeta; state: State }

export function readMeta(data: Buffer): { meta: SnapshotMeta; bodyStart: number } {
  if (data.length >= IMAGE_MAGIC.length + 4 && data.subarray(0, IMAGE_MAGIC.length).equals(IMAGE_MAGIC)) return readImageMeta(data);
  const nl = data.indexOf(0x0a);
  if (nl < 0) throw new Error('snapshot is empty or truncated');
  let meta: SnapshotMeta;
  try { meta = (JSON.parse(data.subarray(0, nl).toString('utf8')) as { snapshot: SnapshotMeta }).snapshot; } catch { throw new Error('snapshot header is not valid JSON'); }
  if (meta?.format !== 'relayer-snapshot') throw new Error('not a relayer snapshot');
  if (meta.version > STATE_FILE_VERSION) throw new Error(`snapshot version ${meta.version} is newer than this binary supports (${STATE_FILE_VERSION})`);
  return { meta, bodyStart: nl + 1 };
}

function readImageMeta(data: Buffer): { meta: SnapshotMeta; bodyStart: number } {
  const len = data.readUInt32LE(IMAGE_MAGIC.length);
  const start = IMAGE_MAGIC.length + 4;
  if (start + len > data.length) throw new Error('snapshot is truncated (header)');
  let meta: SnapshotMeta;
  try { meta = (JSON.parse(data.toString('utf8', start, start + len)) as { snapshot: SnapshotMeta }).snapshot; } catch { throw new Error('snapshot header is not valid JSON (checksum cannot be read)'); }
  if (meta?.format !== 'relayer-snapshot') throw new Error('not a relayer snapshot');
  if (meta.version > STATE_FILE_VERSION) throw new Error(`snapshot version ${meta.version} is newer than this binary supports (${STATE_FILE_VERSION})`);
  return { meta, bodyStart: start + len };
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
    if (data[bodyStart] !== IMAGE_BROTLI) throw new Error(`snapshot body codec ${data[bodyStart]} is unknown`);
    const raw = brotliDecompressSync(data.subarray(bodyStart + 1));
    return { meta, state: decodeState(bufferLines(raw, 0)) };
  }
  const state = decodeState(bufferLines(data, bodyStart));
  return { meta, state };
}

export function readSnapshotFile(path: string): DecodedSnapshot {
  return decodeSnapshot(readFileSync(path));
}

/** Writes atomically: temp file, fsync, rename. */
export function writeSnapshotFile(path: string, state: State, lastHash: string = GENESIS_HASH): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, encodeSnapshot(state, lastHash).data);
  const fd = openSync(tmp, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
  renameSync(tmp, path);
}
