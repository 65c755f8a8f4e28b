// `relayer feed <source>`: runs a price source into the input log through the tick gate (SPEC §8,
// docs/feeds.md). Status on stdout (readable, or JSON lines with --json), pino logs on stderr,
// optional Prometheus counters; SIGTERM/SIGINT stop it cleanly (exit 0) after the commands already
// decided are appended.
import { CliError, usage } from '../errors.js';
import { parsePrice } from '../feed/aggtrade.js';
import { replayFile } from '../feed/file-source.js';
import { DEFAULT_GATE, type GateOptions } from '../feed/gate.js';
import { runManual, setCommand } from '../feed/manual-source.js';
import { FeedMetrics } from '../feed/metrics.js';
import { FeedRunner, type EngineView, type FeedStats } from '../feed/runner.js';
import { DEFAULT_WALK, runWalk } from '../feed/walk-source.js';
import { DEFAULT_WS, runWs } from '../feed/ws-source.js';
import { nameSources, parseSourceFlag, type SourceSpec } from '../feed/exchanges/index.js';
import { DEFAULT_MAX_DEVIATION, DEFAULT_SOURCE_STALE_MS, defaultQuorum, type IndexRule } from '../feed/index-price.js';
import { registerIndexMetrics } from '../feed/index-metrics.js';
import { readRecordingHeader, replayIndexFile } from '../feed/index-replay.js';
import { runIndex } from '../feed/index-source.js';
import { Oracle, stepAtOrAfter } from '../feed/oracle.js';
import { Recorder, RECORDING_FORMAT, type RecordingHeader } from '../feed/recording.js';
import { createLogger, type Logger } from '../runtime/logger.js';
import type { StateSummary } from '../runtime/summary.js';
import type { Backend } from '../store/types.js';
import { openBackend, type BackendOptions } from './backend.js';

export const FEED_SOURCES = ['ws', 'file', 'manual', 'walk', 'set'] as const;
type Source = typeof FEED_SOURCES[number];

export interface FeedOptions extends BackendOptions {
  url?: string;
  file?: string;
  speed?: string;
  seed?: string;
  startPrice?: string;
  stepMs?: string;
  tickMs?: string;
  heartbeatMs?: string;
  tickSize?: string;
  reconnectMs?: string;
  reconnectMaxMs?: string;
  pingMs?: string;
  silentMs?: string;
  statusMs?: string;
  id?: string;
  metricsPort?: string;
  json?: boolean;
  logLevel?: string;
  /** `exchange:symbol[@url]`, repeated: an index over several sources (SPEC §14). */
  source?: string[];
  quorum?: string;
  maxDeviation?: string;
  sourceStaleMs?: string;
  record?: string;
}

/** The §8 step of an index: it is evaluated every 250 ms. */
export const INDEX_STEP_MS = 250;

/**
 * What an index feed reads: the sources of one market and its rule. Several markets (SPEC §13)
 * will run one of these each, with their own symbols per exchange.
 */
export interface IndexConfig { sources: SourceSpec[]; rule: IndexRule; stepMs: number }

export function indexConfig(opts: FeedOptions): IndexConfig {
  const flags = opts.source ?? [];
  let sources: SourceSpec[];
  try { sources = nameSources(flags.map(parseSourceFlag)); } catch (e) { throw usage((e as Error).message); }
  const quorum = num(opts.quorum, 'quorum', defaultQuorum(sources.length), { integer: true, positive: true });
  if (quorum > sources.length) throw usage(`--quorum ${quorum} is more than the ${sources.length} source(s)`);
  const rule: IndexRule = {
    quorum,
    maxDeviation: num(opts.maxDeviation, 'max-deviation', DEFAULT_MAX_DEVIATION),
    staleMs: num(opts.sourceStaleMs, 'source-stale-ms', DEFAULT_SOURCE_STALE_MS),
  };
  return { sources, rule, stepMs: INDEX_STEP_MS };
}

function num(v: string | undefined, name: string, dflt: number, opts: { integer?: boolean; positive?: boolean } = {}): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  const ok = v.trim() !== '' && Number.isFinite(n) && (opts.positive ? n > 0 : n >= 0) && (!opts.integer || Number.isInteger(n));
  if (!ok) throw usage(`--${name} must be a ${opts.positive ? 'positive' : 'non-negative'} ${opts.integer ? 'integer' : 'number'}`);
  return n;
}

export async function feed(source: string | undefined, value: string | undefined, opts: FeedOptions): Promise<void> {
  const several = (opts.source ?? []).length > 0;
  if (several && source !== undefined) throw usage(`--source makes an index over exchanges; it takes no ${source} (see relayer feed --help)`);
  if (opts.record !== undefined && !several) throw usage('--record records the messages of --source feeds');
  for (const f of ['quorum', 'maxDeviation', 'sourceStaleMs'] as const) {
    if (opts[f] !== undefined && !several) throw usage(`--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies to --source feeds`);
  }
  if (source === undefined && !several) throw usage(`name a source: ${FEED_SOURCES.join(' | ')}, or --source exchange:symbol (see relayer feed --help)`);
  if (source === undefined) return feedIndex(indexConfig(opts), opts);
  if (!(FEED_SOURCES as readonly string[]).includes(source)) throw usage(`unknown feed source ${JSON.stringify(source)} (available: ${FEED_SOURCES.join(', ')})`);
  const src = source as Source;
  if (src === 'set' || (src === 'manual' && value !== undefined)) return setOnce(value, opts);
  if (value !== undefined && src !== 'file') throw usage(`relayer feed ${src} takes no argument ${JSON.stringify(value)}`);

  const gate: GateOptions = {
    tickMs: num(opts.tickMs, 'tick-ms', DEFAULT_GATE.tickMs),
    heartbeatMs: num(opts.heartbeatMs, 'heartbeat-ms', DEFAULT_GATE.heartbeatMs),
    tickSize: num(opts.tickSize, 'tick-size', DEFAULT_GATE.tickSize),
  };
  const file = src === 'file' ? (value ?? opts.file) : undefined;
  if (src === 'file' && file === undefined) throw usage('relayer feed file needs a file: relayer feed file prices.csv (or --file)');
  if (file !== undefined) {
    let header: RecordingHeader | null;
    try { header = await readRecordingHeader(file); } catch (e) { throw new CliError(`${file}: ${(e as Error).message}`, 1); }
    if (header !== null) return feedIndex(null, { ...opts, file });
  }
  const speed = num(opts.speed, 'speed', 1);
  const statusMs = num(opts.statusMs, 'status-ms', 10_000);
  const log = createLogger(opts.logLevel ?? process.env['RELAYER_LOG_LEVEL'] ?? 'info', 'relayer-feed');
  const report = reporter(src, opts.json === true, log);

  const silentWarnMs = num(opts.silentMs, 'silent-ms', 10_000);
  const wsOpts = src !== 'ws' ? null : {
    url: opts.url ?? DEFAULT_WS.url,
    reconnectMs: num(opts.reconnectMs, 'reconnect-ms', DEFAULT_WS.reconnectMs, { positive: true }),
    reconnectMaxMs: num(opts.reconnectMaxMs, 'reconnect-max-ms', DEFAULT_WS.reconnectMaxMs, { positive: true }),
    pingMs: num(opts.pingMs, 'ping-ms', DEFAULT_WS.pingMs, { positive: true }),
    handshakeMs: DEFAULT_WS.handshakeMs, log,
  };
  const walkOpts = src !== 'walk' ? null : {
    seed: num(opts.seed, 'seed', DEFAULT_WALK.seed, { integer: true }),
    start: num(opts.startPrice, 'start-price', DEFAULT_WALK.start, { positive: true }),
    stepMs: num(opts.stepMs, 'step-ms', DEFAULT_WALK.stepMs, { positive: true }),
  };

  // signals are ours from here on: one during start-up (opening Kafka can take a while) stops too
  const stop = new AbortController();
  const onSignal = (sig: string): void => { log.info({ signal: sig }, 'feed stopping'); stop.abort(); };
  const onTerm = (): void => onSignal('SIGTERM');
  const onInt = (): void => onSignal('SIGINT');
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInt);
  let store: Backend;
  try {
    store = await openBackend(opts, { mustExist: true, log });
  } catch (e) {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    throw e;
  }
  const metrics = opts.metricsPort === undefined ? null : new FeedMetrics(src);
  let server: { url: string; close: () => Promise<void> } | null = null;
  const startedAt = Date.now();
  const runner = new FeedRunner({
    source: src, startedAt, gate, log, silentWarnMs,
    append: (raws) => store.append(raws),
    recorded: src === 'file',
    engineProbe: () => engineView(store),
    ...(metrics === null ? {} : { counters: metrics }),
    onEvent: (event, fields) => report(event, fields),
  });
  let statusTimer: NodeJS.Timeout | null = null;
  let ending = 'signal';
  try {
    if (metrics !== null) {
      try { server = await metrics.serve(opts.metricsPort!); } catch (e) { throw new CliError(`--metrics-port: ${(e as Error).message}`, 2); }
    }
    runner.start();
    report('started', { id_prefix: `feed:${src}:${startedAt}`, tick_ms: gate.tickMs, heartbeat_ms: gate.heartbeatMs, tick_size: gate.tickSize, ...(server === null ? {} : { metrics: server.url }) });
    if (statusMs > 0) statusTimer = setInterval(() => report('status', statusOf(runner.stats)), statusMs);

    switch (src) {
      case 'ws':
        await runWs(runner, wsOpts!, stop.signal);
        break;
      case 'walk':
        await runWalk(runner, walkOpts!, stop.signal);
        break;
      case 'file': {
        const r = await replayFile(runner, file!, speed, stop.signal);
        if (!stop.signal.aborted) ending = 'end of file';
        report('replayed', { file, ...r });
        break;
      }
      case 'manual':
        if (process.stdin.isTTY) process.stderr.write('type prices, one per line; Ctrl-D ends\n');
        await runManual(runner, process.stdin, stop.signal);
        if (!stop.signal.aborted) ending = 'end of input';
        break;
    }
  } finally {
    if (statusTimer !== null) clearInterval(statusTimer);
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    await runner.stop();
    await server?.close();
    await store.close();
  }
  report('stopped', { reason: ending, ...statusOf(runner.stats) });
}

/** `relayer feed set 65000.5`: exactly one PriceTick, then exit. */
async function setOnce(value: string | undefined, opts: FeedOptions): Promise<void> {
  if (value === undefined) throw usage('relayer feed set needs a price, e.g. relayer feed set 65000.5');
  const price = parsePrice(value);
  if (typeof price === 'string') throw usage(`bad price: ${price}`);
  const id = opts.id ?? `feed:set:${Date.now()}`;
  const store = await openBackend(opts, { mustExist: true });
  try {
    const [res] = await store.append([setCommand(price, id)]);
    process.stdout.write(opts.json ? `${JSON.stringify({ id, position: res!.position, price })}\n` : `${id}\n`);
  } finally {
    await store.close();
  }
}

/** The engine's committed `pause_price_feed` and P (null before its first commit). */
async function engineView(store: Backend): Promise<EngineView | null> {
  const c = await store.lastCommitted();
  if (c.summary === null) return null;
  const s = JSON.parse(c.summary) as StateSummary;
  return { paused: s.flags.pause_price_feed === true, price: s.price, position: c.position };
}

function statusOf(s: FeedStats): Record<string, unknown> {
  return { ...s };
}

/** Status lines on stdout: one JSON object per line with --json, else `feed <event> k=v …`. */
function reporter(source: string, json: boolean, log: Logger): (event: string, fields: Record<string, unknown>) => void {
  return (event, fields) => {
    if (event === 'status') log.debug(fields, 'feed status');
    if (json) {
      process.stdout.write(`${JSON.stringify({ event, source, ts: Date.now(), ...fields })}\n`);
      return;
    }
    const parts = Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    process.stdout.write(`feed ${source} ${event}${parts.length > 0 ? ` ${parts.join(' ')}` : ''}\n`);
  };
}

/**
 * An index over several exchanges (SPEC §14): live with `config`, or the replay of a recording
 * (`config` null, `opts.file` the recording; its header gives the sources and every setting).
 */
async function feedIndex(config: IndexConfig | null, opts: FeedOptions): Promise<void> {
  const replaying = config === null;
  const header = replaying ? (await readRecordingHeader(opts.file!))! : null;
  const gate: GateOptions = header?.gate ?? {
    tickMs: num(opts.tickMs, 'tick-ms', DEFAULT_GATE.tickMs),
    heartbeatMs: num(opts.heartbeatMs, 'heartbeat-ms', DEFAULT_GATE.heartbeatMs),
    tickSize: num(opts.tickSize, 'tick-size', DEFAULT_GATE.tickSize),
  };
  const speed = num(opts.speed, 'speed', 1);
  const statusMs = num(opts.statusMs, 'status-ms', 10_000);
  const connection = {
    reconnectMs: num(opts.reconnectMs, 'reconnect-ms', DEFAULT_WS.reconnectMs, { positive: true }),
    reconnectMaxMs: num(opts.reconnectMaxMs, 'reconnect-max-ms', DEFAULT_WS.reconnectMaxMs, { positive: true }),
    pingMs: num(opts.pingMs, 'ping-ms', DEFAULT_WS.pingMs, { positive: true }),
    handshakeMs: DEFAULT_WS.handshakeMs,
  };
  const log = createLogger(opts.logLevel ?? process.env['RELAYER_LOG_LEVEL'] ?? 'info', 'relayer-feed');
  const report = reporter('index', opts.json === true, log);

  const stop = new AbortController();
  const onSignal = (sig: string): void => { log.info({ signal: sig }, 'feed stopping'); stop.abort(); };
  const onTerm = (): void => onSignal('SIGTERM');
  const onInt = (): void => onSignal('SIGINT');
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInt);
  let store: Backend;
  try {
    store = await openBackend(opts, { mustExist: true, log });
  } catch (e) {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    throw e;
  }
  const startedAt = Date.now();
  const runner = new FeedRunner({
    source: 'index', startedAt, gate, log, silentWarnMs: 0, recorded: true,
    append: (raws) => store.append(raws),
    engineProbe: () => engineView(store),
    onEvent: (event, fields) => report(event, fields),
  });
  // the live oracle; a replay builds its own from the recording's header
  const oracle = config === null ? null : new Oracle(config.sources, config.rule, runner.gate);
  const metrics = opts.metricsPort === undefined ? null : new FeedMetrics('index');
  if (metrics !== null) runner.attachCounters(metrics);
  if (metrics !== null) {
    // the index has its own price series; a single source's last price means nothing here
    metrics.registry.removeSingleMetric('relayer_feed_last_price');
    if (oracle !== null) registerIndexMetrics(metrics.registry, oracle);
  }
  const firstStep = stepAtOrAfter(startedAt + 1, INDEX_STEP_MS);
  let recorder: Recorder | null = null;
  let server: { url: string; close: () => Promise<void> } | null = null;
  let statusTimer: NodeJS.Timeout | null = null;
  let ending = 'signal';
  try {
    if (opts.record !== undefined && config !== null) {
      try {
        recorder = new Recorder(opts.record, {
          format: RECORDING_FORMAT, sources: config.sources.map(({ name, exchange, symbol }) => ({ name, exchange, symbol })),
          quorum: config.rule.quorum, max_deviation: config.rule.maxDeviation, source_stale_ms: config.rule.staleMs,
          step_ms: config.stepMs, first_step: firstStep, gate,
        }, (err) => {
          log.error({ err: err.message, file: opts.record }, 'recording failed; it ends here, the feed goes on');
          report('record_failed', { file: opts.record, error: err.message });
        });
      } catch (e) { throw new CliError(`--record: ${(e as Error).message}`, 1); }
    }
    if (metrics !== null) {
      try { server = await metrics.serve(opts.metricsPort!); } catch (e) { throw new CliError(`--metrics-port: ${(e as Error).message}`, 2); }
    }
    runner.start();
    const rule = config?.rule ?? { quorum: header!.quorum, maxDeviation: header!.max_deviation, staleMs: header!.source_stale_ms };
    report('started', {
      id_prefix: `feed:index:${startedAt}`, tick_ms: gate.tickMs, heartbeat_ms: gate.heartbeatMs, tick_size: gate.tickSize,
      sources: (config?.sources ?? header!.sources).map((s) => s.name), quorum: rule.quorum, max_deviation: rule.maxDeviation,
      source_stale_ms: rule.staleMs, ...(replaying ? { replay: opts.file } : {}), ...(recorder === null ? {} : { record: opts.record }),
      ...(server === null ? {} : { metrics: server.url }),
    });
    const status = (): Record<string, unknown> => ({ ...statusOf(runner.stats), ...(oracle === null ? {} : indexStatus(oracle)) });
    if (statusMs > 0) statusTimer = setInterval(() => report('status', status()), statusMs);
    if (config !== null) {
      const last = await runIndex(runner, oracle!, { sources: config.sources, stepMs: config.stepMs, firstStep, connection: { ...connection, log }, log, recorder }, stop.signal);
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
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    await runner.stop();
    await server?.close();
    await store.close();
  }
}

/** Per source: last price, age, reconnects, dropped messages, exclusions; and the index. */
function indexStatus(oracle: Oracle): Record<string, unknown> {
  const now = Date.now();
  const sources = Object.fromEntries(Object.entries(oracle.stats).map(([name, s]) => [name, {
    state: s.state, last_price: s.last_price, age_ms: s.last_at === null ? null : Math.max(0, now - s.last_at),
    reconnects: s.reconnects, dropped: s.dropped, messages: s.messages, excluded: s.excluded,
  }]));
  const prices = Object.values(oracle.stats).reduce((n, s) => n + s.trades, 0);
  return { prices, index: oracle.lastIndex?.price ?? null, quorum_met: oracle.lastIndex?.price != null, sources };
}
