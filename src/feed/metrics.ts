// Prometheus counters of a feed process, served on GET /metrics.
import { Counter, Gauge, Registry } from 'prom-client';
import { serveMetrics, type MetricsServer } from '../infra/metrics-server.js';
import type { CounterName, FeedCounters } from './runner.js';

export class FeedMetrics implements FeedCounters {
  readonly registry = new Registry();
  private readonly counters: Record<CounterName, Counter>;
  readonly lastPrice: Gauge;

  constructor(source: string) {
    this.registry.setDefaultLabels({ source });
    const counter = (name: string, help: string): Counter => new Counter({ name, help, registers: [this.registry] });
    this.counters = {
      ticks: counter('relayer_feed_ticks_total', 'PriceTick commands appended to the input log'),
      heartbeats: counter('relayer_feed_heartbeats_total', 'Heartbeat commands appended to the input log'),
      reconnects: counter('relayer_feed_reconnects_total', 'reconnect attempts of the price source'),
      rejected: counter('relayer_feed_rejected_messages_total', 'source messages or lines that could not be read (skipped)'),
    };
    this.lastPrice = new Gauge({ name: 'relayer_feed_last_price', help: 'last price received from the source', registers: [this.registry] });
  }

  inc(name: CounterName): void {
    this.counters[name].inc();
  }
  observePrice(price: number): void {
    this.lastPrice.set(price);
  }

  /** Serves /metrics (and /healthz) on `spec` (`port` or `host:port`; host defaults to 127.0.0.1, port 0 picks one). */
  serve(spec: string): Promise<MetricsServer> {
    return serveMetrics(this.registry, spec);
  }
}
