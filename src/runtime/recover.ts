// Recovery, the same for every backend (DESIGN §4): newest snapshot whose checksum and state hash
// verify (falling back to older ones, then to seq 0), replay of the events after it with evolve
// (checking the hash chain as it goes), the feed clock from the last commit, and the input
// position to resume after. Or, where faster (the engine is deterministic), re-execution of the
// input log after the snapshot's input position up to the committed one: the state reached must
// have exactly the committed seq, and the chain's head is the committed hash (D63).
import { emptyState, evolve, type EventEnvelope, type State } from '../engine/index.js';
import { DEFAULT_MARKET } from '../engine/market.js';
import type { Backend, InputRecord, SnapshotInfo } from '../store/types.js';
import { hashOfLine, LINE_TAIL_LENGTH } from '../store/event-line.js';
import { GENESIS_HASH } from './chain.js';
import type { Logger } from '../infra/logger.js';
import { decodeSnapshot } from './state-file.js';
import { runRecord } from './record.js';

/** How the state after the snapshot was rebuilt: evolving stored events, or re-executing inputs. */
type RecoveryPath = 'events' | 'inputs';

export interface Recovered {
  state: State;
  lastHash: string;
  position: string | null;
  snapshot: SnapshotInfo | null;
  /** Events evolved, or (path inputs) events the re-executed commands produced. */
  replayed: number;
  path: RecoveryPath;
  /** Commands re-executed (path inputs). */
  commands: number;
  ms: number;
}

export interface RecoverOptions {
  log?: Logger;
  /** Stop at this seq (point-in-time replay); the default is everything committed. */
  toSeq?: number;
  fromScratch?: boolean;
  /** 'inputs' re-executes the input log after the snapshot (only to the committed head). */
  path?: RecoveryPath;
  onProgress?: (seq: number, total: number) => void;
  /** The market whose log this is (SPEC §13); BTC-USD when absent. A snapshot of another is refused. */
  market?: string;
  /** Read ahead in a worker where the backend offers one: true, false, or (absent) by the log's length. */
  readAhead?: boolean;
}

class CorruptLogError extends Error {}

/** What a backend with a read-ahead worker offers (the embedded store, D280). */
interface ReadAheadSource {
  startReadAhead(): Promise<{
    frames(from: number, to: number): AsyncIterable<{ first: number; lines: string[] }>;
    inbox(after: number, end: number): AsyncIterable<InputRecord[]>;
    close(): Promise<void>;
  }>;
}

/** Below this many events or commands a worker's start (tens of ms) is not worth it. */
const READ_AHEAD_MIN = 50_000;

function readAheadOf(backend: Backend, remaining: number, wanted: boolean | undefined): ReadAheadSource | null {
  const source = backend as Partial<ReadAheadSource>;
  if (typeof source.startReadAhead !== 'function' || wanted === false) return null;
  return wanted === true || remaining >= READ_AHEAD_MIN ? (source as ReadAheadSource) : null;
}

async function loadSnapshot(backend: Backend, maxSeq: number, log?: Logger): Promise<{ state: State; hash: string; info: SnapshotInfo } | null> {
  for (const info of await backend.listSnapshots()) {
    if (info.seq > maxSeq) continue;
    try {
      const { meta, state } = decodeSnapshot(await backend.loadSnapshot(info.id));
      if (meta.seq !== info.seq) throw new Error('snapshot seq does not match its catalogue entry');
      return { state, hash: meta.last_hash, info };
    } catch (e) {
      log?.warn({ snapshot: info.id, seq: info.seq, err: (e as Error).message }, 'snapshot is invalid; falling back to an older one');
    }
  }
  return null;
}

export async function recover(backend: Backend, opts: RecoverOptions = {}): Promise<Recovered> {
  const t0 = performance.now();
  const committed = await backend.lastCommitted();
  const target = Math.min(opts.toSeq ?? committed.seq, committed.seq);
  const snap = opts.fromScratch ? null : await loadSnapshot(backend, target, opts.log);
  const market = opts.market ?? DEFAULT_MARKET;
  if (snap !== null && snap.state.config.market !== market) {
    throw new Error(`snapshot ${snap.info.id} is of market ${snap.state.config.market}, this log is ${market}'s`);
  }
  const state = snap?.state ?? emptyState({ market });
  if (opts.path === 'inputs' && target === committed.seq && (snap === null || snap.info.position !== null)) {
    return reexecute(backend, state, snap, committed, t0, opts);
  }
  const { lastHash, replayed } = await replayEvents(backend, state, snap?.hash ?? GENESIS_HASH, target, opts.onProgress, false, opts.readAhead);
  const atHead = target === committed.seq;
  if (atHead && committed.clock !== null) state.price_ts = committed.clock.price_ts;
  return {
    state,
    lastHash,
    position: atHead ? committed.position : null,
    snapshot: snap?.info ?? null,
    replayed,
    path: 'events',
    commands: 0,
    ms: performance.now() - t0,
  };
}

/**
 * Advances `state` to `target` by evolving the stored events after its seq, checking gaplessness
 * and each event's link to `lastHash`; returns the chain head reached and how many were evolved.
 */
export async function replayEvents(
  backend: Backend,
  state: State,
  lastHash: string,
  target: number,
  onProgress?: (seq: number, total: number) => void,
  /** Stop where the readable log ends instead of calling it corrupt (a replica catching up, D221). */
  toEnd = false,
  readAhead?: boolean,
): Promise<{ lastHash: string; replayed: number }> {
  const chain = { lastHash, replayed: 0 };
  const source = toEnd ? null : readAheadOf(backend, target - state.seq, readAhead);
  if (source !== null) {
    // frames are read and decompressed by the worker while this thread evolves the current ones
    const ahead = await source.startReadAhead();
    try {
      for await (const f of ahead.frames(state.seq + 1, target)) {
        for (let i = Math.max(0, state.seq + 1 - f.first); i < f.lines.length && state.seq < target; i++) evolveLine(state, chain, f.first + i, f.lines[i]!);
        onProgress?.(state.seq, target);
        if (state.seq >= target) break;
      }
    } finally {
      await ahead.close();
    }
    if (state.seq < target) throw new CorruptLogError(`event log ends at seq ${state.seq}, expected ${target}; run relayer verify`);
    return chain;
  }
  while (state.seq < target) {
    const max = Math.min(10_000, target - state.seq);
    const rows =
      backend.readLines !== undefined
        ? await backend.readLines(state.seq + 1, max)
        : (await backend.readEvents(state.seq + 1, max)).map((r): [number, string, string] => [r.seq, r.line, r.hash]);
    if (rows.length === 0 && toEnd) break;
    if (rows.length === 0) throw new CorruptLogError(`event log ends at seq ${state.seq}, expected ${target}; run relayer verify`);
    for (const [seq, line] of rows) evolveLine(state, chain, seq, line);
    onProgress?.(state.seq, target);
  }
  return chain;
}

/** One stored line: gapless, linked to the chain head, then evolved; the head moves to its hash. */
function evolveLine(state: State, chain: { lastHash: string; replayed: number }, seq: number, line: string): void {
  if (seq !== state.seq + 1) throw new CorruptLogError(`event log has a gap before seq ${seq}; run relayer verify`);
  // the link is checked on the fixed-length tail; only the head is parsed (SPEC §12 layout)
  if (line.length <= LINE_TAIL_LENGTH || line.slice(-140, -76) !== chain.lastHash)
    throw new CorruptLogError(`hash chain broken at seq ${seq}; run relayer verify`);
  const env = JSON.parse(`${line.slice(0, -LINE_TAIL_LENGTH)}}`) as EventEnvelope;
  evolve(state, env);
  chain.lastHash = hashOfLine(line);
  chain.replayed++;
}

async function reexecute(
  backend: Backend,
  state: State,
  snap: { info: SnapshotInfo } | null,
  committed: Awaited<ReturnType<Backend['lastCommitted']>>,
  t0: number,
  opts: RecoverOptions,
): Promise<Recovered> {
  const from = state.seq;
  let commands = 0;
  let after = snap?.info.position ?? null;
  const end = committed.position === null ? null : Number(committed.position);
  const run = (recs: readonly InputRecord[]): boolean => {
    for (const rec of recs) {
      if (Number(rec.position) > end!) return false;
      runRecord(state, rec);
      commands++;
      after = rec.position;
    }
    opts.onProgress?.(state.seq, committed.seq);
    return true;
  };
  const source = end === null ? null : readAheadOf(backend, end - Number(after ?? 0), opts.readAhead);
  if (source !== null) {
    // the worker reads the next input records while this thread re-executes the current ones
    const ahead = await source.startReadAhead();
    try {
      for await (const recs of ahead.inbox(Number(after ?? 0), end!)) if (!run(recs)) break;
    } finally {
      await ahead.close();
    }
  }
  while (end !== null && (after === null || Number(after) < end)) {
    const recs = await backend.read(after, 10_000, 0);
    if (recs.length === 0 || !run(recs)) break;
  }
  if (state.seq !== committed.seq) {
    throw new CorruptLogError(`re-executing the input log reaches seq ${state.seq}, the log committed ${committed.seq}; run relayer verify`);
  }
  if (committed.clock !== null) state.price_ts = committed.clock.price_ts;
  return {
    state,
    lastHash: committed.hash,
    position: committed.position,
    snapshot: snap?.info ?? null,
    replayed: state.seq - from,
    path: 'inputs',
    commands,
    ms: performance.now() - t0,
  };
}
