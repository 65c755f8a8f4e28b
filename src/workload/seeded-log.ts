// A seeded event log for the projection tests and benchmark: the shared workload's commands put
// on an embedded inbox with log times 100 ms apart from the genesis record's (so candles span
// many minutes), then run through the real engine loop until every command is committed.
import type { State } from '../engine/index.js';
import { silentLogger } from '../infra/logger.js';
import { DEFAULT_LOOP, EngineLoop } from '../runtime/loop.js';
import { recover } from '../runtime/recover.js';
import { SqliteStore } from '../store/sqlite/store.js';
import { workload } from './commands.js';

export const GENESIS = JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: {} });

/** Appends commands with log times `stepMs` apart, from `start` or the inbox's last record if later. */
export function appendCommands(store: SqliteStore, lines: readonly string[], start: number, stepMs: number): number {
  const last = (store.db.prepare('SELECT max(ts) FROM inbox').pluck().get() as number | null) ?? 0;
  let ts = Math.max(start, last + stepMs);
  store.db.transaction(() => {
    for (const line of lines) {
      store.appendSync([line], ts);
      ts += stepMs;
    }
  })();
  return ts;
}

/** The engine over one store, kept between drains so each drain only runs what is new. */
export class Engine {
  private constructor(
    private readonly store: SqliteStore,
    private state: State,
    private hash: string,
    private position: string | null,
    private readonly batchMax: number,
  ) {}

  static async open(store: SqliteStore, batchMax = 2000): Promise<Engine> {
    const rec = await recover(store);
    return new Engine(store, rec.state, rec.lastHash, rec.position, batchMax);
  }

  get seq(): number {
    return this.state.seq;
  }

  /** Runs the engine loop until every appended command is committed; returns the last seq. */
  async drain(): Promise<number> {
    const head = await this.store.head();
    if (head === null || this.position === head) return this.state.seq;
    const loop = new EngineLoop(this.store, this.state, this.hash, this.position, { ...DEFAULT_LOOP, batchMax: this.batchMax, idleMs: 0, log: silentLogger() });
    const at = (): string | null => (loop as unknown as { position: string | null }).position;
    loop.onBatch = () => {
      if (at() === head) loop.stop();
    };
    await loop.run();
    this.state = loop.state;
    this.hash = loop.chain.last;
    this.position = at();
    return this.state.seq;
  }
}

/** Runs the engine loop until the input log is drained; returns the committed seq. */
export async function drain(store: SqliteStore, batchMax = 2000): Promise<number> {
  return (await Engine.open(store, batchMax)).drain();
}

/** A new embedded data directory holding the events of `n` seeded workload commands. */
export async function seededLog(dir: string, n: number, seed: number, prefix = `p${seed}`): Promise<{ store: SqliteStore; lastSeq: number; nextTs: number }> {
  const store = new SqliteStore(dir, GENESIS);
  const nextTs = appendCommands(store, workload(n, seed, prefix), 0, 100);
  const lastSeq = await drain(store);
  return { store, lastSeq, nextTs };
}
