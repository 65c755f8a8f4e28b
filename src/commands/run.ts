// `relayer run`: recover, then run the engine loop until SIGTERM/SIGINT or ShutdownRequested;
// finish the batch, commit, snapshot, exit 0. Fatal errors exit non-zero for the supervisor.
import { CliError } from '../errors.js';
import { DemoMarket, DEFAULT_DEMO, demoNextSteps } from '../runtime/demo.js';
import { DirLock } from '../runtime/lock.js';
import { createLogger, logFormat } from '../infra/logger.js';
import { DEFAULT_LOOP, EngineLoop } from '../runtime/loop.js';
import { Snapshotter } from '../runtime/snapshotter.js';
import { recover } from '../runtime/recover.js';
import { DemoTicker } from '../runtime/demo-ticker.js';
import { DEFAULT_SCHEDULER, Scheduler } from '../runtime/scheduler.js';
import type { State } from '../engine/index.js';
import type { Backend } from '../store/types.js';
import { openBackend, usesKafka, type BackendOptions, marketDir } from './backend.js';
import { marketOf } from './market.js';
import { DEFAULT_MARKET } from '../engine/market.js';
import { FencedError, InterruptedError } from '../store/kafka/errors.js';
import type { SqliteStore } from '../store/sqlite/store.js';
import type { KafkaBackend } from '../store/kafka/backend.js';
import { serveLoopMetrics } from '../api/process-metrics.js';

export interface RunOptions extends BackendOptions {
  demo?: boolean;
  /** Several markets in this process, one worker thread each (run-markets.ts). */
  markets?: string;
  /** The demo's walk starts here (ETH-USD's demo starts lower than BTC-USD's). */
  demoPrice?: number;
  demoSeed?: string;
  logLevel?: string;
  batchMax?: string;
  batchMs?: string;
  snapshotEvents?: string;
  snapshotMs?: string;
  keepSnapshots?: string;
  /** Kafka: snapshots from the worker (D221), on unless --no-snapshot-worker (D270). */
  snapshotWorker?: boolean;
  genesisTlv?: string;
  genesisShares?: string;
  genesisAccount?: string;
  scheduler?: boolean;
  fundingEveryMs?: string;
  fees?: string;
  staleWarnMs?: string;
  staleHaltMs?: string;
  metricsPort?: string;
  recovery?: string;
}

function int(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new CliError(`--${name} must be a non-negative number`, 2);
  return n;
}

/** How a caller other than the process (a worker of `run --markets`) stops this engine. */
export interface RunControl {
  onStop?: (stop: () => void) => void;
}

export async function run(opts: RunOptions, control: RunControl = {}): Promise<void> {
  // several markets (or the demo's two) in this process: a worker thread each (run-markets.ts)
  if (control.onStop === undefined && (opts.markets !== undefined || (opts.demo === true && opts.market === undefined))) {
    const { runMarkets } = await import('./run-markets.js');
    return runMarkets(opts);
  }
  const logLevel = opts.logLevel ?? process.env['RELAYER_LOG_LEVEL'] ?? 'info';
  const log = createLogger(logLevel);
  // on Kafka the market's transactional id fences an older engine instead of a lock file, and
  // the genesis InitPool is written when the request topic has never held a record
  const kafka = usesKafka(opts);
  // a market other than BTC-USD got its genesis from `relayer markets create` (D164)
  const market = marketOf(opts);
  const genesis = market === DEFAULT_MARKET ? genesisCommand(opts) : null;
  const store = await openBackend(opts, { mustExist: false, genesis, engine: true, log });
  const dir = marketDir(opts, market);
  const lock = kafka ? null : DirLock.acquire(dir);
  let snapshotter: Snapshotter | null = null;
  try {
    // embedded: commits run in a worker thread while the engine decides the next batch (D61)
    if (!kafka) await (store as SqliteStore).startCommitWorker();
    // Kafka: the batch's hash chain and frame compression in a worker thread (D271)
    else await (store as KafkaBackend).startFrameWorker();
    const path = opts.recovery ?? 'events';
    if (path !== 'events' && path !== 'inputs' && path !== 'auto') throw new CliError('--recovery must be events, inputs or auto', 2);
    const t0 = performance.now();
    const rec = await recover(store, { log, path, market });
    // `relayer status` shows how the last start rebuilt its state (embedded: kept in the store's meta)
    if (!kafka) {
      (store as SqliteStore).setMeta(
        'recovery',
        JSON.stringify({
          path: rec.path,
          ms: Math.round(rec.ms),
          replayed: rec.replayed,
          commands: rec.commands,
          snapshot: rec.snapshot?.id ?? null,
          snapshot_seq: rec.snapshot?.seq ?? 0,
          at: Date.now(),
        }),
      );
    }
    log.info(
      {
        market,
        ...(kafka ? { backend: 'kafka' } : { data: dir }),
        seq: rec.state.seq,
        snapshot: rec.snapshot?.id ?? null,
        snapshot_seq: rec.snapshot?.seq ?? 0,
        replayed: rec.replayed,
        path: rec.path,
        position: rec.position,
        ms: Math.round(performance.now() - t0),
      },
      'recovered',
    );
    // periodic and requested snapshots are built from the log in a worker thread; on Kafka the
    // engine's producer stores the image the worker hands back (D221); --no-snapshot-worker turns it off (D270)
    snapshotter = !kafka
      ? new Snapshotter(dir, market)
      : opts.snapshotWorker !== false
        ? new Snapshotter({ kind: 'kafka', cfg: (store as KafkaBackend).cfg }, market, store, logLevel)
        : null;
    const loop = new EngineLoop(store, rec.state, rec.lastHash, rec.position, {
      ...DEFAULT_LOOP,
      batchMax: int(opts.batchMax, 'batch-max', DEFAULT_LOOP.batchMax),
      batchMs: int(opts.batchMs, 'batch-ms', DEFAULT_LOOP.batchMs),
      snapshotEveryEvents: int(opts.snapshotEvents, 'snapshot-events', DEFAULT_LOOP.snapshotEveryEvents),
      snapshotEveryMs: int(opts.snapshotMs, 'snapshot-ms', DEFAULT_LOOP.snapshotEveryMs),
      keepSnapshots: int(opts.keepSnapshots, 'keep-snapshots', DEFAULT_LOOP.keepSnapshots),
      ...(snapshotter === null ? {} : { snapshotter }),
      log,
    });
    // --metrics-port: Prometheus counters of the loop (commands, events, batches, commit latency)
    const metrics =
      opts.metricsPort === undefined
        ? null
        : await serveLoopMetrics(loop, opts.metricsPort).catch((e: Error) => {
            throw new CliError(`--metrics-port: ${e.message}`, 2);
          });
    if (metrics !== null) log.info({ url: metrics.url }, 'serving metrics');
    const onSignal = (sig: string) => {
      log.info({ signal: sig }, 'stopping after the current batch');
      loop.stop();
      (store as { interrupt?: () => void }).interrupt?.(); // Kafka: stop waiting for an unreachable broker
    };
    if (control.onStop !== undefined) control.onStop(() => onSignal('stop'));
    else {
      process.once('SIGTERM', () => onSignal('SIGTERM'));
      process.once('SIGINT', () => onSignal('SIGINT'));
    }
    await applyConfig(store, rec.state, opts);
    let scheduler: Scheduler | null = null;
    if (opts.scheduler !== false) {
      scheduler = new Scheduler(store, {
        ...DEFAULT_SCHEDULER,
        log,
        fundingEveryMs: int(opts.fundingEveryMs, 'funding-every-ms', opts.demo ? 10_000 : DEFAULT_SCHEDULER.fundingEveryMs),
      });
      scheduler.start();
    }
    let demo: DemoMarket | null = null;
    let ticker: DemoTicker | null = null;
    if (opts.demo) {
      const append = kafka
        ? (raws: string[]) => {
            store.append(raws).catch((e: Error) => log.warn({ err: e.message }, 'demo: append failed'));
          }
        : (raws: string[]) => {
            (store as SqliteStore).appendSync(raws, Date.now());
          };
      demo = new DemoMarket(
        () => loop.state,
        append,
        {
          ...DEFAULT_DEMO,
          seed: int(opts.demoSeed, 'demo-seed', DEFAULT_DEMO.seed),
          ...(opts.demoPrice !== undefined ? { startPrice: opts.demoPrice } : {}),
        },
        Date.now(),
        log,
      );
      demo.start();
      ticker = new DemoTicker(loop);
      ticker.start();
      // people get the next steps as text; log readers (JSON) get them as a field
      if (logFormat() === 'pretty') process.stderr.write(demoNextSteps(opts.data, market));
      else
        log.info(
          {
            market,
            next: demoNextSteps(opts.data, market)
              .trim()
              .split('\n')
              .slice(1)
              .map((l) => l.trim()),
          },
          'demo market running; press Ctrl-C to stop',
        );
    }
    let reason: Awaited<ReturnType<typeof loop.run>>;
    try {
      reason = await loop.run();
    } catch (e) {
      if (e instanceof FencedError || e instanceof InterruptedError) throw new CliError(e.message);
      throw e;
    } finally {
      demo?.stop();
      ticker?.stop();
      scheduler?.stop();
    }
    if (reason === 'signal') await loop.snapshot('shutdown');
    log.info({ reason, seq: loop.state.seq, commands: loop.commands, events: loop.events }, 'stopped');
    await metrics?.close();
  } finally {
    await snapshotter?.close();
    lock?.release();
    await store.close();
  }
}

/**
 * Fee rates and feed thresholds from the command line enter the input log as admin commands when
 * they differ from the state, so a replay sees them (issue: scheduler, "fee updates from config").
 */
async function applyConfig(store: Backend, state: State, opts: RunOptions): Promise<void> {
  const out: string[] = [];
  if (opts.fees !== undefined) {
    let fees: Record<string, unknown>;
    try {
      fees = JSON.parse(opts.fees) as Record<string, unknown>;
    } catch {
      throw new CliError('--fees must be a JSON object of the four fee rates', 2);
    }
    const want = { ...state.fees, ...fees };
    if (JSON.stringify(want) !== JSON.stringify(state.fees))
      out.push(JSON.stringify({ v: 1, id: `config-fees:${state.seq}:${JSON.stringify(want)}`.slice(0, 128), type: 'UpdateFees', params: want }));
  }
  const warn = opts.staleWarnMs === undefined ? state.feed.stale_warn_ms : int(opts.staleWarnMs, 'stale-warn-ms', 0);
  const halt = opts.staleHaltMs === undefined ? state.feed.stale_halt_ms : int(opts.staleHaltMs, 'stale-halt-ms', 0);
  if (warn !== state.feed.stale_warn_ms || halt !== state.feed.stale_halt_ms) {
    out.push(
      JSON.stringify({ v: 1, id: `config-feed:${state.seq}:${warn}:${halt}`, type: 'UpdateFeedParams', params: { stale_warn_ms: warn, stale_halt_ms: halt } }),
    );
  }
  if (out.length > 0) await store.append(out);
}

/** A new data directory starts with InitPool as its first input, so replay sees it (SPEC §12). */
function genesisCommand(opts: RunOptions): string {
  const params = {
    total_locked_value: int(opts.genesisTlv, 'genesis-tlv', 10_000_000_000),
    total_pool_share: int(opts.genesisShares, 'genesis-shares', 1_000_000),
    account_id: opts.genesisAccount ?? 'operator',
  };
  return JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params });
}
