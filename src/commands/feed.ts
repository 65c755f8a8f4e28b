// `relayer feed <source>`: runs a price source into the input log through the tick gate (SPEC §8,
// docs/feeds.md); with `--source …` an index over several exchanges (feed-index.ts, SPEC §14). Status on stdout (readable, or JSON lines with --json), pino logs on stderr,
// optional Prometheus counters; SIGTERM/SIGINT stop it cleanly (exit 0) after the commands already
// decided are appended.
import { CliError, usage } from '../errors.js';
import { parsePrice } from '../feed/aggtrade.js';
import { replayFile } from '../feed/file-source.js';
import { readRecordingHeader } from '../feed/index-replay.js';
import { runManual, setCommand } from '../feed/manual-source.js';
import { FeedMetrics } from '../feed/metrics.js';
import { FeedRunner } from '../feed/runner.js';
import type { RecordingHeader } from '../feed/recording.js';
import { DEFAULT_WALK, runWalk } from '../feed/walk-source.js';
import { DEFAULT_WS, runWs } from '../feed/ws-source.js';
import { createLogger } from '../infra/logger.js';
import type { MetricsServer } from '../infra/metrics-server.js';
import { DEFAULT_MARKET } from '../engine/market.js';
import { openBackend, type BackendOptions } from './backend.js';
import { marketOf } from './market.js';
import { connectionFlags, engineView, gateFlags, num, openWithSignals, reporter, serveFeedMetrics, statusOf } from './feed-common.js';
import { feedIndex, indexConfig } from './feed-index.js';

const FEED_SOURCES = ['ws', 'file', 'manual', 'walk', 'set'] as const;
type Source = (typeof FEED_SOURCES)[number];

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

export async function feed(source: string | undefined, value: string | undefined, opts: FeedOptions): Promise<void> {
  const several = (opts.source ?? []).length > 0;
  if (several && source !== undefined) throw usage(`--source makes an index over exchanges; it takes no ${source} (see relayer feed --help)`);
  if (opts.record !== undefined && !several) throw usage('--record records the messages of --source feeds');
  for (const f of ['quorum', 'maxDeviation', 'sourceStaleMs'] as const) {
    if (opts[f] !== undefined && !several) throw usage(`--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies to --source feeds`);
  }
  if (source === undefined && !several) throw usage(`name a source: ${FEED_SOURCES.join(' | ')}, or --source exchange:symbol (see relayer feed --help)`);
  if (source === undefined) return feedIndex(indexConfig(opts), opts);
  if (!(FEED_SOURCES as readonly string[]).includes(source))
    throw usage(`unknown feed source ${JSON.stringify(source)} (available: ${FEED_SOURCES.join(', ')})`);
  const src = source as Source;
  if (src === 'set' || (src === 'manual' && value !== undefined)) return setOnce(value, opts);
  // the ticks go to this market's input log, naming it (D186)
  const market = marketOf(opts);
  // the default stream is BTC's: another market's feed names its own (--url, or --source binance:ethusdt)
  if (src === 'ws' && opts.url === undefined && market !== DEFAULT_MARKET) {
    throw usage(`relayer feed ws --market ${market} needs --url (the default stream is Binance's btcusdt), or use --source exchange:symbol`);
  }
  if (value !== undefined && src !== 'file') throw usage(`relayer feed ${src} takes no argument ${JSON.stringify(value)}`);

  const gate = gateFlags(opts);
  const file = src === 'file' ? (value ?? opts.file) : undefined;
  if (src === 'file' && file === undefined) throw usage('relayer feed file needs a file: relayer feed file prices.csv (or --file)');
  if (file !== undefined) {
    let header: RecordingHeader | null;
    try {
      header = await readRecordingHeader(file);
    } catch (e) {
      throw new CliError(`${file}: ${(e as Error).message}`, 1);
    }
    if (header !== null) return feedIndex(null, { ...opts, file });
  }
  const speed = num(opts.speed, 'speed', 1);
  const statusMs = num(opts.statusMs, 'status-ms', 10_000);
  const log = createLogger(opts.logLevel ?? process.env['RELAYER_LOG_LEVEL'] ?? 'info', 'relayer-feed');
  const report = reporter(src, opts.json === true, log);

  const silentWarnMs = num(opts.silentMs, 'silent-ms', 10_000);
  const wsOpts =
    src !== 'ws'
      ? null
      : {
          url: opts.url ?? DEFAULT_WS.url,
          ...connectionFlags(opts),
          log,
        };
  const walkOpts =
    src !== 'walk'
      ? null
      : {
          seed: num(opts.seed, 'seed', DEFAULT_WALK.seed, { integer: true }),
          start: num(opts.startPrice, 'start-price', DEFAULT_WALK.start, { positive: true }),
          stepMs: num(opts.stepMs, 'step-ms', DEFAULT_WALK.stepMs, { positive: true }),
        };

  const { stop, store, release } = await openWithSignals(opts, log);
  const metrics = opts.metricsPort === undefined ? null : new FeedMetrics(src);
  let server: MetricsServer | null = null;
  const startedAt = Date.now();
  const runner = new FeedRunner({
    source: src,
    market,
    startedAt,
    gate,
    log,
    silentWarnMs,
    append: (raws) => store.append(raws),
    recorded: src === 'file',
    engineProbe: () => engineView(store),
    ...(metrics === null ? {} : { counters: metrics }),
    onEvent: (event, fields) => report(event, fields),
  });
  let statusTimer: NodeJS.Timeout | null = null;
  let ending = 'signal';
  try {
    server = await serveFeedMetrics(metrics, opts.metricsPort);
    runner.start();
    report('started', {
      id_prefix: `feed:${src}:${startedAt}`,
      tick_ms: gate.tickMs,
      heartbeat_ms: gate.heartbeatMs,
      tick_size: gate.tickSize,
      ...(server === null ? {} : { metrics: server.url }),
    });
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
    release();
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
    const [res] = await store.append([setCommand(price, id, marketOf(opts))]);
    process.stdout.write(opts.json ? `${JSON.stringify({ id, position: res!.position, price })}\n` : `${id}\n`);
  } finally {
    await store.close();
  }
}
