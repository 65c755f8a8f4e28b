// Prometheus metrics of the gateway (GET /metrics on both ports). Under `--workers N` each worker
// keeps its own registry and /metrics answers the sum over all workers (prom-client's
// AggregatorRegistry in the primary, asked over the cluster IPC channel; src/api/cluster.ts).
import cluster from 'node:cluster';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'port' | 'status'>;
  readonly calls: Counter<'port' | 'method' | 'outcome'>;
  readonly latency: Histogram<'port'>;
  readonly authRejected: Counter<'reason'>;
  readonly appended: Counter;
  readonly appendBatch: Histogram;
  readonly appendSeconds: Histogram;
  readonly inflight: Gauge<'port'>;

  constructor() {
    const r = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'relayer_api_' });
    this.requests = new Counter({
      name: 'relayer_api_http_requests_total',
      help: 'HTTP requests by port and status',
      labelNames: ['port', 'status'],
      registers: r,
    });
    this.calls = new Counter({
      name: 'relayer_api_calls_total',
      help: 'JSON-RPC calls by method and outcome (ok or the error code)',
      labelNames: ['port', 'method', 'outcome'],
      registers: r,
    });
    this.latency = new Histogram({
      name: 'relayer_api_request_seconds',
      help: 'HTTP request latency (body read to response written)',
      labelNames: ['port'],
      registers: r,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.authRejected = new Counter({
      name: 'relayer_api_auth_rejected_total',
      help: 'requests refused by authentication, by reason',
      labelNames: ['reason'],
      registers: r,
    });
    this.appended = new Counter({ name: 'relayer_api_commands_appended_total', help: 'commands put on the input log', registers: r });
    this.appendBatch = new Histogram({
      name: 'relayer_api_append_batch_size',
      help: 'commands per append call',
      registers: r,
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2000],
    });
    this.appendSeconds = new Histogram({
      name: 'relayer_api_append_seconds',
      help: 'duration of one append call to the input log',
      registers: r,
      buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
    });
    this.inflight = new Gauge({ name: 'relayer_api_inflight_requests', help: 'requests being handled', labelNames: ['port'], registers: r });
    if (cluster.isWorker) {
      AggregatorRegistry.setRegistries(this.registry);
      new AggregatorRegistry(); // installs the worker's answer to the primary's metrics requests
    }
  }

  /** The exposition text: this process's, or in a cluster worker the sum over every worker. */
  async text(): Promise<string> {
    if (!cluster.isWorker) return this.registry.metrics();
    return askPrimary();
  }
}

let asked = 0;
const waiting = new Map<number, (text: string) => void>();

function askPrimary(): Promise<string> {
  if (waiting.size === 0) {
    process.on('message', onReply);
  }
  const id = ++asked;
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      waiting.delete(id);
      reject(new Error('the primary did not answer the metrics request'));
    }, 5000);
    waiting.set(id, (text) => {
      clearTimeout(t);
      resolve(text);
    });
    process.send!({ type: 'relayer:metrics-req', id });
  });
}

function onReply(m: unknown): void {
  const msg = m as { type?: string; id?: number; text?: string };
  if (msg.type !== 'relayer:metrics-res' || msg.id === undefined) return;
  const done = waiting.get(msg.id);
  if (done === undefined) return;
  waiting.delete(msg.id);
  if (waiting.size === 0) process.off('message', onReply);
  done(msg.text ?? '');
}
