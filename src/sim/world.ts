// What differs between the simulated backends (D142): how an engine process opens its store, what
// its death leaves behind, how clients append, what the checks read, and the faults a backend
// realises in its own terms (SQLite: a torn WAL frame, the data directory's lock; Kafka: a failed
// or unconfirmed transaction commit, a process dying between send and commit, a second engine
// fencing the first). The driver (simulate.ts) and its scheduling wrapper (sim-backend.ts) are shared.
import type { Prng } from '../infra/prng.js';
import type { Backend } from '../store/types.js';
import type { FaultKind } from './faults.js';
import type { SimBackend } from './sim-backend.js';

export const BACKENDS = ['sqlite', 'kafka'] as const;
export type BackendKind = (typeof BACKENDS)[number];

export interface SimWorld {
  readonly kind: BackendKind;
  /** waitMs of the reads the scheduler serves (Kafka: > 0, so an idle engine checks it is not fenced). */
  readonly readWaitMs: number;
  /** The store a new engine process opens (after a crash: nothing of the old process's memory). */
  open(): Promise<Backend>;
  /** The engine process is gone (crash, torn commit, fatal error): drop what it held. */
  drop(torn: boolean): Promise<void>;
  /** Clients append, stamped with the log's clock `now`. */
  append(raws: readonly string[], now: number): Promise<void>;
  /** The newest input position. */
  head(): Promise<string | null>;
  /** A store for the final checks, reading only what is durable. */
  witness(): Promise<Backend>;
  /** Realises a fault this backend has its own form of; false leaves it to the driver. */
  fault(kind: FaultKind, rng: Prng, sb: SimBackend, violations: string[]): Promise<boolean>;
  /** The process holding this store died (its loop may still wait in a read, a ghost): kill it. */
  isDead(b: Backend): boolean;
  /** An error ending the engine that the faults explain (not a violation). */
  expected(e: unknown): boolean;
  /** After the run: what the world itself finds wrong (Kafka: a group offset the state topic disagrees with). */
  finish(): Promise<string[]>;
  close(): Promise<void>;
}
