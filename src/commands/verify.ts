// `relayer verify`: prove the event log. First the hash chain (gapless seq, every line's hash,
// every prev link); then re-execute every committed input record through a fresh engine and
// compare each produced line with the stored one, byte for byte. Exit 1 names the first bad seq.
import { emptyState } from '../engine/index.js';
import { CliError } from '../errors.js';
import { ChainWriter, GENESIS_HASH, checkLine } from '../runtime/chain.js';
import { progressBar } from '../runtime/progress.js';
import { runRecord } from '../runtime/record.js';
import { openBackend, type BackendOptions } from './backend.js';
import { marketOf } from './market.js';
import type { Backend, InputRecord } from '../store/types.js';
import { printJson } from './print.js';

export interface VerifyOptions extends BackendOptions {
  json?: boolean;
  chainOnly?: boolean;
}

interface VerifyResult {
  ok: boolean;
  events: number;
  commands: number;
  first_bad_seq: number | null;
  reason: string | null;
}

export async function verify(opts: VerifyOptions): Promise<void> {
  const store = await openBackend(opts);
  const bar = progressBar('verify');
  let result: VerifyResult;
  try {
    const committed = await store.lastCommitted();
    result = await checkChain(store, committed.seq, (d) => bar.update(d, committed.seq * 2));
    if (result.ok && !opts.chainOnly) {
      result = await reexecute(store, marketOf(opts), committed.seq, committed.position === null ? null : Number(committed.position), (d) =>
        bar.update(committed.seq + d, committed.seq * 2),
      );
    }
  } finally {
    bar.stop();
    await store.close();
  }
  if (opts.json) printJson(result);
  else if (result.ok)
    process.stdout.write(`ok: ${result.events} events, hash chain intact${opts.chainOnly ? '' : `, ${result.commands} commands re-executed identically`}\n`);
  if (!result.ok) throw new CliError(`verify failed at seq ${result.first_bad_seq}: ${result.reason}`);
}

type Store = Backend;

async function checkChain(store: Store, lastSeq: number, progress: (done: number) => void): Promise<VerifyResult> {
  let expected = 1;
  let prev = GENESIS_HASH;
  const fail = (seq: number, reason: string): VerifyResult => ({ ok: false, events: expected - 1, commands: 0, first_bad_seq: seq, reason });
  for (;;) {
    const rows = await store.readEvents(expected, 10_000);
    if (rows.length === 0) break;
    for (const row of rows) {
      if (row.seq !== expected) return fail(expected, `seq ${expected} is missing (next stored is ${row.seq})`);
      const c = checkLine(row.line);
      if (!c.ok) return fail(row.seq, c.reason ?? 'bad line');
      if (c.seq !== row.seq) return fail(row.seq, `line says seq ${c.seq}`);
      if (c.prev !== prev) return fail(row.seq, 'prev does not link to the previous event');
      if (c.hash !== row.hash) return fail(row.seq, 'stored hash column differs from the line');
      prev = c.hash;
      expected++;
    }
    progress(expected - 1);
  }
  if (expected - 1 < lastSeq) return fail(expected, `event log ends at seq ${expected - 1}, committed up to ${lastSeq}`);
  return { ok: true, events: expected - 1, commands: 0, first_bad_seq: null, reason: null };
}

async function reexecute(store: Store, market: string, lastSeq: number, position: number | null, progress: (done: number) => void): Promise<VerifyResult> {
  const state = emptyState({ market });
  const chain = new ChainWriter();
  let commands = 0;
  // positions are offsets on Kafka: 0 is a real record and offsets may skip (transaction markers)
  let cursor: string | null = null;
  let pending: Map<number, string> = new Map();
  let nextStored = 1;
  const fail = (seq: number, reason: string): VerifyResult => ({ ok: false, events: state.seq, commands, first_bad_seq: seq, reason });
  while (position !== null && (cursor === null || Number(cursor) < position)) {
    const recs: InputRecord[] = (await store.read(cursor, 5000, 0)).filter((r) => Number(r.position) <= position);
    if (recs.length === 0) break;
    const produced: string[] = [];
    for (const rec of recs) {
      for (const e of runRecord(state, rec)) produced.push(chain.push(e));
      commands++;
      cursor = rec.position;
    }
    if (produced.length > 0) {
      const from = state.seq - produced.length + 1;
      pending = new Map((await store.readEvents(from, produced.length)).map((r) => [r.seq, r.line]));
      for (let i = 0; i < produced.length; i++) {
        const seq = from + i;
        const stored = pending.get(seq);
        if (stored === undefined) return fail(seq, 'the engine produces an event the log does not have');
        if (stored !== produced[i]) return fail(seq, 'the stored event differs from what the engine produces');
      }
      nextStored = state.seq + 1;
    }
    progress(state.seq);
  }
  if (state.seq < lastSeq) return fail(nextStored, `the log holds events up to ${lastSeq} that no committed command produces`);
  return { ok: true, events: state.seq, commands, first_bad_seq: null, reason: null };
}
