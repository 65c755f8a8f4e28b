// The embedded backend in the simulation: the real SQLite store on a temp file. A torn commit leaves
// a half-written frame in the WAL that the reopened store must ignore; a second engine must be
// refused by the data directory's lock, and a standby reader sees exactly the durable log.
import { appendFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../errors.js';
import { DirLock, LOCK_FILE } from '../runtime/lock.js';
import type { Prng } from '../infra/prng.js';
import { recover } from '../runtime/recover.js';
import { DB_FILE, SqliteStore } from '../store/sqlite/store.js';
import type { Backend } from '../store/types.js';
import type { FaultKind } from './faults.js';
import type { SimBackend } from './sim-backend.js';
import type { SimWorld } from './world.js';

export class SqliteWorld implements SimWorld {
  readonly kind = 'sqlite';
  readonly readWaitMs = 0;
  private store: SqliteStore | null = null;
  private tornSeed = 0;

  constructor(
    private readonly dir: string,
    private readonly fsync: boolean,
    private readonly seed: number,
  ) {}

  private current(): SqliteStore {
    if (this.store === null) this.store = this.openStore();
    return this.store;
  }

  private openStore(): SqliteStore {
    const s = new SqliteStore(this.dir, null);
    if (!this.fsync) s.db.pragma('synchronous = OFF');
    return s;
  }

  async open(): Promise<Backend> {
    return this.current();
  }

  async drop(torn: boolean): Promise<void> {
    this.store?.close();
    this.store = null;
    if (torn) {
      // a half-written frame: SQLite must ignore it when the file is opened again
      const junk = ((this.seed * 2654435761 + ++this.tornSeed * 40503) >>> 0).toString(16).repeat(97);
      appendFileSync(join(this.dir, `${DB_FILE}-wal`), Buffer.from(junk));
    }
  }

  async append(raws: readonly string[], now: number): Promise<void> {
    this.current().appendSync(raws, now);
  }

  head(): Promise<string | null> {
    return this.current().head();
  }

  async witness(): Promise<Backend> {
    return this.current();
  }

  async fault(kind: FaultKind, _rng: Prng, sb: SimBackend, violations: string[]): Promise<boolean> {
    if (kind !== 'second-engine') return false;
    secondEngine(this.dir, violations);
    await standbyReads(this.dir, sb, violations);
    return true;
  }

  isDead(): boolean {
    return false;
  }

  expected(): boolean {
    return false;
  }

  async finish(): Promise<string[]> {
    return [];
  }

  async close(): Promise<void> {
    try {
      this.store?.close();
    } catch {
      /* already closed */
    }
    this.store = null;
  }
}

/** A second engine on the same data must be refused while the first one's lock is held by a live process. */
function secondEngine(dir: string, violations: string[]): void {
  const path = join(dir, LOCK_FILE);
  // the running engine, as another live process would hold it (its parent stands in for it)
  writeFileSync(path, `${process.ppid}\n`);
  try {
    const lock = DirLock.acquire(dir);
    lock.release();
    violations.push('a second engine took the data directory while the first one held it');
  } catch (e) {
    if (!(e instanceof CliError)) violations.push(`the second engine failed unclearly: ${(e as Error).message}`);
  } finally {
    try {
      unlinkSync(path);
    } catch {
      /* released */
    }
  }
}

/** A standby opening the same file while the engine runs sees exactly the durable log. */
async function standbyReads(dir: string, sb: SimBackend, violations: string[]): Promise<void> {
  const other = new SqliteStore(dir, null);
  try {
    const r = await recover(other);
    if (r.state.seq !== sb.durableSeq) violations.push(`a standby opening the store sees seq ${r.state.seq}, the durable log ends at ${sb.durableSeq}`);
  } finally {
    other.db.close();
  }
}
