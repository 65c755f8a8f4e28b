// `relayer events`: print the committed event log (or, with --inbox, the input log), with filters;
// --follow keeps printing as new batches commit.
import { setTimeout as sleep } from 'node:timers/promises';
import { usage } from '../errors.js';
import { toEnvelope } from '../runtime/record.js';
import type { Backend, StoredEvent } from '../store/types.js';
import { openBackend, type BackendOptions } from './backend.js';
import { printEvents } from './print.js';

export interface EventsOptions extends BackendOptions {
  follow?: boolean;
  fromSeq?: string;
  type?: string;
  account?: string;
  json?: boolean;
  inbox?: boolean;
  limit?: string;
}

export async function events(opts: EventsOptions): Promise<void> {
  const store = await openBackend(opts);
  const from = opts.fromSeq === undefined ? 1 : Number(opts.fromSeq);
  if (!Number.isInteger(from) || from < 1) throw usage('--from-seq must be a positive integer');
  const limit = opts.limit === undefined ? Infinity : Number(opts.limit);
  try {
    if (opts.inbox) return await exportInbox(store, from);
    const json = opts.json === true || !process.stdout.isTTY;
    const keep = (e: StoredEvent): boolean => (opts.type === undefined || e.type === opts.type) && (opts.account === undefined || e.account === opts.account);
    let next = from;
    let printed = 0;
    let stop = false;
    process.once('SIGINT', () => {
      stop = true;
    });
    process.once('SIGTERM', () => {
      stop = true;
    });
    while (!stop && printed < limit) {
      const rows = await store.readEvents(next, 5000);
      if (rows.length > 0) {
        const shown = rows.filter(keep).slice(0, limit - printed);
        printEvents(shown, json);
        printed += shown.length;
        next = rows[rows.length - 1]!.seq + 1;
        continue;
      }
      if (!opts.follow) break;
      await sleep(100);
    }
  } finally {
    await store.close();
  }
}

/** The input log as command envelopes with the log's ts stamped in, one per line (for exec). */
async function exportInbox(store: Backend, from: number): Promise<void> {
  // positions are offsets on Kafka: 0 is a real record, so "from the start" is null, not 0
  let after: string | null = from > 1 ? String(from - 1) : null;
  for (;;) {
    const rows = await store.read(after, 10_000, 0);
    if (rows.length === 0) break;
    let out = '';
    for (const r of rows) {
      const env = toEnvelope(r.raw, r.ts);
      out += `${'value' in env ? JSON.stringify(env.value) : r.raw}\n`;
    }
    process.stdout.write(out);
    after = rows[rows.length - 1]!.position;
  }
}
