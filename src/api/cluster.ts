// `relayer api --workers N`: N gateway processes sharing the two listening ports (node:cluster; the
// primary accepts and hands connections out round-robin). Each worker is a whole gateway with its
// own Redis connection, PostgreSQL pool and append thread; the input log takes appends from all of
// them. The primary only supervises: it answers the workers' /metrics requests with the sum over
// all workers, replaces a worker that dies after it was up, and on SIGTERM/SIGINT stops them all
// (each finishes its requests in flight) and exits 0. A worker that fails while starting (a port
// in use, no data directory) makes the primary stop everything and exit 1.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { Logger } from '../infra/logger.js';

const STARTUP_GRACE_MS = 5000;

export async function runPrimary(workers: number, log: Logger): Promise<number> {
  const agg = new AggregatorRegistry();
  let stopping = false;
  let failed = false;
  const started = new Map<number, number>();
  const ready = new Set<number>();
  const fork = (): Worker => {
    const w = cluster.fork({ RELAYER_API_WORKER: '1' });
    started.set(w.id, Date.now());
    w.on('message', (m: { type?: string; id?: number }) => {
      if (m.type === 'relayer:api-listening') ready.add(w.id);
      if (m.type !== 'relayer:metrics-req') return;
      agg.clusterMetrics().then(
        (text) => {
          if (w.isConnected()) w.send({ type: 'relayer:metrics-res', id: m.id, text });
        },
        (e: Error) => {
          if (w.isConnected()) w.send({ type: 'relayer:metrics-res', id: m.id, text: `# metrics unavailable: ${e.message}\n` });
        },
      );
    });
    return w;
  };
  for (let i = 0; i < workers; i++) fork();
  return new Promise<number>((resolve) => {
    const stopAll = (): void => {
      for (const w of Object.values(cluster.workers ?? {})) if (w !== undefined && !w.isDead()) w.process.kill('SIGTERM');
    };
    const finish = (): void => {
      if (Object.values(cluster.workers ?? {}).every((w) => w === undefined || w.isDead())) resolve(failed ? 1 : 0);
    };
    cluster.on('exit', (w, code, signal) => {
      const upFor = Date.now() - (started.get(w.id) ?? Date.now());
      started.delete(w.id);
      if (stopping) {
        finish();
        return;
      }
      if (!ready.has(w.id) || upFor < STARTUP_GRACE_MS) {
        log.error({ worker: w.id, code, signal }, 'a gateway worker failed while starting; stopping');
        failed = true;
        stopping = true;
        stopAll();
        finish();
        return;
      }
      log.warn({ worker: w.id, code, signal, up_ms: upFor }, 'a gateway worker died; starting another');
      fork();
    });
    const onSignal = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal: sig, workers }, 'stopping the gateway workers');
      stopAll();
      finish();
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
}

/** In a worker: tells the primary the gateway is listening. */
export function announceListening(): void {
  if (cluster.isWorker) process.send?.({ type: 'relayer:api-listening' });
}
