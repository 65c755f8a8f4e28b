// `relayer run --markets A,B` (and `run --demo`): several markets in one process, one worker
// thread each running exactly what `run --market` runs (its own store, lock, loop, scheduler,
// snapshot writer), so one machine uses its cores. SIGTERM/SIGINT stop every worker cleanly
// (finish the batch, commit, snapshot). One market failing is logged, the others are stopped
// cleanly and the process exits 1, so its supervisor restarts it (contract §7).
import { Worker } from 'node:worker_threads';
import { DEFAULT_MARKET } from '../engine/market.js';
import { CliError, usage } from '../errors.js';
import { createLogger } from '../infra/logger.js';
import { genesisRecords, openRegistry, requireMarket, type MarketSpec } from '../markets/registry.js';
import { openBackend, usesKafka } from './backend.js';
import { marketsOf } from './market.js';
import type { RunOptions } from './run.js';

/** The demo's second market and where its price walk starts (USD per ETH). */
const DEMO_SECOND = 'ETH-USD';
const DEMO_PRICES: Record<string, number> = { 'BTC-USD': 60_000, 'ETH-USD': 3_000 };

interface Outcome {
  market: string;
  error: string | null;
}

export async function runMarkets(opts: RunOptions): Promise<void> {
  const log = createLogger(opts.logLevel ?? process.env['RELAYER_LOG_LEVEL'] ?? 'info');
  const ids = opts.markets !== undefined ? marketsOf(opts.markets) : [DEFAULT_MARKET, DEMO_SECOND];
  if (opts.markets === undefined) await ensureDemoMarket(opts);
  // every market must be registered before any worker starts writing (BTC-USD always is)
  for (const id of ids) if (id !== DEFAULT_MARKET) await requireMarket(opts, id);
  // librdkafka's binding aborts the process when used from worker threads (seen: a HandleScope
  // fatal error on a delivery report): the workers write through kafkajs (D174)
  const client = opts.kafkaClient ?? process.env['RELAYER_KAFKA_CLIENT'];
  if (usesKafka(opts) && client === 'confluent')
    throw usage(
      '--markets runs a worker thread per market, and the confluent Kafka client cannot run in worker threads: use --kafka-client kafkajs, or one process per market (run --market)',
    );
  const basePort = opts.metricsPort === undefined ? null : Number(opts.metricsPort);
  const workers = ids.map((market, i) => {
    const wopts: RunOptions = { ...opts, market, markets: undefined, ...(usesKafka(opts) ? { kafkaClient: 'kafkajs' } : {}) };
    // metrics: one port per market, --metrics-port + its index in --markets (D172)
    if (basePort !== null) wopts.metricsPort = String(basePort + i);
    if (opts.demo === true) {
      wopts.demoPrice = DEMO_PRICES[market] ?? 100;
      wopts.demoSeed = String(Number(opts.demoSeed ?? 42) + i);
    }
    return { market, worker: new Worker(new URL('./run-worker.js', import.meta.url), { workerData: { opts: wopts } }) };
  });
  let stopping = false;
  const stopAll = (why: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ why }, 'stopping every market');
    for (const w of workers) w.worker.postMessage('stop');
  };
  const onSignal = (sig: string) => stopAll(sig);
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  log.info({ markets: ids }, 'running markets, a worker thread each');
  const outcomes = await Promise.all(
    workers.map(
      ({ market, worker }) =>
        new Promise<Outcome>((resolve) => {
          let error: string | null = null;
          worker.on('message', (m: { ok: boolean; error?: string }) => {
            if (!m.ok) error = m.error ?? 'failed';
          });
          worker.on('error', (e) => {
            error = e.message;
          });
          worker.on('exit', (code) => {
            if (error === null && code !== 0) error = `worker exited with code ${code}`;
            if (error !== null) {
              log.error({ market, err: error }, 'market failed; stopping the others');
              stopAll(`market ${market} failed`);
            } else if (!stopping) {
              stopAll(`market ${market} stopped`);
            }
            resolve({ market, error });
          });
        }),
    ),
  );
  const failed = outcomes.filter((o) => o.error !== null);
  if (failed.length > 0) throw new CliError(failed.map((f) => `market ${f.market}: ${f.error}`).join('; '));
}

/** `run --demo` runs BTC-USD and ETH-USD: ETH-USD is registered (with its genesis) when absent. */
async function ensureDemoMarket(opts: RunOptions): Promise<void> {
  const reg = await openRegistry(opts);
  try {
    if ((await reg.get(DEMO_SECOND)) !== null) return;
    const spec: MarketSpec = {
      id: DEMO_SECOND,
      tick_size: 1,
      genesis: { total_locked_value: 10_000_000_000, total_pool_share: 1_000_000 },
      created_at: Date.now(),
    };
    await reg.create(spec);
    const store = await openBackend({ ...opts, market: DEMO_SECOND }, { mustExist: false });
    try {
      await store.append(genesisRecords(spec));
    } finally {
      await store.close();
    }
  } finally {
    await reg.close();
  }
}
