// The `relayer` program: registers every subcommand (DESIGN §5), imports each one only when it
// runs, and maps every error to one exit code in one place (0 ok, 1 failure, 2 usage). bin/relayer
// runs main after bench/command.ts attached the bench suites to `relayer bench`.
import { Command, CommanderError, Option } from 'commander';
import { CliError } from './errors.js';
import { addKafkaOptions } from './store/kafka/options.js';
import { marketOption } from './commands/market.js';

const program = new Command('relayer')
  .description('Event-sourced engine for inverse BTC-USD perpetual futures against a lending pool')
  .version('0.1.0')
  .showHelpAfterError('(add --help for usage)')
  .exitOverride();

/** `--data`: every command that opens the embedded backend takes it, with the same meaning. */
const DATA_HELP = 'data directory of the embedded backend (env RELAYER_DATA, default ./relayer-data)';

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

program
  .command('run')
  .description('run the engine (embedded SQLite by default, --kafka for Kafka) under a supervisor')
  .option('--data <dir>', DATA_HELP)
  .addOption(marketOption())
  .option('--markets <ids>', 'run several markets in this process, one worker thread each (e.g. BTC-USD,ETH-USD)')
  .option('--kafka <brokers>', 'use the Kafka backend (comma-separated brokers, RELAYER_KAFKA_BROKERS)')
  .option('--demo', 'also run seeded synthetic trading in-process (without --market: BTC-USD and ETH-USD side by side)')
  .option('--demo-seed <n>', 'seed of the demo market', '42')
  .option('--log-level <level>', 'pino log level (RELAYER_LOG_LEVEL)')
  .option('--batch-max <n>', 'a batch closes at this many commands', '2000')
  .option('--batch-ms <ms>', '… or this many ms after its first command', '2')
  .option('--snapshot-events <n>', 'snapshot after this many events', '1000000')
  .option('--snapshot-ms <ms>', 'snapshot after this much command time', '900000')
  .option('--keep-snapshots <n>', 'keep the newest K snapshots', '5')
  .option('--snapshot-worker', 'Kafka: build snapshots in a worker thread from the log (the default since D270; embedded always does)')
  .option('--no-snapshot-worker', 'Kafka: build snapshots on the engine thread instead (D270)')
  .option('--genesis-tlv <sats>', 'initial pool TLV of a new data directory', '10000000000')
  .option('--genesis-shares <n>', 'initial pool shares of a new data directory', '1000000')
  .option('--genesis-account <id>', 'owner of the genesis shares', 'operator')
  .option('--no-scheduler', 'do not run the scheduler (funding, snapshots, feed checks) in this process')
  .option('--funding-every-ms <ms>', 'funding period of the scheduler (default 3600000; 10000 with --demo)')
  .option('--fees <json>', 'fee rates to apply at start, e.g. {"order_filled_on_market":0.05}')
  .option('--stale-warn-ms <ms>', 'price feed silence before a PriceStale warning (default 10000)')
  .option('--stale-halt-ms <ms>', 'price feed silence before opens are refused (default 30000)')
  .option('--metrics-port <[host:]port>', 'serve Prometheus counters of the loop on http://host:port/metrics (host 127.0.0.1)')
  .option(
    '--recovery <path>',
    'rebuild state after the snapshot by evolving stored "events", re-executing "inputs", or "auto": inputs on long logs when they reproduce the stored tail',
    'events',
  )
  .addHelpText(
    'after',
    examples(
      'relayer run',
      'relayer run --demo',
      'relayer run --market ETH-USD',
      'relayer run --markets BTC-USD,ETH-USD',
      'relayer run --data /var/lib/relayer --log-level warn',
      'relayer run --metrics-port 9465',
    ),
  )
  .action(async (opts) => {
    const { run } = await import('./commands/run.js');
    await run(opts);
  });

program
  .command('submit')
  .description('put commands on the input log: one from flags, or JSON lines from a file/stdin')
  .argument('[kind]', 'open | close | cancel | lend | withdraw | tick | <CommandType>; omit (or -) to read JSON lines')
  .option('--data <dir>', DATA_HELP)
  .option('--file <file>', 'JSON lines to submit (envelopes, JSON-RPC requests); - for stdin')
  .option('--id <id>', 'command id (idempotency key); default a random uuid')
  .option('--account <id>', 'account id')
  .option('--uuid <uuid>', 'order uuid (close, cancel, withdraw)')
  .option('--long', 'open a LONG position')
  .option('--short', 'open a SHORT position')
  .option('--market [id]', 'with an id: the market to submit to (env RELAYER_MARKET, default BTC-USD); alone: a market order (the default order type)')
  .option('--limit', 'limit order (open at --price, or close at --price)')
  .option('--leverage <x>', 'leverage 1–50')
  .option('--margin <sats>', 'initial margin in sats')
  .option('--price <usd>', 'limit price, or the tick price')
  .option('--sl <usd>', 'stop-loss leg (SlTp variants)')
  .option('--tp <usd>', 'take-profit leg (SlTp variants)')
  .option('--deposit <sats>', 'lend deposit in sats')
  .option('--params <json>', 'params object for a raw command type')
  .option('--wait', 'wait for the committed outcome and print its events (exit 1 on rejection)')
  .option('--timeout <ms>', 'how long --wait waits', '30000')
  .option('--json', 'machine-readable output')
  .addHelpText(
    'after',
    examples(
      'relayer submit open --account acc-1 --long --market --leverage 10 --margin 10000 --wait',
      'relayer submit open --account acc-2 --short --limit --price 66000 --leverage 5 --margin 20000 --sl 70000 --tp 60000',
      'relayer submit close --account acc-1 --uuid <uuid> --limit --price 70000',
      'relayer submit lend --account lender-1 --deposit 1000000',
      `relayer submit SetMarketHalt --params '{"enabled":true}'`,
      'relayer submit --file orders.jsonl',
      'relayer submit open --market ETH-USD --account acc-1 --long --leverage 5 --margin 10000',
    ),
  )
  .action(async (kind: string | undefined, opts) => {
    const { submit } = await import('./commands/submit.js');
    await submit(kind, opts);
  });

program
  .command('exec')
  .description('pipe mode: JSON-line commands on stdin → JSON-line events on stdout, no persistence')
  .addOption(marketOption())
  .option('--state <file>', 'start from a state snapshot instead of the empty state')
  .option('--state-out <file>', 'write the final state snapshot to this file')
  .option('--ack', 'after each command print {"ack": id, "events": N, "last_seq": S}')
  .option('--json', 'print a final {"summary": …} object on stdout')
  .addHelpText(
    'after',
    examples(
      'relayer exec < commands.jsonl > events.jsonl',
      'relayer exec --json --state-out state.snap < commands.jsonl | tail -1',
      'relayer exec --market ETH-USD < eth-commands.jsonl',
      `echo '{"v":1,"id":"p1","ts":1732492800000,"type":"InitPool","params":{}}' | relayer exec`,
    ),
  )
  .action(async (opts: { state?: string; stateOut?: string; ack?: boolean; json?: boolean; market?: string }) => {
    const { exec } = await import('./commands/exec.js');
    await exec(opts);
  });

const topics = program
  .command('topics')
  .description('create and inspect Kafka topics with the right configs')
  .addHelpText('after', examples('relayer topics create --kafka 127.0.0.1:9092', 'relayer topics describe --json'));
const topicsHelp: Record<string, string> = {
  create: 'create the five topics that are missing (LogAppendTime; delete + retention.ms=-1; compact for snapshots); report drift of existing ones',
  list: 'list the five topics and whether they exist',
  describe: 'show partitions, replication, configs, offsets and drift of the five topics',
};
for (const sub of ['create', 'list', 'describe'] as const) {
  const c = topics.command(sub).description(topicsHelp[sub]!).option('--kafka <brokers>', 'Kafka brokers (RELAYER_KAFKA_BROKERS; default 127.0.0.1:9092)');
  c.addOption(marketOption());
  if (sub === 'create') {
    c.option('--all-markets', 'create the topics of every market in the registry');
    c.option('--partitions <n>', 'partitions per topic (the engine uses partition 0)', '1').option('--replication-factor <n>', 'replicas per partition', '1');
  }
  addKafkaOptions(c)
    .option('--json', 'machine-readable output, one object per topic')
    .addHelpText('after', examples(`relayer topics ${sub} --kafka 127.0.0.1:9092`, `relayer topics ${sub} --kafka 127.0.0.1:9092 --topic-prefix test- --json`))
    .action(async (opts) => {
      const m = await import('./commands/topics.js');
      await (sub === 'create' ? m.topicsCreate(opts) : sub === 'list' ? m.topicsList(opts) : m.topicsDescribe(opts));
    });
}

const markets = program
  .command('markets')
  .description('the market registry: create, list and describe markets (SPEC §13)')
  .addHelpText('after', examples('relayer markets list', 'relayer markets create --id ETH-USD --tlv 5000000000', 'relayer markets describe ETH-USD --json'));
addKafkaOptions(
  markets
    .command('create')
    .description('register a market and write its genesis inputs into its own log (an existing market is refused)')
    .option('--data <dir>', DATA_HELP)
    .option('--kafka <brokers>', "use the Kafka backend: creates the market's topics first (RELAYER_KAFKA_BROKERS)")
    .option('--id <id>', 'the market id, BASE-QUOTE (e.g. ETH-USD)')
    .option('--tick-size <n>', 'price tick in QUOTE units (metadata for clients and the book), default 1')
    .option('--tlv <sats>', 'genesis pool TLV in 10^-8 BASE, default 10000000000')
    .option('--pool-share <n>', 'genesis pool shares, default 1000000')
    .option('--fees <json>', 'UpdateFees params applied after InitPool, e.g. {"order_filled_on_market":0.05}')
    .option('--risk <json>', 'UpdateRiskParams params applied after InitPool, e.g. {"max_leverage":20}')
    .option('--spec <file>', 'the whole spec as JSON ({id, tick_size, genesis:{...}, fees, risk}); flags override it')
    .option('--json', 'print the registry record'),
)
  .addHelpText(
    'after',
    examples(
      'relayer markets create --id ETH-USD',
      'relayer markets create --id SOL-USD --tlv 2000000000 --fees \'{"order_filled_on_market":0.04}\'',
      'relayer markets create --spec eth.json --kafka 127.0.0.1:9092',
    ),
  )
  .action(async (opts) => {
    const m = await import('./commands/markets.js');
    await m.marketsCreate(opts);
  });
addKafkaOptions(
  markets
    .command('list')
    .description('every market (BTC-USD always), a table on a terminal')
    .option('--data <dir>', DATA_HELP)
    .option('--kafka <brokers>', 'read the registry topic on Kafka (RELAYER_KAFKA_BROKERS)')
    .option('--json', 'machine-readable output: one array'),
)
  .addHelpText('after', examples('relayer markets list', 'relayer markets list --json'))
  .action(async (opts) => {
    const m = await import('./commands/markets.js');
    await m.marketsList(opts);
  });
addKafkaOptions(
  markets
    .command('describe')
    .description('one market: its registry record and the head of its logs')
    .argument('<id>', 'market id')
    .option('--data <dir>', DATA_HELP)
    .option('--kafka <brokers>', 'read from Kafka (RELAYER_KAFKA_BROKERS)')
    .option('--json', 'machine-readable output'),
)
  .addHelpText('after', examples('relayer markets describe ETH-USD', 'relayer markets describe BTC-USD --json'))
  .action(async (id: string, opts) => {
    const m = await import('./commands/markets.js');
    await m.marketsDescribe(id, opts);
  });

program
  .command('replay')
  .description('rebuild state from the newest snapshot and the event log; prints summary and state hash')
  .option('--data <dir>', DATA_HELP)
  .addOption(marketOption())
  .option('--to-seq <n>', 'stop at this event seq (point-in-time)')
  .option('--from-scratch', 'ignore snapshots, replay from seq 1')
  .option(
    '--path <path>',
    '"events": evolve the stored events; "inputs": re-execute the input log (to the head only); "auto": inputs where faster and they reproduce the stored tail',
    'events',
  )
  .option('--json', 'machine-readable output')
  .addHelpText(
    'after',
    examples('relayer replay', 'relayer replay --market ETH-USD', 'relayer replay --to-seq 1000 --json', 'relayer replay --path inputs --json'),
  )
  .action(async (opts) => {
    const { replay } = await import('./commands/replay.js');
    await replay(opts);
  });

program
  .command('verify')
  .description('check the hash chain and re-execute every command to prove the event log')
  .option('--data <dir>', DATA_HELP)
  .addOption(marketOption())
  .option('--chain-only', 'only check the hash chain')
  .option('--json', 'machine-readable output')
  .addHelpText('after', examples('relayer verify', 'relayer verify --market ETH-USD', 'relayer verify --json'))
  .action(async (opts) => {
    const { verify } = await import('./commands/verify.js');
    await verify(opts);
  });

const snapshot = program
  .command('snapshot')
  .description('take, list and decode snapshots')
  .addHelpText('after', examples('relayer snapshot list', 'relayer snapshot inspect --json'));
snapshot
  .command('create')
  .description('take a snapshot now (asks the running engine, or recovers offline)')
  .option('--data <dir>', DATA_HELP)
  .addOption(marketOption())
  .option('--json', 'machine-readable output')
  .addHelpText('after', examples('relayer snapshot create', 'relayer snapshot create --json'))
  .action(async (opts) => {
    const m = await import('./commands/snapshot.js');
    await m.snapshotCreate(opts);
  });
snapshot
  .command('list')
  .description('list stored snapshots, newest first')
  .option('--data <dir>', DATA_HELP)
  .addOption(marketOption())
  .option('--json', 'machine-readable output')
  .addHelpText('after', examples('relayer snapshot list'))
  .action(async (opts) => {
    const m = await import('./commands/snapshot.js');
    await m.snapshotList(opts);
  });
snapshot
  .command('inspect')
  .description('decode and check one snapshot (default: the newest)')
  .argument('[id]', 'snapshot id')
  .option('--data <dir>', DATA_HELP)
  .addOption(marketOption())
  .option('--json', 'machine-readable output')
  .addHelpText('after', examples('relayer snapshot inspect', 'relayer snapshot inspect 3 --json'))
  .action(async (id: string | undefined, opts) => {
    const m = await import('./commands/snapshot.js');
    await m.snapshotInspect(id, opts);
  });

program
  .command('events')
  .description('tail the event log')
  .option('--data <dir>', DATA_HELP)
  .addOption(marketOption())
  .option('--follow', 'keep printing new events')
  .option('--from-seq <n>', 'start at this seq')
  .option('--type <type>', 'only this event type')
  .option('--account <id>', 'only events of this account')
  .option('--inbox', 'print the input log instead: command envelopes with their stamped ts')
  .option('--limit <n>', 'print at most n events')
  .option('--json', 'one JSON event per line (the stored, hash-chained line)')
  .addHelpText('after', examples('relayer events --follow', 'relayer events --type TraderOrderSettled --json | jq .data.payment'))
  .action(async (opts) => {
    const { events } = await import('./commands/events.js');
    await events(opts);
  });

program
  .command('book')
  .description('live order book, liquidation ladder, pool, funding and risk state in the terminal')
  .option('--data <dir>', DATA_HELP)
  .option('--kafka <brokers>', 'follow the Kafka backend instead (comma-separated brokers, RELAYER_KAFKA_BROKERS)')
  .option('--redis <url>', 'follow the Redis read model that `relayer project --redis` keeps instead of the event log')
  .option('--redis-prefix <prefix>', 'key prefix of that read model (RELAYER_REDIS_PREFIX; default relayer:)')
  .option('--once', 'print one plain-text frame and exit (also when stdout is not a terminal)')
  .option('--json', 'print the book model as JSON and exit')
  .option('--from-scratch', 'ignore snapshots: apply the whole event log')
  .option('--step <usd>', 'price bucket of the ladders (default: about 0.1 % of the price)')
  .option('--depth <n>', 'levels per side with --once/--json (default: what fits, 10 with --json)')
  .option('--width <cols>', 'width of a --once frame (default: the terminal, else 120)')
  .option('--height <rows>', 'height of a --once frame (default: the terminal, else 40)')
  .option('--market <id>', 'the market shown first (env RELAYER_MARKET; default BTC-USD)')
  .option('--markets <ids>', 'the markets the m key cycles through, comma-separated (default: every registered market)')
  .addHelpText(
    'after',
    `${examples(
      'relayer book',
      'relayer book --market ETH-USD',
      'relayer book --redis redis://127.0.0.1:6379 --markets BTC-USD,ETH-USD',
      'relayer book --data /var/lib/relayer',
      'relayer book --once --width 140 --height 40',
      'relayer book --json | jq .book.long',
      'relayer book --kafka 127.0.0.1:9092',
      'relayer book --kafka 127.0.0.1:9092 --topic-prefix staging- --market ETH-USD',
      'relayer book --redis redis://127.0.0.1:6379',
      'relayer book --redis redis://127.0.0.1:6379 --redis-prefix relayer: --json --depth 5',
    )}\nKeys: q quit · tab next pane · / filter by account · p pause the feed · [ ] bucket size · m next market · ? help\n`,
  )
  .action(async (opts) => {
    const { book } = await import('./commands/book.js');
    await book(opts);
  });

program
  .command('feed')
  .description('run a price source (exchange WebSocket, an index over several exchanges, file replay, manual, walk) into the input log')
  .argument('[source]', 'ws | file | manual | walk | set')
  .argument('[value]', 'the price (set, manual) or the file (file)')
  .option('--data <dir>', DATA_HELP)
  .option('--kafka <brokers>', 'use the Kafka backend (comma-separated brokers, RELAYER_KAFKA_BROKERS)')
  .option('--url <url>', 'ws: aggTrade stream URL (default wss://stream.binance.com:9443/ws/btcusdt@aggTrade)')
  .option('--source <exchange:symbol[@url]>', 'an index over exchanges (repeat; binance, coinbase, kraken, okx, bybit)', (v: string, prev: string[] = []) => [
    ...prev,
    v,
  ])
  .option('--quorum <n>', '--source: least fresh, agreeing sources for a tick (default ⌊N/2⌋+1)')
  .option('--max-deviation <x>', '--source: drop a source this far from the median, relative (default 0.01)')
  .option('--source-stale-ms <ms>', '--source: a source silent this long is stale (default 10000)')
  .option('--record <file>', '--source: record every source message with its arrival time (replay: relayer feed file)')
  .option('--file <file>', 'file: CSV ts,price or JSON lines {ts, price} to replay')
  .option('--speed <x>', 'file: replay speed, 1 = recorded, 60 = a minute per second, 0 = no waiting', '1')
  .option('--seed <n>', 'walk: seed of the random walk', '42')
  .option('--start-price <usd>', 'walk: start (and mean) price', '60000')
  .option('--step-ms <ms>', 'walk: one price step every ms', '250')
  .option('--tick-ms <ms>', 'least time between two commands', '250')
  .option('--heartbeat-ms <ms>', 'heartbeat at most this often when round(price) is unchanged; 0 = none', '1000')
  .option('--tick-size <usd>', 'least move of round(price) that makes a PriceTick', '1')
  .option('--reconnect-ms <ms>', 'ws: first reconnect delay (doubles, jittered)', '2000')
  .option('--reconnect-max-ms <ms>', 'ws: longest reconnect delay', '30000')
  .option('--ping-ms <ms>', 'ws: ping interval; no pong by the next ping drops the connection', '30000')
  .option('--silent-ms <ms>', 'warn when the source has been silent this long; 0 = never', '10000')
  .option('--status-ms <ms>', 'print a status line this often; 0 = only start and stop', '10000')
  .option('--id <id>', 'set: command id (idempotency key); default feed:set:<ms>')
  .option('--metrics-port <[host:]port>', 'serve Prometheus counters on http://host:port/metrics (host 127.0.0.1)')
  .option('--log-level <level>', 'pino log level on stderr (RELAYER_LOG_LEVEL)')
  .option('--json', 'status lines as JSON objects on stdout')
  .addOption(marketOption())
  .addHelpText(
    'after',
    `${examples(
      'relayer feed ws --metrics-port 9464',
      'relayer feed --market ETH-USD --source binance:ethusdt --source coinbase:ETH-USD --source kraken:ETH/USD',
      'relayer feed set 3000 --market ETH-USD',
      'relayer feed ws --url wss://stream.binance.com:9443/ws/btcusdt@aggTrade --json',
      'relayer feed file prices.csv --speed 60',
      'relayer feed walk --seed 7 --start-price 65000',
      'printf "65000\\n65010\\n" | relayer feed manual',
      'relayer feed set 65000.5',
      'relayer feed --source binance:btcusdt --source coinbase:BTC-USD --source kraken:XBT/USD --record idx.jsonl',
      'relayer feed --source okx:BTC-USDT --source bybit:BTCUSDT --source binance:btcusdt --quorum 2 --max-deviation 0.005',
      'relayer feed file idx.jsonl --speed 0',
    )}\nIds are feed:<source>:<start ms>:<n> (index: feed:index:<start ms>:<n>; set: feed:set:<ms> or --id). See docs/feeds.md.\n`,
  )
  .action(async (source: string | undefined, value: string | undefined, opts) => {
    const { feed } = await import('./commands/feed.js');
    await feed(source, value, opts);
  });

program
  .command('project')
  .description('run read-model projections into PostgreSQL and Redis (each with its own checkpoint; docs/read-models.md)')
  .option('--postgres <url>', 'PostgreSQL URL (RELAYER_PG_URL)')
  .option('--redis <url>', 'Redis URL (RELAYER_REDIS_URL)')
  .option('--source <backend>', 'event log to read: embedded | kafka (default: kafka when --kafka is given, else embedded)')
  .option('--data <dir>', DATA_HELP)
  .option('--rebuild', 'drop the read models and rebuild them from seq 1 (progress bar on a terminal)')
  .option('--once', 'catch up to the head of the log, print a summary and exit (default: follow the log)')
  .option('--pg-schema <name>', 'PostgreSQL schema of the read model (RELAYER_PG_SCHEMA; default relayer)')
  .option('--redis-prefix <prefix>', 'prefix of every Redis key and channel (RELAYER_REDIS_PREFIX; default relayer:)')
  .option('--batch-size <n>', 'most events per transaction while catching up', '5000')
  .option('--poll-ms <ms>', 'how often the head of the log is polled when caught up', '10')
  .option('--trades-keep <n>', 'length of the Redis recent trades list', '1000')
  .option('--closed-ttl <s>', "seconds Redis keeps a closed order's details (0 = forever)", '604800')
  .option('--log-level <level>', 'pino log level (RELAYER_LOG_LEVEL)')
  .option('--json', 'with --once: the summary as JSON')
  .option('--metrics-port <[host:]port>', 'serve Prometheus counters of the projectors on http://host:port/metrics (host 127.0.0.1)')
  .option('--market <id>', 'project this market only (env RELAYER_MARKET; default: every market in the registry at start)')
  .option('--markets <ids>', 'project these markets, comma-separated, each into its own schema and key prefix (docs/read-models.md)')
  .addHelpText(
    'after',
    examples(
      'relayer project --postgres postgres://127.0.0.1/relayer --redis redis://127.0.0.1:6379',
      'relayer project --redis redis://127.0.0.1:6379 --markets BTC-USD,ETH-USD',
      'RELAYER_PG_URL=postgres://127.0.0.1/relayer relayer project --data /var/lib/relayer',
      'relayer project --redis redis://127.0.0.1:6379 --rebuild',
      'relayer project --postgres postgres://127.0.0.1/test --pg-schema scratch --once --json',
      'relayer project --source kafka --kafka 127.0.0.1:9092 --postgres postgres://127.0.0.1/relayer',
    ),
  )
  .action(async (opts) => {
    const { project } = await import('./commands/project.js');
    await project(opts);
  });

program
  .command('api')
  .description('HTTP JSON-RPC gateway: client API, admin API, authentication (docs/deploy.md)')
  .option('--listen <addr>', 'client API address ([host:]port)', '127.0.0.1:8088')
  .option('--admin-listen <addr>', 'admin API address ([host:]port, or off)', '127.0.0.1:3031')
  .option('--data <dir>', DATA_HELP)
  .option('--redis <url>', 'Redis of the read model and the API keys (RELAYER_REDIS_URL; default redis://127.0.0.1:6379)')
  .option('--redis-prefix <prefix>', "prefix of the read model's Redis keys, as given to relayer project (RELAYER_REDIS_PREFIX; default relayer:)")
  .option('--auth-prefix <prefix>', 'prefix of API keys, nonces and rate windows in Redis (RELAYER_AUTH_PREFIX; default relayer-auth:)')
  .option('--postgres <url>', 'PostgreSQL read model for history reads (RELAYER_PG_URL; without it they answer -32010)')
  .option('--pg-schema <name>', 'schema of the PostgreSQL read model (RELAYER_PG_SCHEMA; default relayer)')
  .option('--master-key-file <file>', 'file holding the API master key (else RELAYER_API_MASTER_KEY)')
  .option('--rate-limit <n>', 'requests per second per API key unless the key has its own; 0 = unlimited', '100')
  .option('--public-rate-limit <n>', 'requests per second per client address on public methods; 0 = unlimited', '200')
  .option('--max-body <bytes>', 'largest request body', '262144')
  .option('--max-batch <n>', 'most calls in one JSON-RPC batch', '100')
  .option('--timeout-ms <ms>', 'longest a call may take (default 15000)')
  .option('--wait-timeout-ms <ms>', 'longest a write with wait: true waits for its events', '10000')
  .option('--window <s>', 'accepted distance between the datetime header and the server clock', '30')
  .option('--no-v1', 'refuse v1 (body-only) signatures; accept only v2 over datetime + "\\n" + body')
  .option('--v1-replay-ttl-ms <ms>', 'how long a v1 signature is remembered against replay', '86400000')
  .option('--trust-proxy', 'take the client address from X-Real-IP (behind nginx)')
  .option('--workers <n>', 'gateway processes sharing the ports (node:cluster); /metrics sums them', '1')
  .option('--register', 'enable POST /register: self-service client keys signed with a secp256k1 key (SPEC §9; off by default)')
  .option('--register-rate-limit <n>', 'requests per second of a key issued by /register (default: --rate-limit)')
  .option(
    '--markets <ids>',
    'the markets this gateway routes, comma-separated (default: every market in the registry at start); calls name theirs with the market param, default BTC-USD',
  )
  .option('--openrpc [port]', 'print the OpenRPC document of the client (default) or admin port and exit')
  .option('--log-level <level>', 'pino log level (RELAYER_LOG_LEVEL)')
  .addHelpText(
    'after',
    examples(
      'RELAYER_API_MASTER_KEY=$(cat /etc/relayer/master.key) relayer api',
      'relayer api --openrpc > openrpc.json',
      'relayer api --listen 0.0.0.0:8088 --admin-listen 127.0.0.1:3031 --postgres postgres://127.0.0.1/relayer --trust-proxy',
      'relayer api --kafka 127.0.0.1:9092 --listen 127.0.0.1:8089 --admin-listen off',
      'relayer api --workers 2',
      'relayer api --kafka 127.0.0.1:9092 --markets BTC-USD,ETH-USD',
      `curl -s localhost:8088/api -d '{"jsonrpc":"2.0","id":1,"method":"btc_usd_price"}'`,
      `curl -s localhost:8088/api -d '{"jsonrpc":"2.0","id":1,"method":"btc_usd_price","params":{"market":"ETH-USD"}}'`,
    ) +
      '\nEndpoints: POST /clientapi (orders), /api (public), /api/private (signed), /register (with --register); GET /openrpc.json /healthz /readyz /metrics.\n' +
      'Signing (v2): signature = hex HMAC-SHA256(secret, datetime + "\\n" + body), headers relayer-api-key, signature, datetime (ms).\n',
  )
  .action(async (opts) => {
    const { api } = await import('./commands/api.js');
    await api(opts);
  });

const keys = program
  .command('keys')
  .description('create, list and revoke API keys of the gateway (kept in Redis)')
  .addHelpText(
    'after',
    examples('relayer keys create --account acc-1', 'relayer keys create --admin --label ops', 'relayer keys list', 'relayer keys revoke rk_0123…'),
  );
const keyOptions = (c: Command): Command =>
  c
    .option('--redis <url>', 'Redis URL (RELAYER_REDIS_URL; default redis://127.0.0.1:6379)')
    .option('--auth-prefix <prefix>', 'prefix of the API keys in Redis (RELAYER_AUTH_PREFIX; default relayer-auth:)')
    .option('--json', 'machine-readable output');
keyOptions(keys.command('create').description('create a key; prints its secret once'))
  .option('--account <id>', 'an account the key may act for (repeat for several)', (v: string, prev: string[] = []) => [...prev, v])
  .option('--admin', 'an admin key (admin port only, no account)')
  .option('--label <text>', 'a note for people (who holds the key)')
  .option('--rate <n>', "requests per second for this key (0 = unlimited; default: the gateway's --rate-limit)")
  .option('--master-key-file <file>', 'file holding the API master key (else RELAYER_API_MASTER_KEY)')
  .addHelpText(
    'after',
    examples(
      'relayer keys create --account acc-1 --label "desk 1"',
      'relayer keys create --account acc-1 --account acc-2 --rate 500 --json',
      'relayer keys create --admin',
    ),
  )
  .action(async (opts) => {
    const m = await import('./commands/keys.js');
    await m.keysCreate(opts);
  });
keyOptions(keys.command('list').description('list keys (never their secrets)'))
  .addHelpText('after', examples('relayer keys list', 'relayer keys list --json'))
  .action(async (opts) => {
    const m = await import('./commands/keys.js');
    await m.keysList(opts);
  });
keyOptions(keys.command('revoke').description('revoke a key at once on every gateway (kept for the audit trail)'))
  .argument('<key>', 'the key id (rk_…)')
  .addHelpText('after', examples('relayer keys revoke rk_5f0c2a…'))
  .action(async (id: string, opts) => {
    const m = await import('./commands/keys.js');
    await m.keysRevoke(id, opts);
  });

program
  .command('status')
  .description('health, lag, positions of logs, risk state')
  .option('--data <dir>', DATA_HELP)
  .addOption(marketOption())
  .option('--json', 'machine-readable output')
  .option('--postgres <url>', "also show the PostgreSQL read model's checkpoint and lag (RELAYER_PG_URL)")
  .option('--redis <url>', "also show the Redis read model's checkpoint and lag (RELAYER_REDIS_URL)")
  .option('--pg-schema <name>', 'schema of the PostgreSQL read model (RELAYER_PG_SCHEMA; default relayer)')
  .option('--redis-prefix <prefix>', 'key prefix of the Redis read model (RELAYER_REDIS_PREFIX; default relayer:)')
  .addHelpText(
    'after',
    examples(
      'relayer status',
      'relayer status --market ETH-USD --json',
      'relayer status --json',
      'relayer status --postgres postgres://127.0.0.1/relayer --redis redis://127.0.0.1:6379',
    ),
  )
  .action(async (opts) => {
    const { status } = await import('./commands/status.js');
    await status(opts);
  });

/** `relayer bench`: its action is attached by bench/command.ts (bin/relayer wires it), so src/ never imports bench/. */
export const benchCommand = program
  .command('bench')
  .description('benchmark suites, with peers measured side by side in the same run')
  .argument('<suite>', 'engine | durable | kafka | scale | api | project | book | sim (PostgreSQL/Redis from RELAYER_PG_URL / RELAYER_REDIS_URL)')
  .option('--quick', 'short run (≤ 20 s)')
  .option('--json', 'one JSON line per result')
  .addOption(new Option('--orders <n>', 'resting orders for engine.mixed').default('100000'))
  .addHelpText(
    'after',
    examples(
      'relayer bench engine --quick',
      'relayer bench durable --quick --json',
      'relayer bench engine --json > results.jsonl',
      'relayer bench book --quick',
    ),
  )
  .option('--kafka <brokers>', 'bench kafka and scale: brokers (RELAYER_KAFKA_BROKERS; default 127.0.0.1:9092)');

// sim and sim fuzz share option names (--seed, --json): each command's options stay with it
program.enablePositionalOptions();
const simCmd = program
  .command('sim')
  .enablePositionalOptions()
  .description('deterministic simulation: seeded schedules of crashes and faults over the real loop and store, invariants checked')
  .option('--backend <name>', 'sqlite, kafka (the Kafka backend over an in-process stand-in), or both: odd seeds sqlite, even kafka (default)')
  .option('--seed <n>', 'one seed (default 1)')
  .option('--seeds <a..b>', 'a range of seeds, e.g. 1..1000')
  .option('--steps <n>', 'engine steps per seed (default 200)')
  .option('--faults <list>', `fault kinds, comma-separated, or all / none (default: all)`)
  .option('--schedule <list>', 'replay exactly these faults, step:kind,… (printed by a failure)')
  .option('--jobs <n>', 'worker threads (default 1)')
  .option('--fsync', 'keep SQLite fsync on (slower; a simulated crash never loses the OS cache)')
  .option('--no-shrink', 'report a failure without shrinking it')
  .option('--tmp <dir>', 'where the temp stores go (RELAYER_SIM_TMP; default the OS temp dir)')
  .option('--json', 'one JSON line per seed and a summary line')
  .addHelpText(
    'after',
    examples(
      'relayer sim --seeds 1..1000 --jobs 2',
      'relayer sim --backend kafka --seeds 1..50',
      'relayer sim --seed 17 --faults crash,torn,snapshot-corrupt',
      "relayer sim --seed 4 --steps 120 --schedule '99:commit-unknown'",
      'relayer sim fuzz --inputs 1000000',
    ),
  )
  .action(async (opts) => {
    const { sim } = await import('./commands/sim.js');
    await sim(opts);
  });
simCmd
  .command('fuzz')
  .description('mutated and random input records through the parser and the gateway, plus an HTTP fuzz of relayer api (--http N, needs Redis)')
  .option('--inputs <n>', 'inputs (default 100000)')
  .option('--seed <n>', 'seed (default 1)')
  .option('--from <i>', 'first input index (replays input i with --inputs 1)')
  .option('--hang-ms <ms>', 'no progress for this long is a hang (default 10000)')
  .option('--http <n>', 'also send N fuzzed HTTP requests to an in-process gateway (default 0)')
  .option('--redis <url>', 'Redis for --http (RELAYER_REDIS_URL; default redis://127.0.0.1:6379)')
  .option('--json', 'findings and a summary as JSON lines')
  .addHelpText(
    'after',
    examples('relayer sim fuzz --inputs 1000000', 'relayer sim fuzz --seed 7 --from 163460 --inputs 1', 'relayer sim fuzz --inputs 20000 --http 2000 --json'),
  )
  .action(async (opts) => {
    const { fuzz } = await import('./commands/sim.js');
    await fuzz(opts);
  });

// every command that works on a backend also takes the Kafka flags (--kafka, topic names, ids)
for (const path of [
  ['run'],
  ['submit'],
  ['events'],
  ['replay'],
  ['verify'],
  ['status'],
  ['book'],
  ['feed'],
  ['project'],
  ['api'],
  ['snapshot', 'create'],
  ['snapshot', 'list'],
  ['snapshot', 'inspect'],
]) {
  let cmd: Command | undefined = program;
  for (const name of path) cmd = cmd?.commands.find((c) => c.name() === name);
  if (cmd !== undefined) addKafkaOptions(cmd);
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof CliError) {
      process.stderr.write(`relayer: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`relayer: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
