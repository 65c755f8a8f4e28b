// Recovery, the same for every backend (DESIGN §4): newest snapshot whose checksum and state hash
// verify (falling back to older ones, then to seq 0), replay of the events after it with evolve
// (checking the hash chain as it goes), the feed clock from the last commit, and the input
// position to resume after. Or, where faster (the engine is deterministic), re-execution of the
// input log after the snapshot's input position up to the committed one: the state reached must
// have exactly the committed seq, and the chain's head is the committed hash (D63).
import { emptyState, evolve, type EventEnvelope, type State } from '../engine/index.js';
import { DEFAULT_MARKET } from '../engine/market.js';
import type { Backend, Committed, InputRecord, SnapshotInfo } from '../store/types.js';
import { hashOfLine, LINE_TAIL_LENGTH } from '../store/event-line.js';
import { eventHead, GENESIS_HASH } from './chain.js';
import { summarize } from './summary.js';
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
  /**
   * 'inputs' re-executes the input log after the snapshot (only to the committed head); 'auto'
   * does so where it can and the log after the snapshot holds at least `autoFrom` events, and
   * evolves the stored events instead when re-execution does not reproduce the log's tail (D281).
   */
  path?: RecoveryPath | 'auto';
  /** The fewest events after the snapshot for which 'auto' re-executes (default 50 000). */
  autoFrom?: number;
  onProgress?: (seq: number, total: number) => void;
  /** The market whose log this is (SPEC §13); BTC-USD when absent. A snapshot of another is refused. */
  market?: string;
  /** Read ahead in a worker where the backend offers one: true, false, or (absent) by the log's length on the events path only. */
  readAhead?: boolean;
}

class CorruptLogError extends Error {}
/** Re-execution did not rebuild what the log records (another engine's log, or a damaged one). */
class ReexecutionMismatch extends CorruptLogError {}

/** How many of the last events re-execution must reproduce byte for byte (their SPEC §12 heads). */
const TAIL_EVENTS = 1000;

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

const hasReadAhead = (backend: Backend): boolean => typeof (backend as Partial<ReadAheadSource>).startReadAhead === 'function';

function readAheadOf(backend: Backend, remaining: number, wanted: boolean | undefined): ReadAheadSource | null {
  const source = backend as Partial<ReadAheadSource>;
  if (!hasReadAhead(backend) || wanted === false) return null;
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
  let state = snap?.state ?? emptyState({ market });
  const canReexecute = target === committed.seq && (snap === null || snap.info.position !== null);
  if (opts.path === 'inputs' && canReexecute) return reexecute(backend, state, snap, committed, t0, opts);
  const auto =
    opts.path === 'auto' && canReexecute && committed.position !== null && hasReadAhead(backend) && target - state.seq >= (opts.autoFrom ?? READ_AHEAD_MIN);
  if (auto) {
    try {
      return await reexecute(backend, state, snap, committed, t0, opts);
    } catch (e) {
      if (!(e instanceof ReexecutionMismatch)) throw e;
      // the engine decides differently from the one that wrote the log: its events are the truth
      opts.log?.warn({ err: e.message }, 're-executing the input log does not reproduce it; evolving the stored events instead');
      const again = snap === null ? null : await loadSnapshot(backend, target, opts.log);
      state = again?.state ?? emptyState({ market });
    }
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
        for (let i = Math.max(0, state.seq + 1 - f.first); i < f.lines.length && state.seq < target; i++) {
          const line = f.lines[i]!;
          evolveLine(state, chain, f.first + i, line, hashOfLine(line));
        }
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
    for (const [seq, line, hash] of rows) evolveLine(state, chain, seq, line, hash);
    onProgress?.(state.seq, target);
  }
  return chain;
}

/** One stored line: gapless, linked to the chain head, then evolved; the head moves to its hash. */
function evolveLine(state: State, chain: { lastHash: string; replayed: number }, seq: number, line: string, hash: string): void {
  if (seq !== state.seq + 1) throw new CorruptLogError(`event log has a gap before seq ${seq}; run relayer verify`);
  // the link is checked on the fixed-length tail; only the head is parsed (SPEC §12 layout)
  if (line.length <= LINE_TAIL_LENGTH || line.slice(-140, -76) !== chain.lastHash)
    throw new CorruptLogError(`hash chain broken at seq ${seq}; run relayer verify`);
  const env = JSON.parse(`${line.slice(0, -LINE_TAIL_LENGTH)}}`) as EventEnvelope;
  evolve(state, env);
  chain.lastHash = hash;
  chain.replayed++;
}

async function reexecute(
  backend: Backend,
  state: State,
  snap: { info: SnapshotInfo } | null,
  committed: Committed,
  t0: number,
  opts: RecoverOptions,
): Promise<Recovered> {
  const from = state.seq;
  let commands = 0;
  let after = snap?.info.position ?? null;
  const end = committed.position === null ? null : Number(committed.position);
  // the heads of the last events, written as the live loop writes them, to compare with the log's
  const tailFrom = Math.max(from + 1, committed.seq - TAIL_EVENTS + 1);
  const heads: string[] = [];
  const run = (recs: readonly InputRecord[]): boolean => {
    for (const rec of recs) {
      if (Number(rec.position) > end!) return false;
      const events = runRecord(state, rec);
      if (state.seq >= tailFrom) for (const e of events) if (e.seq >= tailFrom) heads.push(eventHead(e));
      commands++;
      after = rec.position;
    }
    opts.onProgress?.(state.seq, committed.seq);
    return true;
  };
  // only when asked: reading the records here is ≈ 5 % of re-executing them, less than a worker's hand-over costs (D280)
  const source = end === null || opts.readAhead !== true ? null : readAheadOf(backend, end - Number(after ?? 0), true);
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
    throw new ReexecutionMismatch(`re-executing the input log reaches seq ${state.seq}, the log committed ${committed.seq}; run relayer verify`);
  }
  if (committed.clock !== null) state.price_ts = committed.clock.price_ts;
  await checkTail(backend, state, committed, tailFrom, heads);
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

/**
 * Re-execution reproduced the log: the last events' heads are the stored ones, the last stored
 * line is the committed head, and the state's summary is the one committed with the last batch.
 */
async function checkTail(backend: Backend, state: State, committed: Committed, tailFrom: number, heads: readonly string[]): Promise<void> {
  const n = committed.seq - tailFrom + 1;
  if (n <= 0) return;
  const rows =
    backend.readLines !== undefined
      ? await backend.readLines(tailFrom, n)
      : (await backend.readEvents(tailFrom, n)).map((r): [number, string, string] => [r.seq, r.line, r.hash]);
  if (rows.length !== n || heads.length !== n)
    throw new ReexecutionMismatch(`the log's last ${n} events cannot be compared with the re-executed ones; run relayer verify`);
  for (let i = 0; i < n; i++) {
    const [seq, line] = rows[i]!;
    if (line.slice(0, -LINE_TAIL_LENGTH) !== heads[i])
      throw new ReexecutionMismatch(`re-executing the input log gives another event at seq ${seq}; run relayer verify`);
  }
  if (rows[n - 1]![2] !== committed.hash)
    throw new ReexecutionMismatch(`the log's last event is not its committed head ${committed.hash.slice(0, 12)}…; run relayer verify`);
  if (committed.summary !== null && JSON.stringify(summarize(state)) !== committed.summary) {
    throw new ReexecutionMismatch('re-executing the input log gives another state summary than the one committed; run relayer verify');
  }
}
