// Putting commands on the input log from many concurrent requests: appends are grouped (every
// command that arrives while an append is running, or in the same turn of the event loop, goes in
// the next single `append` call), so one SQLite transaction or one Kafka produce carries many
// requests. `wait` polls the committed event log for a command's events with backoff.
import { setTimeout as sleep } from 'node:timers/promises';
import { clientStatus, type EventEnvelope } from '../engine/index.js';
import type { Backend, StoredEvent } from '../store/types.js';

interface Pending {
  raw: string;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class Appender {
  private queue: Pending[] = [];
  private running = false;
  private scheduled = false;
  /** Appended commands and append calls, for metrics. */
  commands = 0;
  batches = 0;
  onBatch: ((size: number, ms: number) => void) | null = null;

  constructor(
    private readonly backend: Pick<Backend, 'append'>,
    private readonly maxBatch = 2000,
  ) {}

  /** Resolves once the command is on the input log (durable as the backend's append is). */
  append(raw: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ raw, resolve, reject });
      this.kick();
    });
  }

  appendMany(raws: readonly string[]): Promise<void> {
    return Promise.all(raws.map((r) => this.append(r))).then(() => undefined);
  }

  private kick(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
        this.queue = this.queue.length <= this.maxBatch ? [] : this.queue.slice(this.maxBatch);
        const t0 = performance.now();
        try {
          await this.backend.append(batch.map((p) => p.raw));
          this.commands += batch.length;
          this.batches++;
          this.onBatch?.(batch.length, performance.now() - t0);
          for (const p of batch) p.resolve();
        } catch (e) {
          const err = e instanceof Error ? e : new Error(String(e));
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}

/** Polls the committed event log for a command's events (a command's events commit together). */
export async function waitForEvents(backend: Pick<Backend, 'eventsOf'>, id: string, timeoutMs: number): Promise<StoredEvent[] | null> {
  const deadline = Date.now() + timeoutMs;
  let pause = 2;
  for (;;) {
    const events = await backend.eventsOf(id);
    if (events.length > 0) return events;
    if (Date.now() >= deadline) return null;
    await sleep(Math.min(pause, Math.max(1, deadline - Date.now())));
    pause = Math.min(pause * 2, 50);
  }
}

/** The answer to a write with `wait: true`: the outcome status and the committed events. */
export function outcome(id: string, type: string, rows: readonly StoredEvent[] | null): Record<string, unknown> {
  if (rows === null) return { request_id: id, status: 'RequestSubmitted', events: [], timed_out: true };
  let events = rows.map((r) => JSON.parse(r.line) as EventEnvelope);
  // a retry with the same id is answered with the first outcome (DESIGN §3); the retry's own
  // DUPLICATE_REQUEST rejection, if it committed already, names that outcome and is left out
  const first = events[0]!.seq;
  events = events.filter((e, i) => i === 0 || !(e.type === 'Rejected' && e.data.reason_code === 'DUPLICATE_REQUEST' && e.data.original_seq === first));
  const out: Record<string, unknown> = { request_id: id, status: clientStatus(events[0]!) ?? events[0]!.type, events };
  const rejected = events.find((e) => e.type === 'Rejected');
  if (rejected !== undefined && rejected.type === 'Rejected') {
    out['reason_code'] = rejected.data.reason_code;
    out['reason'] = rejected.data.reason;
  }
  const order = events.find((e) => 'order' in (e.data as object));
  if (order !== undefined) out['uuid'] = (order.data as { order: { uuid: string } }).order.uuid;
  const lend = events.find((e) => 'lend_order' in (e.data as object));
  if (lend !== undefined) out['uuid'] = (lend.data as { lend_order: { uuid: string } }).lend_order.uuid;
  if (type === 'SetMarketHalt') out['reply'] = haltReply(events);
  return out;
}

/** SPEC §2.6: SetMarketHalt's reply, computed from its events (§12). */
function haltReply(events: readonly EventEnvelope[]): Record<string, unknown> {
  let flags: { manual_halt: boolean; pause_funding: boolean; pause_price_feed: boolean } | null = null;
  let pending = 0;
  let settling = 0;
  let exit = false;
  for (const e of events) {
    if (e.type === 'RiskFlagsUpdated') flags = e.data;
    else if (e.type === 'TraderOrderCancelled') pending++;
    else if ((e.type === 'CloseLimitRemoved' || e.type === 'StopLossRemoved' || e.type === 'TakeProfitRemoved') && e.data.reason === 'ADMIN') settling++;
    else if (e.type === 'ShutdownRequested') exit = true;
  }
  return {
    halt_enabled: flags?.manual_halt ?? null,
    pending_orders_cancelled: pending,
    settling_orders_cancelled: settling,
    funding_paused: flags?.pause_funding ?? null,
    price_feed_paused: flags?.pause_price_feed ?? null,
    exit_initiated: exit,
    snapshot_taken: exit,
  };
}
