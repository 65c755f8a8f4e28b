// `relayer snapshot create|list|inspect`.
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../errors.js';
import { DirLock, lockOwner } from '../runtime/lock.js';
import { createLogger } from '../infra/logger.js';
import { DEFAULT_LOOP, EngineLoop } from '../runtime/loop.js';
import { recover } from '../runtime/recover.js';
import { decodeSnapshot } from '../runtime/state-file.js';
import { summarize } from '../runtime/summary.js';
import { marketDir, openBackend, type BackendOptions } from './backend.js';
import { marketOf } from './market.js';
import { printJson, printRecord } from './print.js';
import { newId } from './submit-build.js';
import { waitFor } from './submit.js';
import Table from 'cli-table3';

export interface SnapshotOptions extends BackendOptions {
  json?: boolean;
  timeout?: string;
}

/** With a running engine, asks it (a Snapshot command); without one, recovers and saves offline. */
export async function snapshotCreate(opts: SnapshotOptions): Promise<void> {
  const store = await openBackend(opts);
  try {
    let info: Awaited<ReturnType<typeof store.listSnapshots>>[number] | undefined;
    // Kafka: always recovered here from the committed log (one state record ties seq to input
    // position, so it is consistent even while an engine commits); no lock to ask about
    if (store.name !== 'kafka' && lockOwner(marketDir(opts, marketOf(opts))) !== null) {
      const id = newId();
      await store.append([JSON.stringify({ v: 1, id, type: 'Snapshot', params: {} })]);
      const [ev] = await waitFor(store, id, Number(opts.timeout ?? 60_000));
      const deadline = Date.now() + Number(opts.timeout ?? 60_000);
      for (;;) {
        info = (await store.listSnapshots()).find((s) => s.seq >= ev!.seq);
        if (info !== undefined) break;
        if (Date.now() > deadline) throw new CliError('the engine did not save the snapshot in time');
        await sleep(50);
      }
    } else {
      const lock = store.name === 'kafka' ? null : DirLock.acquire(marketDir(opts, marketOf(opts)));
      try {
        const log = createLogger('warn');
        const rec = await recover(store, { log, market: marketOf(opts) });
        const loop = new EngineLoop(store, rec.state, rec.lastHash, rec.position, { ...DEFAULT_LOOP, log });
        await loop.snapshot('manual');
        info = (await store.listSnapshots())[0]!;
      } finally {
        lock?.release();
      }
    }
    if (opts.json) printJson(info);
    else process.stdout.write(`snapshot ${info.id} at seq ${info.seq} (${info.size} bytes)\n`);
  } finally {
    await store.close();
  }
}

export async function snapshotList(opts: SnapshotOptions): Promise<void> {
  const store = await openBackend(opts);
  try {
    const list = await store.listSnapshots();
    if (opts.json || !process.stdout.isTTY) {
      for (const s of list) printJson(s);
      return;
    }
    const t = new Table({ head: ['id', 'seq', 'input position', 'command time', 'state hash', 'bytes'] });
    for (const s of list) t.push([s.id, s.seq, s.position ?? '-', new Date(s.created_ts).toISOString(), s.state_hash.slice(0, 16), s.size]);
    process.stdout.write(`${t.toString()}\n`);
  } finally {
    await store.close();
  }
}

export async function snapshotInspect(id: string | undefined, opts: SnapshotOptions): Promise<void> {
  const store = await openBackend(opts);
  try {
    const list = await store.listSnapshots();
    const info = id === undefined ? list[0] : list.find((s) => s.id === id);
    if (info === undefined) throw new CliError(id === undefined ? 'there are no snapshots' : `no snapshot ${id}`);
    let result: Record<string, unknown>;
    try {
      const { meta, state } = decodeSnapshot(await store.loadSnapshot(info.id));
      result = { id: info.id, valid: true, ...meta, ...summarize(state), closed_orders: state.closed.size, remembered_ids: state.seen.size };
    } catch (e) {
      result = { id: info.id, valid: false, error: (e as Error).message, seq: info.seq };
    }
    if (opts.json) printJson(result);
    else printRecord(result);
    if (result['valid'] === false) throw new CliError(`snapshot ${info.id} is invalid: ${String(result['error'])}`);
  } finally {
    await store.close();
  }
}
