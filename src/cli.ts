// The `relayer` program: registers every subcommand (DESIGN §5), imports each one only when it
// runs, and maps every error to one exit code in one place (0 ok, 1 failure, 2 usage).
import { Command, CommanderError, Option } from 'commander';
import { CliError } from './errors.js';

const program = new Command('relayer')
  .description('Event-sourced engine for inverse BTC-USD perpetual futures against a lending pool')
  .version('0.1.0')
  .showHelpAfterError('(add --help for usage)')
  .exitOverride();

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/** A command another issue builds: registered so help lists it, refuses to run for now. */
function notYet(name: string): () => never {
  return () => { throw new CliError(`relayer ${name} is not available yet in this build`); };
}

program.command('run')
  .description('run the engine (embedded SQLite by default, --kafka for Kafka) under a supervisor')
  .option('--data <dir>', 'data directory of the embedded backend', './relayer-data')
  .option('--kafka <brokers>', 'use the Kafka backend (comma-separated brokers)')
  .option('--demo', 'also run a seeded synthetic market in-process')
  .option('--json', 'machine-readable output')
  .addHelpText('after', examples('relayer run', 'relayer run --demo', 'relayer run --data /var/lib/relayer'))
  .action(notYet('run'));

program.command('submit')
  .description('put commands on the input log (flags for one order, or JSON lines from a file/stdin)')
  .option('--data <dir>', 'data directory of the embedded backend', './relayer-data')
  .option('--json', 'machine-readable output')
  .addHelpText('after', examples('relayer submit open --account acc-1 --long --market --leverage 10 --margin 10000', 'relayer submit --file orders.jsonl'))
  .action(notYet('submit'));

program.command('exec')
  .description('pipe mode: JSON-line commands on stdin → JSON-line events on stdout, no persistence')
  .option('--state <file>', 'start from a state snapshot instead of the empty state')
  .option('--state-out <file>', 'write the final state snapshot to this file')
  .option('--ack', 'after each command print {"ack": id, "events": N, "last_seq": S}')
  .option('--json', 'print a final {"summary": …} object on stdout')
  .addHelpText('after', examples(
    'relayer exec < commands.jsonl > events.jsonl',
    'relayer exec --json --state-out state.snap < commands.jsonl | tail -1',
    `echo '{"v":1,"id":"p1","ts":1732492800000,"type":"InitPool","params":{}}' | relayer exec`,
  ))
  .action(async (opts: { state?: string; stateOut?: string; ack?: boolean; json?: boolean }) => {
    const { exec } = await import('./commands/exec.js');
    await exec(opts);
  });

const topics = program.command('topics').description('create and inspect Kafka topics with the right configs')
  .addHelpText('after', examples('relayer topics create --kafka 127.0.0.1:9092', 'relayer topics describe --json'));
for (const sub of ['create', 'list', 'describe']) {
  topics.command(sub).description(`${sub} the relayer topics`)
    .option('--kafka <brokers>', 'Kafka brokers', '127.0.0.1:9092')
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples(`relayer topics ${sub} --kafka 127.0.0.1:9092`))
    .action(notYet(`topics ${sub}`));
}

program.command('replay')
  .description('rebuild state from the newest snapshot and the event log; prints summary and state hash')
  .option('--data <dir>', 'data directory', './relayer-data')
  .option('--to-seq <n>', 'stop at this event seq (point-in-time)')
  .option('--from-scratch', 'ignore snapshots, replay from seq 1')
  .option('--json', 'machine-readable output')
  .addHelpText('after', examples('relayer replay', 'relayer replay --to-seq 1000 --json'))
  .action(notYet('replay'));

program.command('verify')
  .description('check the hash chain and re-execute every command to prove the event log')
  .option('--data <dir>', 'data directory', './relayer-data')
  .option('--json', 'machine-readable output')
  .addHelpText('after', examples('relayer verify', 'relayer verify --json'))
  .action(notYet('verify'));

const snapshot = program.command('snapshot').description('take, list and decode snapshots')
  .addHelpText('after', examples('relayer snapshot list', 'relayer snapshot inspect --json'));
for (const sub of ['create', 'list', 'inspect']) {
  snapshot.command(sub).description(`${sub} snapshots`)
    .option('--data <dir>', 'data directory', './relayer-data')
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples(`relayer snapshot ${sub}`))
    .action(notYet(`snapshot ${sub}`));
}

program.command('events')
  .description('tail the event log')
  .option('--data <dir>', 'data directory', './relayer-data')
  .option('--follow', 'keep printing new events')
  .option('--from-seq <n>', 'start at this seq')
  .option('--type <type>', 'only this event type')
  .option('--account <id>', 'only events of this account')
  .option('--json', 'one JSON event per line')
  .addHelpText('after', examples('relayer events --follow', 'relayer events --type TraderOrderSettled --json | jq .data.payment'))
  .action(notYet('events'));

program.command('book')
  .description('live order book, liquidation ladder, pool, funding and risk state in the terminal')
  .option('--data <dir>', 'data directory', './relayer-data')
  .option('--once', 'print one plain-text frame and exit')
  .option('--json', 'print the book model as JSON')
  .addHelpText('after', examples('relayer book', 'relayer book --once'))
  .action(notYet('book'));

program.command('feed')
  .description('run a price source (exchange WebSocket, file replay, manual, walk) into the input log')
  .argument('[source]', 'ws | file | manual | walk | set')
  .option('--json', 'machine-readable status')
  .addHelpText('after', examples('relayer feed ws', 'relayer feed set 65000.5'))
  .action(notYet('feed'));

program.command('project')
  .description('run read-model projections into PostgreSQL and Redis')
  .option('--postgres <url>', 'PostgreSQL URL (RELAYER_PG_URL)')
  .option('--redis <url>', 'Redis URL (RELAYER_REDIS_URL)')
  .option('--rebuild', 'drop and rebuild from seq 1')
  .addHelpText('after', examples('relayer project --postgres postgres://127.0.0.1/test --redis redis://127.0.0.1:6379'))
  .action(notYet('project'));

program.command('api')
  .description('HTTP JSON-RPC gateway: client API, admin API, authentication')
  .option('--listen <addr>', 'client API address', '127.0.0.1:8088')
  .option('--admin-listen <addr>', 'admin API address', '127.0.0.1:3031')
  .addHelpText('after', examples('relayer api --listen 127.0.0.1:8088'))
  .action(notYet('api'));

program.command('status')
  .description('health, lag, positions of logs, risk state')
  .option('--data <dir>', 'data directory', './relayer-data')
  .option('--json', 'machine-readable output')
  .addHelpText('after', examples('relayer status', 'relayer status --json'))
  .action(notYet('status'));

program.command('bench')
  .description('benchmark suites, with peers measured side by side in the same run')
  .argument('<suite>', 'engine')
  .option('--quick', 'short run (≤ 20 s)')
  .option('--json', 'one JSON line per result')
  .addOption(new Option('--orders <n>', 'resting orders for engine.mixed').default('100000'))
  .addHelpText('after', examples('relayer bench engine --quick', 'relayer bench engine --json > results.jsonl'))
  .action(async (suite: string, opts: { quick?: boolean; json?: boolean; orders: string }) => {
    if (suite !== 'engine') throw new CliError(`unknown bench suite ${suite} (available: engine)`, 2);
    const { benchEngine } = await import('../bench/engine/run.js');
    await benchEngine({ quick: opts.quick === true, json: opts.json === true, orders: Number(opts.orders) });
  });

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

const code = await main(process.argv);
process.exitCode = code;
