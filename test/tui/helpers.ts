// Helpers for the book's tests: run engine steps (the engine DSL), feed their events to a store.
import { emptyState, executeRaw, type EventEnvelope, type State } from '../../src/engine/index.js';
import type { StoredEvent } from '../../src/store/types.js';
import { emptyStore, reduce, type BookStore } from '../../src/tui/store.js';
import { T0, World, type Step } from '../helpers/dsl.js';

export interface Run {
  world: World;
  events: EventEnvelope[];
  store: BookStore;
}

/** Runs the steps through the engine and reduces every event they produce into a new store. */
export function book(...steps: Step[]): Run {
  const world = new World();
  const store = emptyStore();
  const events: EventEnvelope[] = [];
  for (const s of steps)
    for (const e of world.run(s)) {
      events.push(e);
      reduce(store, e);
    }
  return { world, events, store };
}

/** More steps on the same world and store. */
export function more(run: Run, ...steps: Step[]): Run {
  for (const s of steps)
    for (const e of run.world.run(s)) {
      run.events.push(e);
      reduce(run.store, e);
    }
  return run;
}

/** Runs command lines (JSON envelopes without ts) through a fresh engine, InitPool first; ts 100 ms apart. */
export function executeLines(
  lines: readonly string[],
  state: State = emptyState(),
  onEvent?: (e: EventEnvelope, state: State) => void,
): { state: State; events: EventEnvelope[] } {
  const events: EventEnvelope[] = [];
  let ts = T0;
  const run = (raw: unknown): void => {
    for (const e of executeRaw(state, raw, `line:${events.length}`)) {
      events.push(e);
      onEvent?.(e, state);
    }
  };
  if (state.pool === null) run({ v: 1, id: 'genesis', ts, type: 'InitPool', params: {} });
  for (const l of lines) {
    ts += 100;
    run({ ...(JSON.parse(l) as object), ts });
  }
  return { state, events };
}

/** Committed rows as a backend returns them (seq, ts, type, cmd, the envelope's JSON line). */
export function rowsOf(events: readonly EventEnvelope[]): StoredEvent[] {
  return events.map((e) => ({ seq: e.seq, ts: e.ts, cmd: e.cmd, type: e.type, account: null, line: JSON.stringify(e), hash: '' }));
}
