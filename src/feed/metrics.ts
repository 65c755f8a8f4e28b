// Prometheus counters of a feed process, served on GET /metrics.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
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

  inc(name: CounterName): void { this.counters[name].inc(); }
  observePrice(price: number): void { this.lastPrice.set(price); }

  /** Serves /metrics on `spec` (`port` or `host:port`; host defaults to 127.0.0.1, port 0 picks one). */
  async serve(spec: string): Promise<{ url: string; close: () => Promise<void> }> {
    const { host, port } = parseListen(spec);
    const server: Server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try /metrics\n');
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => { server.off('error', reject); resolve(); });
    });
    server.unref();
    const addr = server.address() as AddressInfo;
    const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return {
      url: `http://${shown}:${addr.port}/metrics`,
      close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
    };
  }
}

export function parseListen(spec: string): { host: string; port: number } {
  const m = /^(?:(.*):)?(\d+)$/.exec(spec.trim());
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || !Number.isInteger(port) || port > 65535) throw new RangeError(`bad listen address ${JSON.stringify(spec)} (want port or host:port)`);
  const host = (m[1] ?? '127.0.0.1').replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? '127.0.0.1' : host, port };
}
