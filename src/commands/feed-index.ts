// `relayer feed --source … --source …`: an index over several exchanges (SPEC §14,
// docs/feeds.md), live or replayed from a recording. One process, one market's sources.
import { CliError, usage } from '../errors.js';
import { nameSources, parseSourceFlag, type SourceSpec } from '../feed/exchanges/index.js';
import { TickGate, type GateOptions } from '../feed/gate.js';
import { registerIndexMetrics } from '../feed/index-metrics.js';
import { DEFAULT_MAX_DEVIATION, DEFAULT_SOURCE_STALE_MS, defaultQuorum, type IndexRule } from '../feed/index-price.js';
import { readRecordingHeader, replayIndexFile } from '../feed/index-replay.js';
import { runIndex } from '../feed/index-source.js';
import { FeedMetrics } from '../feed/metrics.js';
import { Oracle, stepAtOrAfter } from '../feed/oracle.js';
import { Recorder, RECORDING_FORMAT } from '../feed/recording.js';
import { FeedRunner } from '../feed/runner.js';
import { createLogger } from '../infra/logger.js';
import type { MetricsServer } from '../infra/metrics-server.js';
import { connectionFlags, engineView, gateFlags, num, openWithSignals, reporter, serveFeedMetrics, statusOf } from './feed-common.js';
import { marketOf } from './market.js';
import type { FeedOptions } from './feed.js';

/** The §8 step of an index: it is evaluated every 250 ms. */
const INDEX_STEP_MS = 250;

/**
 * What an index feed reads: the sources of one market and its rule. Several markets (SPEC §13)
 * will run one of these each, with their own symbols per exchange.
 */
export interface IndexConfig {
  sources: SourceSpec[];
  rule: IndexRule;
  stepMs: number;
}

export function indexConfig(opts: FeedOptions): IndexConfig {
  const flags = opts.source ?? [];
  let sources: SourceSpec[];
  try {
    sources = nameSources(flags.map(parseSourceFlag));
  } catch (e) {
    throw usage((e as Error).message);
  }
  const quorum = num(opts.quorum, 'quorum', defaultQuorum(sources.length), { integer: true, positive: true });
  if (quorum > sources.length) throw usage(`--quorum ${quorum} is more than the ${sources.length} source(s)`);
  const rule: IndexRule = {
    quorum,
    maxDeviation: num(opts.maxDeviation, 'max-deviation', DEFAULT_MAX_DEVIATION),
    staleMs: num(opts.sourceStaleMs, 'source-stale-ms', DEFAULT_SOURCE_STALE_MS),
  };
  return { sources, rule, stepMs: INDEX_STEP_MS };
}

/**
 * An index over several exchanges (SPEC §14): live with `config`, or the replay of a recording
 * (`config` null, `opts.file` the recording; its header gives the sources and every setting).
 */
export async function feedIndex(config: IndexConfig | null, opts: FeedOptions): Promise<void> {
  const replaying = config === null;
  const header = replaying ? (await readRecordingHeader(opts.file!))! : null;
  if (header !== null) {
    try {
      new Oracle(header.sources, { quorum: header.quorum, maxDeviation: header.max_deviation, staleMs: header.source_stale_ms }, new TickGate(header.gate));
    } catch (e) {
      throw new CliError(`${opts.file}: bad recording header: ${(e as Error).message}`, 1);
    }
  }
  const gate: GateOptions = header?.gate ?? gateFlags(opts);
  const speed = num(opts.speed, 'speed', 1);
  const statusMs = num(opts.statusMs, 'status-ms', 10_000);
  const connection = connectionFlags(opts);
  const log = createLogger(opts.logLevel ?? process.env['RELAYER_LOG_LEVEL'] ?? 'info', 'relayer-feed');
  const report = reporter('index', opts.json === true, log);

  const { stop, store, release } = await openWithSignals(opts, log);
  const startedAt = Date.now();
  const metrics = opts.metricsPort === undefined ? null : new FeedMetrics('index');
  const runner = new FeedRunner({
    source: 'index',
    market: marketOf(opts),
    startedAt,
    gate,
    log,
    silentWarnMs: 0,
    recorded: true,
    append: (raws) => store.append(raws),
    engineProbe: () => engineView(store),
    ...(metrics === null ? {} : { counters: metrics }),
    onEvent: (event, fields) => report(event, fields),
  });
  // the live oracle; a replay builds its own from the recording's header
  const oracle = config === null ? null : new Oracle(config.sources, config.rule, runner.gate);
  if (metrics !== null) {
    // the index has its own price series; a single source's last price means nothing here
    metrics.registry.removeSingleMetric('relayer_feed_last_price');
    if (oracle !== null) registerIndexMetrics(metrics.registry, oracle);
  }
  const firstStep = stepAtOrAfter(startedAt + 1, INDEX_STEP_MS);
  let recorder: Recorder | null = null;
  let server: MetricsServer | null = null;
  let statusTimer: NodeJS.Timeout | null = null;
  let ending = 'signal';
  try {
    if (opts.record !== undefined && config !== null) {
      try {
        recorder = new Recorder(
          opts.record,
          {
            format: RECORDING_FORMAT,
            sources: config.sources.map(({ name, exchange, symbol }) => ({ name, exchange, symbol })),
            quorum: config.rule.quorum,
            max_deviation: config.rule.maxDeviation,
            source_stale_ms: config.rule.staleMs,
            step_ms: config.stepMs,
            first_step: firstStep,
            gate,
          },
          (err) => {
            log.error({ err: err.message, file: opts.record }, 'recording failed; it ends here, the feed goes on');
            report('record_failed', { file: opts.record, error: err.message });
          },
        );
      } catch (e) {
        throw new CliError(`--record: ${(e as Error).message}`, 1);
      }
    }
    server = await serveFeedMetrics(metrics, opts.metricsPort);
    runner.start();
    const rule = config?.rule ?? { quorum: header!.quorum, maxDeviation: header!.max_deviation, staleMs: header!.source_stale_ms };
    report('started', {
      id_prefix: `feed:index:${startedAt}`,
      tick_ms: gate.tickMs,
      heartbeat_ms: gate.heartbeatMs,
      tick_size: gate.tickSize,
      sources: (config?.sources ?? header!.sources).map((s) => s.name),
      quorum: rule.quorum,
      max_deviation: rule.maxDeviation,
      source_stale_ms: rule.staleMs,
      ...(replaying ? { replay: opts.file } : {}),
      ...(recorder === null ? {} : { record: opts.record }),
      ...(server === null ? {} : { metrics: server.url }),
    });
    // a single source's last price and silence flag mean nothing for an index: it has its own
    const status = (): Record<string, unknown> => {
      const { last_price: _price, silent: _silent, ...rest } = statusOf(runner.stats);
      return { ...rest, ...(oracle === null ? {} : indexStatus(oracle)) };
    };
    if (statusMs > 0) statusTimer = setInterval(() => report('status', status()), statusMs);
    if (config !== null) {
      const last = await runIndex(
        runner,
        oracle!,
        { sources: config.sources, stepMs: config.stepMs, firstStep, connection: { ...connection, log }, log, recorder },
        stop.signal,
      );
      recorder?.end(last);
      recorder = null;
    } else {
      const r = await replayIndexFile(runner, opts.file!, speed, log, stop.signal);
      if (!stop.signal.aborted) ending = 'end of file';
      report('replayed', { file: opts.file, ...r });
    }
    if (statusTimer !== null) clearInterval(statusTimer);
    statusTimer = null;
    await runner.stop();
    report('stopped', { reason: ending, ...status() });
  } finally {
    if (statusTimer !== null) clearInterval(statusTimer);
    recorder?.end(null);
    release();
    await runner.stop();
    await server?.close();
    await store.close();
  }
}

/** Per source: last price, age, reconnects, dropped messages, exclusions; and the index. */
function indexStatus(oracle: Oracle): Record<string, unknown> {
  const now = Date.now();
  const sources = Object.fromEntries(
    Object.entries(oracle.stats).map(([name, s]) => [
      name,
      {
        state: s.state,
        last_price: s.last_price,
        age_ms: s.last_at === null ? null : Math.max(0, now - s.last_at),
        reconnects: s.reconnects,
        dropped: s.dropped,
        messages: s.messages,
        excluded: s.excluded,
      },
    ]),
  );
  const prices = Object.values(oracle.stats).reduce((n, s) => n + s.trades, 0);
  return { prices, index: oracle.lastIndex?.price ?? null, quorum_met: oracle.lastIndex?.price != null, sources };
}
