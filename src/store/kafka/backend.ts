// The Kafka backend (DESIGN §4): the same Backend contract as the embedded store, on five topics.
//
//   input log   request topic, partition 0; position = offset (decimal string); ts = LogAppendTime,
//               never earlier than the record before's (a running maximum, D220)
//   event log   events topic, one record per event
//   failed      failed topic, the request's raw bytes + reason
//   state       state topic, one record per committed batch (seq, hash, position, feed clock, summary)
//   snapshots   snapshot topic (compacted) + a local file cache (snapshots.ts)
//
// commit() is ONE Kafka transaction: the batch's events, failed records and state record, plus
// the consumed request offset for the engine's group (sendOffsetsToTransaction). Readers use
// read_committed, so nothing is visible before the commit. The transactional id is per market:
// initialising it fences any older engine with the same id, and aborts (or finishes) whatever
// transaction that engine left open, so recovery starts from a settled log.
//
// Broker trouble: reads retry with backoff until the broker is back. A commit that fails midway
// is in an unknown state, so the backend re-initialises the transactional id (which settles the
// old attempt: committed or aborted, never half), reads the last state record to learn which it
// was, and sends the batch again only if it did not land. Nothing is lost or written twice.
//
// The parts (D140): transactions.ts (the engine's transactional producer), request-reader.ts
// (buffered reads of the input log), event-reader.ts (seq → offset search, events of a command),
// scan.ts (ranges and last records), snapshots.ts, frame-seal.ts and frame-worker.ts (the batch's
// hash chain and brotli frames, in a worker thread once startFrameWorker ran, D271), and ports.ts,
// the client face it works through (kafkajs, librdkafka, or the simulation's stand-in, given as
// `clients`).
import type { Message } from 'kafkajs';
import type { Logger } from '../../infra/logger.js';
import { within } from '../../infra/within.js';
import type { AppendResult, Backend, CommitBatch, Committed, HeadBatch, InputRecord, SnapshotInfo, StoredEvent } from '../types.js';
import { type Backoff, DEFAULT_BACKOFF, FatalError, FencedError, createKafka, describeError, errorType, isFenced, withRetry } from './client.js';
import { writerClient } from './clients.js';
import { TOPIC_ROLES, type KafkaConfig } from './config.js';
import { EventReader } from './event-reader.js';
import type { SealedFrames } from './frame-seal.js';
import type { FrameWorker } from './frame-worker.js';
import { Fetcher } from './fetcher.js';
import type { KafkaAdmin, KafkaClients, KafkaProducer, KafkaWriter, RecordReader } from './ports.js';
import { type StateRecord, eventsOfRecord, failedMessage, frameMessages, split, stateMessage, stateOf } from './records.js';
import { RequestReader } from './request-reader.js';
import { lastRecord, scan } from './scan.js';
import { SnapshotLog, type Produce } from './snapshots.js';
import { DISCONNECT_WAIT_MS, EngineTransactions } from './transactions.js';

const GENESIS_HASH = '0'.repeat(64);

export interface KafkaBackendOptions {
  log: Logger;
  /** A produce request is cut at this many bytes (topics keep the broker's 1 MiB max.message.bytes). */
  maxRequestBytes?: number;
  /** Idle engine: check this often that no other engine took over the transactional id. */
  fenceCheckMs?: number;
  /** How many bytes of the request topic one fetch brings. */
  fetchBytes?: number;
  backoff?: Backoff;
  /** Fail at once instead of waiting for an unreachable broker (tools; the engine waits). */
  failFast?: boolean;
  /** The clients to work through (default: kafkajs reads, writes by the configured client); the simulation gives its stand-in (D140). */
  clients?: KafkaClients;
  /** The clock of fencing checks, snapshot names and status ages (default Date.now; the simulation's is simulated). */
  now?: () => number;
  /** How long a snapshot's transaction may hold the producer before it is given up (D270). */
  imageTxMs?: number;
  /** How long a client's disconnect is waited for, a replaced producer's or any at close (tests; D270, D310). */
  disconnectWaitMs?: number;
}

/**
 * A snapshot image's transaction (a few hundred ms for tens of MB) that has not ended after this
 * long is stuck (D270): the producer's turn goes back to the batch commits.
 */
export const IMAGE_TX_MS = 45_000;

export class MissingTopicsError extends FatalError {}

interface Known {
  seq: number;
  hash: string;
  position: string | null;
  failed: number;
}

export class KafkaBackend implements Backend {
  readonly name = 'kafka';
  /** The loop overlaps a commit's broker round trips with deciding the next batch (D61). */
  readonly overlapsCommits = true;
  readonly log: Logger;
  private readonly kafka: KafkaWriter;
  private readonly fetcher: RecordReader;
  private readonly snaps: SnapshotLog;
  private readonly maxRequestBytes: number;
  private readonly fenceCheckMs: number;
  private readonly backoff: Backoff;
  private readonly failFast: boolean;
  private readonly now: () => number;
  private readonly imageTxMs: number;
  private readonly disconnectWaitMs: number;
  private readonly txs: EngineTransactions;
  private readonly requests: RequestReader;
  private readonly events: EventReader;
  // Each client is created once, as a promise: concurrent first callers (a demo or gateway appending
  // without awaiting) share one connection instead of each opening one that close() never sees.
  private admin: Promise<KafkaAdmin> | null = null;
  /** Idempotent, non-transactional: client appends and offline snapshots. */
  private plain: Promise<KafkaProducer> | null = null;
  private stopped = false;
  private closed = false;
  /** What the last commit (or recovery) left: the base of the next state record. */
  private known: Known | null = null;
  /** The tail of the engine's transactions, which run one at a time (see inTurn). */
  private txTail: Promise<unknown> = Promise.resolve();
  /** Seals batches off the engine's thread once started (D271). */
  private frameWorker: { seal: FrameWorker['seal']; close(): Promise<void> } | null = null;
  /** The batch prepared last and its seal (with the hash it was chained onto). */
  private sealing: { batch: HeadBatch; seal: Promise<SealedFrames & { prev: string }> } | null = null;

  private constructor(
    readonly cfg: KafkaConfig,
    opts: KafkaBackendOptions,
  ) {
    this.log = opts.log;
    let clients = opts.clients;
    if (clients === undefined) {
      const kafkajs = createKafka(cfg, opts.log);
      clients = { writer: writerClient(cfg, opts.log, kafkajs), reader: new Fetcher(kafkajs) };
    }
    this.kafka = clients.writer;
    this.fetcher = clients.reader;
    this.now = opts.now ?? Date.now;
    this.imageTxMs = opts.imageTxMs ?? IMAGE_TX_MS;
    this.snaps = new SnapshotLog(this.fetcher, cfg.topics.snapshots, cfg.cacheDir, opts.log, this.now);
    this.maxRequestBytes = opts.maxRequestBytes ?? 900 * 1024;
    this.fenceCheckMs = opts.fenceCheckMs ?? 5000;
    const fetchBytes = opts.fetchBytes ?? 4 << 20;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.failFast = opts.failFast ?? false;
    const retry = <T>(what: string, op: (attempt: number) => Promise<T>): Promise<T> => this.retry(what, op);
    this.disconnectWaitMs = opts.disconnectWaitMs ?? DISCONNECT_WAIT_MS;
    this.txs = new EngineTransactions(this.kafka, cfg.transactionalId, this.now, this.disconnectWaitMs);
    this.requests = new RequestReader(this.fetcher, cfg.topics.request, fetchBytes, retry, (at) => this.resumeTs(at));
    this.events = new EventReader(this.fetcher, cfg.topics.events, fetchBytes, retry);
  }

  /** Connects and checks that the five topics exist. */
  static async open(cfg: KafkaConfig, opts: KafkaBackendOptions): Promise<KafkaBackend> {
    const b = new KafkaBackend(cfg, opts);
    try {
      await b.retry('connecting to Kafka', async () => {
        const admin = await b.adminClient();
        const existing = new Set(await admin.listTopics());
        const missing = TOPIC_ROLES.map((r) => cfg.topics[r]).filter((t) => !existing.has(t));
        if (missing.length > 0) {
          throw new MissingTopicsError(
            `missing Kafka topics ${missing.join(', ')} on ${cfg.brokers.join(',')} (create them: relayer topics create --kafka ${cfg.brokers.join(',')})`,
          );
        }
      });
    } catch (e) {
      await b.close();
      throw e;
    }
    return b;
  }

  /** Makes `stopped` true: waits for the broker end, read() returns nothing. */
  interrupt(): void {
    this.stopped = true;
  }

  private retry<T>(what: string, op: (attempt: number) => Promise<T>, onError?: (e: unknown) => Promise<void> | void): Promise<T> {
    if (this.failFast) {
      return op(0).catch((e: unknown) => {
        if (e instanceof MissingTopicsError || isFenced(e)) throw e;
        throw new Error(`${what}: ${describeError(e)} (brokers ${this.cfg.brokers.join(',')})`);
      });
    }
    return withRetry(what, op, { log: this.log, stopped: () => this.stopped, backoff: this.backoff, ...(onError ? { onError } : {}) });
  }

  private adminClient(): Promise<KafkaAdmin> {
    if (this.admin === null) {
      const a = this.kafka.admin();
      this.admin = connected(a, () => {
        this.admin = null;
      });
    }
    return this.admin;
  }

  private plainProducer(): Promise<KafkaProducer> {
    if (this.closed) return Promise.reject(new Error('the Kafka backend is closed'));
    if (this.plain === null) {
      const p = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: () => () => 0, allowAutoTopicCreation: false });
      this.plain = connected(p, () => {
        this.plain = null;
      });
    }
    return this.plain;
  }

  /**
   * Runs `op` after every engine transaction queued before it has ended: a producer has one
   * transaction open at a time, and a snapshot image from the worker (D221) or an idle fencing
   * check may come while a batch commits.
   */
  private inTurn<T>(op: () => Promise<T>): Promise<T> {
    const run = this.txTail.then(op, op);
    this.txTail = run.catch(() => undefined);
    return run;
  }

  /**
   * An image's transaction in turn, bounded (D270): if it has not ended after `imageTxMs` (a broker
   * gone while it sent, a client call that never returns), it is given up and the turn passes on.
   * The next transaction initialises the id again, so the coordinator aborts the abandoned one, and
   * the caller's retry (saveSnapshot, pruneSnapshots) stores the image once the broker answers.
   */
  private imageInTurn<T>(op: () => Promise<T>): Promise<T> {
    return this.inTurn(
      () =>
        new Promise<T>((resolve, reject) => {
          const turn = this.txs.turn;
          const timer = setTimeout(() => {
            this.txs.abandon(turn);
            this.log.warn({ op: 'storing a snapshot', after_ms: this.imageTxMs }, 'kafka: a snapshot transaction did not end; gave it up, batch commits go on');
            reject(new Error(`the snapshot transaction did not end within ${this.imageTxMs} ms; given up`));
          }, this.imageTxMs);
          op().then(
            (v) => {
              clearTimeout(timer);
              resolve(v);
            },
            (e: unknown) => {
              clearTimeout(timer);
              reject(e as Error);
            },
          );
        }),
    );
  }

  // ---- the engine's transactional id ------------------------------------------------------------

  /**
   * Takes the market's transactional id (fencing any older engine and settling the transaction it
   * left open), writes the genesis command when the request topic has never held a record, and
   * waits until the group offset agrees with the last state record.
   */
  async startEngine(genesis: string | null): Promise<{ genesisOffset: number | null }> {
    this.txs.engine = true;
    await this.retry('taking the transactional id', () => this.txs.reset());
    let genesisOffset: number | null = null;
    if (genesis !== null) {
      await this.retry('writing the genesis command', async () => {
        // looked at again on every attempt: an attempt that failed may have committed after all
        const { end } = await this.fetcher.bounds(this.cfg.topics.request);
        if (end !== 0) return;
        await this.txs.run(async (tx) => {
          const r = await tx.send({ topic: this.cfg.topics.request, acks: -1, messages: [{ value: genesis, partition: 0 }] });
          genesisOffset = Number(r[0]?.baseOffset ?? -1);
        });
      });
      if (genesisOffset !== null && genesisOffset !== 0)
        this.log.warn({ offset: genesisOffset }, 'genesis InitPool is not the first record: a client wrote before the first engine started');
      else if (genesisOffset === 0) this.log.info({ topic: this.cfg.topics.request }, 'wrote the genesis InitPool as the first input');
    }
    await this.settleGroupOffset();
    return { genesisOffset };
  }

  /**
   * The group offset is the input position; the state record holds the same position written in
   * the same transaction. Offsets of a just-finished transaction can take a moment to show in
   * OffsetFetch, so wait (bounded) until they agree.
   */
  private async settleGroupOffset(): Promise<void> {
    const st = await this.retry('reading the state topic', () => this.lastState());
    if (st === null) return;
    const want = Number(st.position) + 1;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const got = await this.retry('reading the group offset', () => this.groupOffset());
      if (got === want) return;
      if (Date.now() > deadline) {
        this.log.warn(
          { group: this.cfg.groupId, group_offset: got, state_position: st.position },
          'the group offset disagrees with the last state record; the state record (same transaction as the events) is used',
        );
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Committed offset of the engine's group on the request topic (the next offset to read), or null. */
  async groupOffset(): Promise<number | null> {
    const admin = await this.adminClient();
    const res = await admin.fetchOffsets({ groupId: this.cfg.groupId, topics: [this.cfg.topics.request] });
    const p = res[0]?.partitions.find((x) => x.partition === 0);
    const o = p === undefined ? -1 : Number(p.offset);
    return o >= 0 ? o : null;
  }

  // ---- input log ----------------------------------------------------------------------------

  async append(raws: readonly string[]): Promise<AppendResult[]> {
    if (raws.length === 0) return [];
    if (this.events.mark === null) this.events.mark = (await this.fetcher.bounds(this.cfg.topics.events)).end;
    const p = await this.plainProducer();
    const out: AppendResult[] = [];
    const msgs: Message[] = raws.map((r) => ({ value: r, partition: 0 }));
    for (const group of split(msgs, this.maxRequestBytes)) {
      const res = await p.send({ topic: this.cfg.topics.request, acks: -1, messages: group });
      const meta = res[0];
      if (meta === undefined || meta.baseOffset === undefined) throw new Error('Kafka returned no offset for the appended records');
      const base = Number(meta.baseOffset);
      const ts = Number(meta.logAppendTime);
      if (!(ts > 0)) throw new Error(`${this.cfg.topics.request} does not use LogAppendTime (relayer topics describe shows the drift)`);
      for (let i = 0; i < group.length; i++) out.push({ position: String(base + i), ts });
    }
    return out;
  }

  async read(after: string | null, max: number, waitMs: number): Promise<InputRecord[]> {
    const out = await this.requests.read(after, max, waitMs);
    if (out === null) return [];
    if (out.length === 0 && waitMs > 0) await this.checkFenced();
    return out;
  }

  /** An idle engine learns it was fenced by trying to commit its own offset again. */
  private async checkFenced(): Promise<void> {
    // also when a re-initialisation failed (no producer now): an idle engine must still learn it was fenced
    if (!this.txs.engine || this.known === null || this.known.position === null) return;
    // a clock that stepped back (NTP; the simulation's clock-jump) makes the check due, not never (D149)
    const since = this.now() - this.txs.lastTxAt;
    if (since >= 0 && since < this.fenceCheckMs) return;
    const offset = String(Number(this.known.position) + 1);
    try {
      await this.inTurn(async () => {
        await this.takeIdSafely();
        await this.txs.run((tx) =>
          tx.sendOffsets({ consumerGroupId: this.cfg.groupId, topics: [{ topic: this.cfg.topics.request, partitions: [{ partition: 0, offset }] }] }),
        );
      });
    } catch (e) {
      if (e instanceof FencedError) throw e;
      this.log.warn({ err: describeError(e) }, 'kafka: fencing check failed; retrying later');
      this.txs.lastTxAt = this.now();
    }
  }

  async head(): Promise<string | null> {
    const last = await lastRecord(this.fetcher, this.cfg.topics.request, () => true);
    return last === null ? null : String(last.offset);
  }

  // ---- event log ------------------------------------------------------------------------------

  async commit(b: CommitBatch): Promise<void> {
    const last = b.events.length > 0 ? b.events[b.events.length - 1]! : null;
    const sealed = last === null ? null : { firstSeq: b.events[0]!.seq, lastSeq: last.seq, lastHash: last.hash };
    return this.commitFrames(frameMessages(b.events), sealed, b);
  }

  /**
   * Starts sealing batches in a worker thread (D271): from then on the loop hands over unsealed
   * heads (commitHeads), and the hashing and compression of its frames run off the engine's thread.
   */
  async startFrameWorker(): Promise<void> {
    if (this.frameWorker !== null) return;
    const { FrameWorker } = await import('./frame-worker.js');
    this.frameWorker = await FrameWorker.start();
    this.commitHeads = (b) => this.commitSealing(b);
    this.prepareHeads = (b) => this.prepareSeal(b);
  }

  /** Present once startFrameWorker ran: the loop's pipelined commit of unsealed heads. */
  commitHeads?: (b: HeadBatch) => Promise<string>;
  /** Present once startFrameWorker ran: starts sealing a batch while the one before commits. */
  prepareHeads?: (b: HeadBatch) => void;

  /**
   * Starts sealing `b` in the worker, chained onto the batch prepared before it (whose last hash
   * the worker computed before that batch's transaction began), else onto the last committed hash.
   * Only the sealing runs ahead: commitSealing sends a batch after the one before is durable, and
   * checks that the hash it was chained onto is the committed one.
   */
  private prepareSeal(b: HeadBatch): void {
    const prev = this.sealing !== null ? this.sealing.seal.then((s) => s.lastHash) : this.lastCommittedHash();
    const seal = prev.then(async (h) => ({ prev: h, ...(await this.frameWorker!.seal({ prev: h, firstSeq: b.firstSeq, count: b.count, heads: b.heads })) }));
    seal.catch(() => undefined); // awaited by commitSealing
    this.sealing = { batch: b, seal };
  }

  private async lastCommittedHash(): Promise<string> {
    return (this.known ?? (await this.lastCommittedKnown())).hash;
  }

  /**
   * Commits a batch of unsealed heads: the worker's frames (prepared, or sealed now onto the last
   * committed hash), sent as commit() sends; resolves to the batch's last hash once committed. The
   * loop starts the next only after this one resolved, so the committed hash is final.
   */
  private async commitSealing(b: HeadBatch): Promise<string> {
    if (this.sealing?.batch !== b) this.prepareSeal(b);
    const s = await this.sealing!.seal;
    const base = this.known ?? (await this.lastCommittedKnown());
    if (b.count > 0 && b.firstSeq !== base.seq + 1) throw new Error(`commit of seq ${b.firstSeq} does not follow the committed seq ${base.seq}`);
    if (s.prev !== base.hash)
      throw new Error(`batch from seq ${b.firstSeq} was chained onto ${s.prev.slice(0, 12)}…, the committed head is ${base.hash.slice(0, 12)}…`);
    const messages: Message[] = s.frames.map((f) => ({ key: f.key, value: f.value as Buffer, partition: 0 }));
    const sealed = b.count === 0 ? null : { firstSeq: b.firstSeq, lastSeq: b.firstSeq + b.count - 1, lastHash: s.lastHash };
    await this.commitFrames(messages, sealed, b);
    return s.lastHash;
  }

  /** One batch transaction: its frame records (null: no events), failed records, state record and offsets. */
  private commitFrames(
    events: Message[],
    sealed: { firstSeq: number; lastSeq: number; lastHash: string } | null,
    b: Pick<CommitBatch, 'failed' | 'position' | 'clock' | 'summary'>,
  ): Promise<void> {
    const failed = b.failed.map((f) => failedMessage(f, this.requests.raw(f.position)));
    // in turn with the other transactions of the engine's producer (a worker's snapshot, D221)
    return this.inTurn(async () => {
      const base = this.known ?? (await this.lastCommittedKnown());
      const failedTotal = base.failed + b.failed.length;
      const lastHash = sealed !== null ? sealed.lastHash : base.hash;
      const lastSeq = sealed !== null ? sealed.lastSeq : base.seq;
      const state = stateMessage(
        this.cfg.transactionalId,
        { seq: lastSeq, hash: lastHash, position: b.position, input_ts: this.requests.tsAt(b.position), clock: b.clock, failed: failedTotal },
        b.summary,
      );
      let firstEventOffset = -1;
      await this.retry(
        'committing a batch',
        async (attempt) => {
          const mustInit = attempt > 0 || this.txs.mustReset;
          if (mustInit || this.txs.initialisedSinceCheck) {
            // The id is about to be initialised again (an earlier attempt or transaction failed, so it
            // may or may not have committed), or was since the state topic was last looked at. Another
            // engine may have taken the market over meanwhile (a failed request cannot tell): then the
            // state topic holds a commit that is neither the base nor this batch; initialising would
            // fence the newer engine and sending would write its seqs again, so stop as fenced. The
            // same batch (same input, same bytes) committed by whichever engine is landed (D146).
            const ours = (st: StateRecord | null): 'base' | 'batch' | 'other' => {
              if (st === null) return 'base'; // no engine has written a state record (an old topic): nobody took over
              if (st.seq === lastSeq && st.hash === lastHash && st.position === b.position) return 'batch';
              if (st.seq === base.seq && st.hash === base.hash && st.position === base.position) return 'base';
              return 'other';
            };
            for (const settle of mustInit ? [false, true] : [false]) {
              // settle: our own attempt committed or aborted, never half, then look again
              if (settle) await this.txs.reset();
              const st = await this.lastState();
              const which = ours(st);
              if (which === 'other') throw this.takenOver(st);
              if (which === 'batch') {
                this.log.warn({ position: b.position, seq: st!.seq }, 'kafka: the batch had committed before the error; not sending it again');
                return;
              }
            }
            // looked after the last initialisation: anyone taking the id from here on fences this engine
            this.txs.initialisedSinceCheck = false;
          }
          firstEventOffset = await this.txs.run(async (tx) => {
            const groups = split(events, this.maxRequestBytes);
            const first = groups.shift() ?? [];
            const topicMessages = [{ topic: this.cfg.topics.state, messages: [state] }];
            if (first.length > 0) topicMessages.unshift({ topic: this.cfg.topics.events, messages: first });
            for (const g of split(failed, this.maxRequestBytes)) topicMessages.push({ topic: this.cfg.topics.failed, messages: g });
            // the events go as compressed frames (D60); a record-batch codec on top would only cost CPU
            const res = await tx.sendBatch({ acks: -1, topicMessages });
            for (const g of groups) await tx.send({ topic: this.cfg.topics.events, acks: -1, messages: g });
            await tx.sendOffsets({
              consumerGroupId: this.cfg.groupId,
              topics: [{ topic: this.cfg.topics.request, partitions: [{ partition: 0, offset: String(Number(b.position) + 1) }] }],
            });
            const ev = res.find((m) => m.topicName === this.cfg.topics.events);
            return ev?.baseOffset === undefined ? -1 : Number(ev.baseOffset);
          });
        },
        async (e) => {
          if (isFenced(e)) return;
          this.log.debug({ type: errorType(e) }, 'commit failed');
        },
      ).catch((e: unknown) => {
        if (isFenced(e) && !(e instanceof FencedError)) throw new FencedError(this.cfg.transactionalId, e);
        throw e;
      });
      if (firstEventOffset >= 0 && sealed !== null) this.events.hint(sealed.firstSeq, firstEventOffset);
      this.known = { seq: lastSeq, hash: lastHash, position: b.position, failed: failedTotal };
      this.requests.committed(b.position);
    });
  }

  /**
   * Before a transaction that is not a batch (a fencing check, snapshots): initialise the id again
   * if a transaction failed, looking at the state topic before (if another engine committed after
   * what this one knows, it took the market over, and initialising would fence it) and after (a
   * commit that landed in between would otherwise be followed by this engine's stale offsets) (D146).
   */
  private async takeIdSafely(): Promise<void> {
    const known = this.known;
    const look = async (): Promise<void> => {
      if (known === null) return;
      const st = await this.lastState();
      if (st !== null && !(st.seq === known.seq && st.hash === known.hash && st.position === known.position)) throw this.takenOver(st);
    };
    if (this.txs.mustReset) {
      await look();
      await this.txs.reset();
    }
    if (this.txs.initialisedSinceCheck) {
      await look();
      this.txs.initialisedSinceCheck = false;
    }
  }

  /** Another engine committed after what this one knows: it took the market over. */
  private takenOver(st: StateRecord | null): FencedError {
    return new FencedError(
      this.cfg.transactionalId,
      new Error(
        `the state topic ends at seq ${st?.seq ?? 0} (input position ${st?.position ?? 'none'}), written by another engine after seq ${this.known?.seq ?? 0}`,
      ),
    );
  }

  private async lastCommittedKnown(): Promise<Known> {
    const c = await this.lastCommitted();
    return this.known ?? { seq: c.seq, hash: c.hash, position: c.position, failed: 0 };
  }

  /**
   * The last committed batch. seq, hash, position, clock and summary come from ONE state record
   * (written in the batch's transaction), so they always belong together even while an engine
   * commits; the event log's last record and the group offset are checked against it.
   */
  async lastCommitted(): Promise<Committed> {
    const st = await this.retry('reading the state topic', () => this.lastState());
    const ev = await this.retry('reading the event topic', () => lastRecord(this.fetcher, this.cfg.topics.events, () => true));
    const lastEvent = ev === null ? null : (eventsOfRecord(ev).pop() ?? null);
    if (st === null) {
      // nothing committed by an engine yet (or the state topic was lost): the event log and the group offset
      const g = await this.retry('reading the group offset', () => this.groupOffset());
      const c: Committed = {
        seq: lastEvent?.seq ?? 0,
        hash: lastEvent?.hash ?? GENESIS_HASH,
        position: g === null ? null : String(g - 1),
        clock: null,
        summary: null,
      };
      this.known ??= { seq: c.seq, hash: c.hash, position: c.position, failed: 0 };
      return c;
    }
    if (lastEvent !== null && lastEvent.seq < st.seq) {
      throw new FatalError(`the event topic ends at seq ${lastEvent.seq} but the state topic says ${st.seq} was committed; run relayer verify`);
    }
    // Events past the state record mean a foreign writer only before this engine has committed:
    // afterwards the two reads above can straddle one of its own commits (the scheduler asks while
    // the loop commits), and its transactional id fences any other engine anyway.
    if (this.txs.engine && this.known === null && lastEvent !== null && lastEvent.seq !== st.seq) {
      throw new FatalError(
        `the event topic has events after seq ${st.seq} that no state record covers; is another engine running with another transactional id?`,
      );
    }
    if (this.txs.engine) this.known = { seq: st.seq, hash: st.hash, position: st.position, failed: st.failed };
    // a record written before D220 carries no maximum: the clamp starts after it
    this.requests.anchor(st.position, st.input_ts ?? 0);
    return { seq: st.seq, hash: st.hash, position: st.position, clock: st.clock, summary: JSON.stringify(st.summary) };
  }

  /**
   * The running maximum of the request stamps at `offset` (D220), for a read that starts after it:
   * the newest state record of this market at or before it carries the maximum at its position
   * (none on records written before D220), and the request records after that fold in.
   */
  private async resumeTs(offset: number): Promise<number> {
    const r = await lastRecord(this.fetcher, this.cfg.topics.state, (x) => {
      if (x.key?.toString('utf8') !== this.cfg.transactionalId) return false;
      const s = stateOf(x);
      return s !== null && Number(s.position) <= offset;
    });
    const st = r === null ? null : stateOf(r);
    let max = st?.input_ts ?? 0;
    const from = st === null ? 0 : Number(st.position) + 1;
    if (from <= offset) {
      await scan(
        this.fetcher,
        this.cfg.topics.request,
        from,
        (recs) => {
          for (const x of recs) if (x.offset <= offset && x.ts > max) max = x.ts;
        },
        { end: offset + 1 },
      );
    }
    return max;
  }

  /** The newest state record of this market, or null. */
  async lastState(): Promise<StateRecord | null> {
    const r = await lastRecord(this.fetcher, this.cfg.topics.state, (x) => x.key?.toString('utf8') === this.cfg.transactionalId);
    return r === null ? null : stateOf(r);
  }

  readEvents(fromSeq: number, max: number): Promise<StoredEvent[]> {
    return this.events.readEvents(fromSeq, max);
  }

  eventsOf(cmd: string): Promise<StoredEvent[]> {
    return this.events.eventsOf(cmd);
  }

  async failedCount(): Promise<number> {
    const st = await this.lastState();
    return st?.failed ?? 0;
  }

  // ---- snapshots ------------------------------------------------------------------------------

  /** Snapshot records through the engine's transactions (a fenced engine cannot write), else plainly. */
  private produceSnapshots: Produce = async (groups, last) => {
    const topic = this.cfg.topics.snapshots;
    const send = async (p: { send: KafkaProducer['send'] }, g: Message[]): Promise<number> => {
      const r = await p.send({ topic, acks: -1, messages: g.map((m) => ({ ...m, partition: 0 })) });
      return Number(r[0]?.baseOffset ?? -1);
    };
    const all = async (p: { send: KafkaProducer['send'] }): Promise<number[]> => {
      const offsets: number[] = [];
      for (const g of groups) for (const part of split(g, this.maxRequestBytes)) offsets.push(await send(p, part));
      if (last) offsets.push(await send(p, last(offsets)));
      return offsets;
    };
    if (this.txs.engine) {
      // one transaction: a reader sees the whole image or none of it; in turn with the batch
      // commits, so one of them may wait for the image's send (≈ 60–85 ms for 10 MB here, D221),
      // but never for good (D270)
      return this.imageInTurn(async () => {
        await this.takeIdSafely();
        return this.txs.run((tx) => all(tx));
      });
    }
    return all(await this.plainProducer());
  };

  async saveSnapshot(info: Omit<SnapshotInfo, 'id' | 'size'>, data: Buffer): Promise<SnapshotInfo> {
    return this.retry('saving a snapshot', () => this.snaps.save(info, data, this.produceSnapshots));
  }

  async listSnapshots(): Promise<SnapshotInfo[]> {
    return this.retry('listing snapshots', () => this.snaps.list());
  }

  async loadSnapshot(id: string): Promise<Buffer> {
    return this.retry('loading a snapshot', () => this.snaps.load(id));
  }

  async pruneSnapshots(keep: number): Promise<number> {
    return this.retry('pruning snapshots', () => this.snaps.prune(keep, this.produceSnapshots));
  }

  // ---- status ---------------------------------------------------------------------------------

  /** Kafka-specific lines for `relayer status`. */
  async statusInfo(): Promise<Record<string, unknown>> {
    const st = await lastRecord(this.fetcher, this.cfg.topics.state, (x) => x.key?.toString('utf8') === this.cfg.transactionalId);
    const group = await this.groupOffset();
    return {
      brokers: this.cfg.brokers.join(','),
      topics: this.cfg.topics,
      transactional_id: this.cfg.transactionalId,
      group: this.cfg.groupId,
      group_offset: group,
      last_commit_ts: st?.ts ?? null,
      last_commit_age_ms: st === null ? null : this.now() - st.ts,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopped = true;
    const steps: [string, Promise<unknown>][] = [
      ['reader', this.fetcher.close()],
      ['engine producer', this.txs.close()],
    ];
    if (this.frameWorker !== null) steps.push(['frame worker', this.frameWorker.close()]);
    // a client still connecting is disconnected once it is up
    if (this.plain) steps.push(['producer', this.plain.then((p) => p.disconnect())]);
    if (this.admin) steps.push(['admin client', this.admin.then((a) => a.disconnect())]);
    // every step ends within a limit: a teardown left waiting on nothing would otherwise let the
    // process exit as though the command had finished, with exit code 0 and no word of why
    await Promise.all(
      steps.map(async ([what, p]) => {
        if (!(await within(p, this.disconnectWaitMs)))
          this.log.warn({ what, wait_ms: this.disconnectWaitMs }, 'kafka: a client did not close in time; left behind');
      }),
    );
  }
}

/** Connects a client; a failed connect forgets it (`forget`), so the next caller tries afresh. */
async function connected<C extends { connect(): Promise<void> }>(c: C, forget: () => void): Promise<C> {
  try {
    await c.connect();
    return c;
  } catch (e) {
    forget();
    throw e;
  }
}
