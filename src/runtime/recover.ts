// Recovery, the same for every backend (DESIGN §4): newest snapshot whose checksum and state hash
// verify (falling back to older ones, then to seq 0), replay of the events after it with evolve
// (checking the hash chain as it goes), the feed clock from the last commit, and the input
// position to resume after. Or, where faster (the engine is deterministic), re-execution of the
// input log after the snapshot's input position up to the committed one: the state reached must
// have exactly the committed seq, and the chain's head is the committed hash (D63).
import { emptyState, evolve, type EventEnvelope, type State } from '../engine/index.js';
import { DEFAULT_MARKET } from '../engine/market.js';
import type { Backend, SnapshotInfo } from '../store/types.js';
import { LINE_TAIL_LENGTH } from '../store/event-line.js';
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
}

class CorruptLogError extends Error {}

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
  const { lastHash, replayed } = await replayEvents(backend, state, snap?.hash ?? GENESIS_HASH, target, opts.onProgress);
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
): Promise<{ lastHash: string; replayed: number }> {
  let replayed = 0;
  while (state.seq < target) {
    const max = Math.min(10_000, target - state.seq);
    const rows =
      backend.readLines !== undefined
        ? await backend.readLines(state.seq + 1, max)
        : (await backend.readEvents(state.seq + 1, max)).map((r): [number, string, string] => [r.seq, r.line, r.hash]);
    if (rows.length === 0 && toEnd) break;
    if (rows.length === 0) throw new CorruptLogError(`event log ends at seq ${state.seq}, expected ${target}; run relayer verify`);
    for (const [seq, line, hash] of rows) {
      if (seq !== state.seq + 1) throw new CorruptLogError(`event log has a gap before seq ${seq}; run relayer verify`);
      // the link is checked on the fixed-length tail; only the head is parsed (SPEC §12 layout)
      if (line.length <= LINE_TAIL_LENGTH || line.slice(-140, -76) !== lastHash)
        throw new CorruptLogError(`hash chain broken at seq ${seq}; run relayer verify`);
      const env = JSON.parse(`${line.slice(0, -LINE_TAIL_LENGTH)}}`) as EventEnvelope;
      evolve(state, env);
      lastHash = hash;
      replayed++;
    }
    onProgress?.(state.seq, target);
  }
  return { lastHash, replayed };
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
  while (end !== null && (after === null || Number(after) < end)) {
    const recs = await backend.read(after, 10_000, 0);
    if (recs.length === 0) break;
    for (const rec of recs) {
      if (Number(rec.position) > end) break;
      runRecord(state, rec);
      commands++;
      after = rec.position;
    }
    opts.onProgress?.(state.seq, committed.seq);
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
