// `relayer exec`: JSON-line commands on stdin → chained JSON-line events on stdout (SPEC §12).
import { writeFileSync } from 'node:fs';
import { emptyState, marketStatus, type EventEnvelope, type State } from '../engine/index.js';
import { totalsOf, flagsOf } from '../engine/state.js';
import { ChainWriter, GENESIS_HASH } from '../runtime/chain.js';
import { ChainPipe } from '../runtime/exec-chain.js';
import { BufferedWriter } from '../infra/lines.js';
import { lineBatches } from '../runtime/exec-input.js';
import { encodeSnapshot, readSnapshotFile } from '../runtime/state-file.js';
import { fastStateHash } from '../runtime/fast-hash.js';
import { runLine } from '../runtime/exec-line.js';
import { CliError } from '../errors.js';
import { marketOf } from './market.js';

export interface ExecOptions {
  state?: string;
  stateOut?: string;
  ack?: boolean;
  json?: boolean;
  market?: string;
}

export async function exec(opts: ExecOptions): Promise<void> {
  // the engine of one market (SPEC §13): its uuid namespace, its check of each envelope's market
  const market = marketOf(opts);
  let state: State = emptyState({ market });
  let lastHash = GENESIS_HASH;
  if (opts.state !== undefined) {
    const snap = readSnapshotFile(opts.state);
    if (snap.state.config.market !== market)
      throw new CliError(`--state ${opts.state} is a snapshot of market ${snap.state.config.market}, not ${market} (add --market ${snap.state.config.market})`);
    state = snap.state;
    lastHash = snap.meta.last_hash;
  }
  // the hash chain runs in a worker thread (RELAYER_EXEC_THREADS=0 keeps it on this one)
  const sink =
    process.env['RELAYER_EXEC_THREADS'] === '0' ? new InThread(lastHash, new BufferedWriter(process.stdout)) : new ChainPipe(lastHash, process.stdout);
  let commands = 0;
  let events = 0;
  let lineNo = 0;
  for await (const batch of lineBatches(process.stdin)) {
    for (let b = 0; b < batch.length; b++) {
      const raw = batch[b]!;
      lineNo++;
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim().length === 0) continue;
      commands++;
      const fallback = `line:${lineNo}`;
      const emitted = runLine(state, line, fallback, lineNo);
      for (let i = 0; i < emitted.length; i++) {
        const wait = sink.event(emitted[i]!);
        if (wait !== undefined) await wait; // only when a batch is full: no await per event
      }
      events += emitted.length;
      if (opts.ack) {
        const id = emitted.length > 0 ? emitted[0]!.cmd : fallback;
        const wait = sink.line(JSON.stringify({ ack: id, events: emitted.length, last_seq: state.seq }));
        if (wait !== undefined) await wait;
      }
    }
  }
  const hash = fastStateHash(state);
  if (opts.json) await sink.line(JSON.stringify({ summary: summary(state, commands, events, hash) }));
  await sink.close();
  if (opts.stateOut !== undefined) writeFileSync(opts.stateOut, encodeSnapshot(state, sink.last).data);
  process.stderr.write(`state_hash ${hash}\n`);
}

/** The chain on the engine's own thread, with ChainPipe's interface. */
class InThread {
  private readonly chain: ChainWriter;
  constructor(
    last: string,
    private readonly out: BufferedWriter,
  ) {
    this.chain = new ChainWriter(last);
  }
  get last(): string {
    return this.chain.last;
  }
  event(e: EventEnvelope): Promise<void> | undefined {
    return this.out.line(this.chain.push(e));
  }
  line(s: string): Promise<void> | undefined {
    return this.out.line(s);
  }
  close(): Promise<void> {
    return this.out.flush();
  }
}

function summary(state: State, commands: number, events: number, hash: string) {
  const s = marketStatus(state);
  return {
    commands,
    events,
    last_seq: state.seq,
    state_hash: hash,
    price: state.price,
    funding_rate: state.funding_rate,
    pool: state.pool,
    risk: { totals: totalsOf(state.risk), flags: flagsOf(state.risk), status: s.status },
  };
}
