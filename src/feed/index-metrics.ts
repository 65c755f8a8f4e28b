// Per-source Prometheus series of an index feed (SPEC §14), read from the oracle at scrape time:
// label `name` is the source; the registry's default label `source` is the feed's (`index`).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Oracle } from './oracle.js';

export function registerIndexMetrics(registry: Registry, oracle: Oracle, now: () => number = Date.now): void {
  const each = (fn: (name: string, s: Oracle['stats'][string]) => void): void => {
    for (const [name, s] of Object.entries(oracle.stats)) fn(name, s);
  };
  const registers = [registry];
  new Gauge({
    name: 'relayer_feed_source_last_price',
    help: 'last trade price received from the source',
    labelNames: ['name'],
    registers,
    collect() {
      this.reset();
      each((name, s) => {
        if (s.last_price !== null) this.set({ name }, s.last_price);
      });
    },
  });
  new Gauge({
    name: 'relayer_feed_source_age_ms',
    help: "time since the source's last trade price arrived",
    labelNames: ['name'],
    registers,
    collect() {
      this.reset();
      const t = now();
      each((name, s) => {
        if (s.last_at !== null) this.set({ name }, Math.max(0, t - s.last_at));
      });
    },
  });
  new Gauge({
    name: 'relayer_feed_source_used',
    help: '1 when the last index step used the source, else 0',
    labelNames: ['name'],
    registers,
    collect() {
      this.reset();
      each((name, s) => this.set({ name }, s.state === 'used' ? 1 : 0));
    },
  });
  new Counter({
    name: 'relayer_feed_source_reconnects_total',
    help: 'reconnect attempts of the source',
    labelNames: ['name'],
    registers,
    collect() {
      this.reset();
      each((name, s) => this.inc({ name }, s.reconnects));
    },
  });
  new Counter({
    name: 'relayer_feed_source_dropped_messages_total',
    help: 'source messages that could not be read (skipped)',
    labelNames: ['name'],
    registers,
    collect() {
      this.reset();
      each((name, s) => this.inc({ name }, s.dropped));
    },
  });
  new Counter({
    name: 'relayer_feed_source_excluded_total',
    help: 'times the source was left out of the index, by reason',
    labelNames: ['name', 'reason'],
    registers,
    collect() {
      this.reset();
      each((name, s) => {
        for (const [reason, n] of Object.entries(s.excluded)) this.inc({ name, reason }, n);
      });
    },
  });
  new Gauge({
    name: 'relayer_feed_index_price',
    help: 'the index at the last step (absent while the quorum is not met)',
    registers,
    collect() {
      this.reset();
      const p = oracle.lastIndex?.price;
      if (p !== undefined && p !== null) this.set(p);
    },
  });
  new Gauge({
    name: 'relayer_feed_quorum_met',
    help: '1 when the last index step met the quorum, else 0',
    registers,
    collect() {
      this.set(oracle.lastIndex?.price != null ? 1 : 0);
    },
  });
}
