// The loop every read model shares: read committed events after the model's checkpoint, advance
// the mirror state, let the model turn the batch into writes, and commit them with the batch's
// last seq in one transaction. Preparing batch N+1 overlaps the write of batch N. A failed write
// (the database is down, the connection was cut) is retried with exponential backoff; before a
// retry the stored checkpoint says whether the failed commit actually landed, so a batch is never
// applied twice and never skipped. The engine is never involved: it does not wait for projections.
import type { State } from '../engine/index.js';
import type { Logger } from '../infra/logger.js';
import type { Backend } from '../store/types.js';
import { parseLines, parseStored, type Batch, type Checkpoint, type ProjectedEvent } from './batch.js';
import { apply, CheckpointMismatchError, loadMirror } from './mirror.js';

export interface Builder<P> {
  /** Called for every event of the batch after the mirror applied it. */
  add(ev: ProjectedEvent, state: State): void;
  /** The writes of the whole batch (the mirror is at the batch's last event). */
  finish(batch: Batch, state: State): P;
}

/** A read model: where rows go. Connections are the model's; retries and ordering are the runner's. */
export interface ReadModel<P> {
  readonly name: string;
  /** For messages: which database / schema / prefix. */
  readonly label: string;
  /** Opens a connection if there is none (no-op when connected). */
  connect(): Promise<void>;
  /** Drops the connection after a failure; never throws. */
  disconnect(): Promise<void>;
  checkpoint(): Promise<Checkpoint>;
  builder(): Builder<P>;
  /** Called with the mirror at the checkpoint before the first batch (caches derived from state). */
  prime?(state: State): void;
  /** Applies a prepared batch and moves the checkpoint from batch.from to batch.to atomically. */
  write(p: P, batch: Batch): Promise<void>;
  /** Removes the read model entirely and re-creates it empty (for --rebuild). */
  drop(): Promise<void>;
  close(): Promise<void>;
  /** Errors a retry cannot cure (a bug, a schema from a newer binary): the projector stops. */
  isFatal(e: unknown): boolean;
  /**
   * The log's head and committed feed clock, as last read (at most every 200 ms), for readers that
   * cannot see the log itself (`relayer book --redis`: lag, and the feed age that heartbeats move
   * without events). Best effort: a failure is ignored and the next look writes it again.
   */
  head?(seq: number, priceTs: number | null): Promise<void>;
}

export interface RunnerOptions {
  /** Most events per batch (catch-up batches are this big; live ones are what is there). */
  batchSize: number;
  /** Idle wait between polls of the log at its head. */
  pollMs: number;
  /** Stop at the head of the log instead of following it. */
  once: boolean;
  /** The market whose log this is (absent = BTC-USD): the mirror starts from its snapshots. */
  market?: string;
  minBackoffMs: number;
  maxBackoffMs: number;
  log: Logger;
}

export const DEFAULT_RUNNER: Omit<RunnerOptions, 'log'> = {
  batchSize: 5000,
  pollMs: 10,
  once: false,
  minBackoffMs: 100,
  maxBackoffMs: 5000,
};

/** Events read and prepared between two turns of the event loop. */
const CHUNK = 500;

const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class StoppedError extends Error {}
export class CorruptLogError extends Error {}

export interface CommitInfo {
  model: string;
  checkpoint: Checkpoint;
  events: number;
  ms: number;
  live: boolean;
}

export class Projector<P> {
  private stopping = false;
  private readonly sleepers = new Set<() => void>();
  private mirror: State | null = null;
  committed: Checkpoint | null = null;
  /** The newest seq the log had when last looked at. */
  head = 0;
  private headAt = 0;
  /** The head last handed to the model's `head`. */
  private told: { seq: number; priceTs: number | null } = { seq: -1, priceTs: null };
  events = 0;
  batches = 0;
  failures = 0;
  /** Why the last attempt failed (connect or write), for status and tests. */
  lastError: string | null = null;
  onCommit: ((c: CommitInfo) => void) | null = null;
  /** Called after the checkpoint is known at start (before any event is read). */
  onStart: ((cp: Checkpoint, head: number) => void) | null = null;

  constructor(
    readonly model: ReadModel<P>,
    private readonly backend: Backend,
    private readonly opts: RunnerOptions,
  ) {}

  get state(): State | null {
    return this.mirror;
  }

  stop(): void {
    this.stopping = true;
    for (const wake of [...this.sleepers]) wake();
  }

  get stopped(): boolean {
    return this.stopping;
  }

  /** Drops the read model and re-creates it empty (retrying while the database is unreachable). */
  async rebuild(): Promise<void> {
    await this.retry('rebuild', async () => {
      await this.model.connect();
      await this.model.drop();
    });
  }

  async run(): Promise<void> {
    const { log, batchSize } = this.opts;
    const model = this.model;
    let cp: Checkpoint;
    try {
      // a read model that cannot connect (wrong URL, no such user or database, a schema from a newer
      // binary) keeps trying and says why, loudly: the process and the other read models go on
      // (with --once it fails at once: a batch job should not wait for a fix)
      cp = await this.retry(
        'connect',
        async () => {
          await model.connect();
          return model.checkpoint();
        },
        !this.opts.once,
      );
    } catch (e) {
      if (e instanceof StoppedError) return;
      throw e;
    }
    this.mirror = await loadMirror(this.backend, cp, model.label, this.opts.market);
    model.prime?.(this.mirror);
    this.committed = cp;
    await this.refreshHead(true);
    this.onStart?.(cp, this.head);
    log.info({ model: model.name, target: model.label, seq: cp.seq, head: this.head }, `${model.name} projection starts at seq ${cp.seq}`);
    const state = this.mirror;
    let prev: Checkpoint = cp;
    let inflight: Promise<void> | null = null;
    let written = true;
    try {
      while (!this.stopping) {
        // a batch is read and prepared in chunks; between chunks the event loop runs, so the
        // write in flight (COPY after COPY, each a round trip) never waits for the whole batch
        const b = model.builder();
        let count = 0;
        let lastTs = 0;
        let hash = prev.hash;
        let seq = prev.seq;
        let atHead = false;
        while (count < batchSize && !this.stopping) {
          const want = Math.min(CHUNK, batchSize - count);
          const rows = await this.readWithRetry(seq + 1, want);
          if (rows === null) break;
          for (const ev of rows) {
            if (ev.env.seq !== seq + 1) throw new CorruptLogError(`event log has a gap after seq ${seq} (next is ${ev.env.seq})`);
            if ((ev.env as { prev?: string }).prev !== hash) throw new CorruptLogError(`hash chain broken at seq ${ev.env.seq}; run relayer verify`);
            apply(state, ev.env);
            b.add(ev, state);
            count++;
            lastTs = ev.env.ts;
            seq = ev.env.seq;
            hash = ev.hash;
          }
          if (rows.length < want) {
            // at the head while a write is in flight: keep gathering until it is done, so each
            // write carries everything that arrived during the previous one (group commit)
            if (inflight !== null && !written && count < batchSize && !this.stopping) {
              await Promise.race([inflight, this.sleep(this.opts.pollMs)]);
              continue;
            }
            atHead = true;
            break;
          }
          if (inflight !== null) await yieldToIo();
        }
        if (count === 0) {
          if (this.stopping) break;
          if (inflight !== null) {
            await inflight;
            inflight = null;
          }
          await this.refreshHead(this.opts.once);
          if (this.opts.once && this.head <= prev.seq) break;
          if (this.head <= prev.seq) await this.sleep(this.opts.pollMs);
          continue;
        }
        const batch: Batch = { count, from: prev, to: { seq, hash }, lastTs, live: atHead };
        const prepared = b.finish(batch, state);
        prev = batch.to;
        if (inflight !== null) await inflight;
        written = false;
        inflight = this.commit(prepared, batch);
        inflight.then(
          () => {
            written = true;
          },
          () => {
            written = true;
          },
        ); // also keeps it from counting as unhandled
        await this.refreshHead(false);
      }
      if (inflight !== null) await inflight;
    } catch (e) {
      if (inflight !== null) await inflight.catch(() => {});
      if (e instanceof StoppedError) return;
      throw e;
    }
  }

  private async refreshHead(force: boolean): Promise<void> {
    const now = Date.now();
    if (!force && now - this.headAt < 200) return;
    try {
      const c = await this.backend.lastCommitted();
      this.head = Math.max(this.head, c.seq);
      this.headAt = now;
      const priceTs = c.clock?.price_ts ?? null;
      if (this.model.head !== undefined && this.committed !== null && (c.seq !== this.told.seq || priceTs !== this.told.priceTs)) {
        this.told = { seq: c.seq, priceTs };
        await this.model.head(c.seq, priceTs).catch(() => {
          this.told = { seq: -1, priceTs: null };
        });
      }
    } catch {
      /* the head is only for progress and lag */
    }
  }

  private async commit(p: P, batch: Batch): Promise<void> {
    const model = this.model;
    let attempt = 0;
    let uncertain = false;
    for (;;) {
      try {
        await model.connect();
        if (uncertain) {
          // the failed attempt may have committed before the connection dropped: ask the model
          const cp = await model.checkpoint();
          if (cp.seq === batch.to.seq && cp.hash === batch.to.hash) {
            this.committed = batch.to;
            return this.done(batch, 0, attempt);
          }
          if (cp.seq !== batch.from.seq || cp.hash !== batch.from.hash) {
            throw new CheckpointMismatchError(
              `${model.label} checkpoint moved to seq ${cp.seq} while this projector expected ${batch.from.seq}: is another projector writing to it?`,
            );
          }
        }
        const t0 = performance.now();
        await model.write(p, batch);
        this.committed = batch.to;
        return this.done(batch, performance.now() - t0, attempt);
      } catch (e) {
        if (e instanceof CheckpointMismatchError || model.isFatal(e)) throw e;
        attempt++;
        this.failures++;
        uncertain = true;
        await model.disconnect();
        if (this.stopping) throw new StoppedError();
        const delay = this.backoff(attempt);
        this.opts.log.warn(
          { model: model.name, err: describe(e), attempt, retry_in_ms: delay, seq: batch.from.seq },
          `${model.name} write failed; retrying in ${delay} ms`,
        );
        await this.sleep(delay);
        if (this.stopping) throw new StoppedError();
      }
    }
  }

  private done(batch: Batch, ms: number, attempts: number): void {
    this.events += batch.count;
    this.batches++;
    if (attempts > 0) this.opts.log.info({ model: this.model.name, seq: batch.to.seq, attempts }, `${this.model.name} is writing again`);
    this.onCommit?.({ model: this.model.name, checkpoint: batch.to, events: batch.count, ms, live: batch.live });
  }

  /** Committed events from `from` on, parsed; null when stopped while the log was unreadable. */
  private async readWithRetry(from: number, max: number): Promise<ProjectedEvent[] | null> {
    let attempt = 0;
    for (;;) {
      try {
        const lean = (this.backend as { readLinesSync?: (from: number, max: number) => [number, string, string][] }).readLinesSync;
        if (typeof lean === 'function') return parseLines(lean.call(this.backend, from, max));
        return parseStored(await this.backend.readEvents(from, max));
      } catch (e) {
        if (e instanceof SyntaxError) throw new CorruptLogError(`event ${from}… is not JSON: ${e.message}`);
        attempt++;
        const delay = this.backoff(attempt);
        this.opts.log.warn({ model: this.model.name, err: describe(e), attempt, retry_in_ms: delay }, 'reading the event log failed; retrying');
        await this.sleep(delay);
        if (this.stopping) return null;
      }
    }
  }

  /**
   * Runs `fn` until it succeeds, with backoff between attempts; fatal errors are thrown, unless
   * `fatalToo`: then they are retried at the longest backoff and logged as errors.
   */
  private async retry<T>(what: string, fn: () => Promise<T>, fatalToo = false): Promise<T> {
    let attempt = 0;
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        if (e instanceof CheckpointMismatchError) throw e;
        const fatal = this.model.isFatal(e);
        if (fatal && !fatalToo) throw e;
        attempt++;
        this.failures++;
        this.lastError = describe(e);
        await this.model.disconnect();
        if (this.stopping) throw new StoppedError();
        const delay = fatal ? this.opts.maxBackoffMs : this.backoff(attempt);
        const entry = { model: this.model.name, target: this.model.label, err: describe(e), attempt, retry_in_ms: delay };
        if (fatal)
          this.opts.log.error(
            entry,
            `${this.model.name}: ${what} failed and will until its configuration is fixed (${describe(e)}); retrying in ${delay} ms, the other read models go on`,
          );
        else this.opts.log.warn(entry, `${this.model.name}: ${what} failed; retrying in ${delay} ms`);
        await this.sleep(delay);
        if (this.stopping) throw new StoppedError();
      }
    }
  }

  /** Exponential backoff with ±20 % jitter, capped. */
  private backoff(attempt: number): number {
    const base = Math.min(this.opts.maxBackoffMs, this.opts.minBackoffMs * 2 ** Math.min(attempt - 1, 20));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(t);
        this.sleepers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}

export function describe(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? `${e.message} (${code})` : e.message;
  }
  return String(e);
}
