// `relayer submit`: append commands to the input log and print their ids; --wait prints the
// committed outcome (exit 1 when it is a rejection).
import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../errors.js';
import { readLines } from '../infra/lines.js';
import type { Backend, StoredEvent } from '../store/types.js';
import { openBackend, type BackendOptions } from './backend.js';
import { printEvents } from './print.js';
import { fromFlags, fromLine, type Built, type OrderFlags } from './submit-build.js';

export interface SubmitOptions extends Omit<BackendOptions, 'market'>, OrderFlags {
  file?: string;
  wait?: boolean;
  timeout?: string;
  json?: boolean;
}

export async function submit(kind: string | undefined, opts: SubmitOptions): Promise<void> {
  const store = await openBackend({ ...opts, market: typeof opts.market === 'string' ? opts.market : undefined });
  try {
    if (kind === undefined || kind === '-') return await submitLines(store, opts);
    const built = fromFlags(kind, opts);
    const [pos] = await store.append([built.raw]);
    if (!opts.wait) {
      process.stdout.write(opts.json ? `${JSON.stringify({ id: built.id, position: pos!.position })}\n` : `${built.id}\n`);
      return;
    }
    const events = await waitFor(store, built.id!, Number(opts.timeout ?? 30_000));
    printEvents(events, opts.json === true);
    if (events.some((e) => e.type === 'Rejected')) throw new CliError(`command ${built.id} was rejected`);
  } finally {
    await store.close();
  }
}

/** JSON lines from --file or stdin, appended in transactions of up to 1000 records. */
async function submitLines(store: Backend, opts: SubmitOptions): Promise<void> {
  const input = opts.file !== undefined && opts.file !== '-' ? createReadStream(opts.file) : process.stdin;
  let batch: Built[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const res = await store.append(batch.map((b) => b.raw));
    let out = '';
    for (let i = 0; i < batch.length; i++) {
      const id = batch[i]!.id;
      out += opts.json ? `${JSON.stringify({ id, position: res[i]!.position })}\n` : `${id ?? `(raw at ${res[i]!.position})`}\n`;
    }
    process.stdout.write(out);
    batch = [];
  };
  for await (const line of readLines(input)) {
    if (line.trim().length === 0) continue;
    batch.push(fromLine(line));
    if (batch.length >= 1000) await flush();
  }
  await flush();
}

/** Polls the committed event log for the command's events. */
export async function waitFor(store: Backend, id: string, timeoutMs: number): Promise<StoredEvent[]> {
  const deadline = Date.now() + timeoutMs;
  let pause = 2;
  for (;;) {
    const events = await store.eventsOf(id);
    if (events.length > 0) return events; // a command's events commit together
    if (Date.now() > deadline) throw new CliError(`no outcome for ${id} within ${timeoutMs} ms (is relayer run running?)`);
    await sleep(pause);
    pause = Math.min(pause * 2, 50);
  }
}
