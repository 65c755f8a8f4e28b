// Prometheus /metrics for the long-running processes besides the gateway: `relayer run` (the
// engine loop) and `relayer project` (the projectors). Each gets its own registry and a tiny
// node:http server on --metrics-port; nothing here touches the hot path beyond a counter update
// per batch.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { serveMetrics, type MetricsServer } from '../infra/metrics-server.js';
import type { Projector } from '../projections/runner.js';

/** Counters of the engine loop (`relayer run --metrics-port`). */
class LoopMetrics {
  readonly registry = new Registry();
  readonly commands: Counter;
  readonly events: Counter;
  readonly batches: Counter;
  readonly commitSeconds: Histogram;
  readonly batchCommands: Histogram;
  readonly lastSeq: Gauge;

  constructor() {
    const r = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'relayer_run_' });
    this.commands = new Counter({ name: 'relayer_run_commands_total', help: 'commands consumed from the input log', registers: r });
    this.events = new Counter({ name: 'relayer_run_events_total', help: 'events committed to the event log', registers: r });
    this.batches = new Counter({ name: 'relayer_run_batches_total', help: 'batches committed (events + input position in one atomic step)', registers: r });
    this.commitSeconds = new Histogram({
      name: 'relayer_run_commit_seconds',
      help: 'duration of one atomic commit of a batch',
      registers: r,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    });
    this.batchCommands = new Histogram({
      name: 'relayer_run_batch_commands',
      help: 'commands per batch',
      registers: r,
      buckets: [1, 2, 5, 10, 50, 100, 500, 1000, 2000, 5000],
    });
    this.lastSeq = new Gauge({ name: 'relayer_run_last_seq', help: 'seq of the last committed event', registers: r });
  }

  /** Hook for EngineLoop.onBatch. */
  batch(b: { commands: number; events: number; commitMs: number; lastSeq: number }): void {
    this.commands.inc(b.commands);
    this.events.inc(b.events);
    this.batches.inc();
    this.commitSeconds.observe(b.commitMs / 1000);
    this.batchCommands.observe(b.commands);
    this.lastSeq.set(b.lastSeq);
  }
}

/** Counters of the projectors (`relayer project --metrics-port`), labelled by read model. */
class ProjectMetrics {
  readonly registry = new Registry();
  readonly events: Counter<'model'>;
  readonly batches: Counter<'model'>;
  readonly writeSeconds: Histogram<'model'>;
  readonly seq: Gauge<'model'>;
  readonly lag: Gauge<'model'>;

  constructor() {
    const r = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'relayer_project_' });
    this.events = new Counter({ name: 'relayer_project_events_total', help: 'events applied to the read model', labelNames: ['model'], registers: r });
    this.batches = new Counter({ name: 'relayer_project_batches_total', help: 'batches committed to the read model', labelNames: ['model'], registers: r });
    this.writeSeconds = new Histogram({
      name: 'relayer_project_write_seconds',
      help: 'duration of one batch write (rows + checkpoint)',
      labelNames: ['model'],
      registers: r,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    });
    this.seq = new Gauge({ name: 'relayer_project_checkpoint_seq', help: 'last event seq the read model holds', labelNames: ['model'], registers: r });
    this.lag = new Gauge({ name: 'relayer_project_lag_events', help: 'events in the log not yet in the read model', labelNames: ['model'], registers: r });
  }

  /** Hook for Projector.onCommit (head = the newest seq the projector saw in the log). */
  commit(c: { model: string; checkpoint: { seq: number }; events: number; ms: number }, head: number): void {
    const model = c.model;
    this.events.inc({ model }, c.events);
    this.batches.inc({ model });
    this.writeSeconds.observe({ model }, c.ms / 1000);
    this.seq.set({ model }, c.checkpoint.seq);
    this.lag.set({ model }, Math.max(0, head - c.checkpoint.seq));
  }
}

/** `relayer run --metrics-port`: hooks the loop's batch callback and serves its counters. */
export async function serveLoopMetrics(
  loop: { onBatch: ((b: { commands: number; events: number; commitMs: number; lastSeq: number }) => void) | null },
  spec: string,
): Promise<MetricsServer> {
  const m = new LoopMetrics();
  const prev = loop.onBatch;
  loop.onBatch = (b) => {
    prev?.(b);
    m.batch(b);
  };
  return serveMetrics(m.registry, spec);
}

/** `relayer project --metrics-port`: hooks every projector's commit callback and serves the counters. */
export async function serveProjectMetrics(projectors: readonly Pick<Projector<unknown>, 'head' | 'onCommit'>[], spec: string): Promise<MetricsServer> {
  const m = new ProjectMetrics();
  for (const p of projectors) {
    const prev = p.onCommit;
    p.onCommit = (c) => {
      prev?.(c);
      m.commit(c, p.head);
    };
  }
  return serveMetrics(m.registry, spec);
}
