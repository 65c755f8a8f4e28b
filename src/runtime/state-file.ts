// State snapshot files: a meta line {snapshot:{format, version, seq, last_hash, state_hash,
// checksum, count}} followed by the engine's canonical state lines. The checksum (SHA-256 of the
// state lines) detects a flipped byte; the state hash proves what the state is.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { decodeState, encodeState, stateHash, type State } from '../engine/index.js';
import { GENESIS_HASH } from './chain.js';

export const STATE_FILE_VERSION = 1;

export interface SnapshotMeta {
  format: 'relayer-snapshot';
  version: number;
  seq: number;
  last_hash: string;
  state_hash: string;
  checksum: string;
  lines: number;
  input_position?: string | null;
}

export function encodeSnapshot(state: State, lastHash: string, inputPosition: string | null = null): string {
  const lines = [...encodeState(state, true)];
  const body = lines.join('\n') + '\n';
  const meta: SnapshotMeta = {
    format: 'relayer-snapshot',
    version: STATE_FILE_VERSION,
    seq: state.seq,
    last_hash: lastHash,
    state_hash: stateHash(state),
    checksum: createHash('sha256').update(body).digest('hex'),
    lines: lines.length,
    input_position: inputPosition,
  };
  return `${JSON.stringify({ snapshot: meta })}\n${body}`;
}

export interface DecodedSnapshot { meta: SnapshotMeta; state: State }

export function decodeSnapshot(text: string): DecodedSnapshot {
  const nl = text.indexOf('\n');
  if (nl < 0) throw new Error('snapshot is empty or truncated');
  let meta: SnapshotMeta;
  try { meta = (JSON.parse(text.slice(0, nl)) as { snapshot: SnapshotMeta }).snapshot; } catch { throw new Error('snapshot header is not valid JSON'); }
  if (meta?.format !== 'relayer-snapshot') throw new Error('not a relayer snapshot');
  if (meta.version > STATE_FILE_VERSION) throw new Error(`snapshot version ${meta.version} is newer than this binary supports (${STATE_FILE_VERSION})`);
  const body = text.slice(nl + 1);
  const sum = createHash('sha256').update(body).digest('hex');
  if (sum !== meta.checksum) throw new Error('snapshot checksum mismatch: the file is corrupted');
  const state = decodeState(body.split('\n'));
  if (stateHash(state) !== meta.state_hash) throw new Error('snapshot state hash mismatch');
  return { meta, state };
}

export function readSnapshotFile(path: string): DecodedSnapshot {
  return decodeSnapshot(readFileSync(path, 'utf8'));
}

/** Writes atomically: temp file, fsync, rename. */
export function writeSnapshotFile(path: string, state: State, lastHash: string = GENESIS_HASH): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, encodeSnapshot(state, lastHash));
  const fd = openSync(tmp, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
  renameSync(tmp, path);
}
