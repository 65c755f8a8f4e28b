// The writes of the Kafka backend through librdkafka (@confluentinc/kafka-javascript), shaped as the
// part of the kafkajs API the backend calls: admin().listTopics/fetchOffsets, producer() with
// send, and transaction() with send/sendBatch/sendOffsets/commit/abort. Reads stay on fetcher.ts.
//
// Built on the package's node-rdkafka layer rather than its KafkaJS-compatible one because the
// backend needs two things that layer drops: the LogAppendTime of each delivered record (append()
// stamps commands with it) and sendOffsets by group id (that layer wants a running consumer).
// The package is an optional dependency (a native build); loading it fails with a clear message.
import { createRequire } from 'node:module';
import type { Admin, Kafka, Message, RecordMetadata } from 'kafkajs';
import type { Logger } from '../../infra/logger.js';
import type { KafkaConfig } from './config.js';

const require = createRequire(import.meta.url);

// ---- the slice of the package's node-rdkafka API used here -----------------------------------

interface RdError extends Error {
  code: number;
  isFatal?: boolean;
  isRetriable?: boolean;
  isTxnRequiresAbort?: boolean;
}
type Cb = (err: RdError | null | undefined) => void;
interface RdReport {
  topic: string;
  partition: number;
  offset: number;
  timestamp?: number;
  opaque?: unknown;
}
interface RdClient {
  connect(opts: { timeout?: number; topic?: string; allTopics?: boolean }, cb: (err: RdError | null) => void): void;
  on(ev: 'event.error', f: (e: RdError) => void): void;
  on(ev: 'delivery-report', f: (err: RdError | null, r: RdReport) => void): void;
}
interface RdProducer extends RdClient {
  produce(
    topic: string,
    partition: number,
    value: Buffer | null,
    key: Buffer | string | null | undefined,
    ts: number | null,
    opaque: unknown,
    headers?: Record<string, string | Buffer>[],
  ): boolean;
  setPollInBackground(on: boolean): void;
  disconnect(timeout: number, cb: Cb): void;
  initTransactions(timeout: number, cb: Cb): void;
  beginTransaction(cb: Cb): void;
  commitTransaction(timeout: number, cb: Cb): void;
  abortTransaction(timeout: number, cb: Cb): void;
  sendOffsetsToTransaction(offsets: { topic: string; partition: number; offset: number }[], consumer: RdConsumer, timeout: number, cb: Cb): void;
}
interface RdConsumer extends RdClient {
  disconnect(cb: Cb): void;
}
interface RdModule {
  Producer: new (conf: Record<string, unknown>, topicConf?: Record<string, unknown>) => RdProducer;
  KafkaConsumer: new (conf: Record<string, unknown>, topicConf?: Record<string, unknown>) => RdConsumer;
  CODES: { ERRORS: Record<string, number> };
  librdkafkaVersion: string;
  KafkaJS: { Kafka: new (cfg: { kafkaJS: Record<string, unknown> }) => { admin(): Admin } };
}

let mod: RdModule | null = null;

/** The package, or an error saying how to get it (it is an optional, natively built dependency). */
export function confluentModule(): RdModule {
  if (mod === null) {
    try {
      mod = require('@confluentinc/kafka-javascript') as RdModule;
    } catch (e) {
      throw new Error(
        `the confluent Kafka client is not installed or did not build (${(e as Error).message.split('\n')[0]}); ` +
          'install it with CKJS_LINKING=dynamic npm ci (docs/kafka.md), or use --kafka-client kafkajs',
      );
    }
  }
  return mod;
}

// ---- errors: librdkafka codes as the kafkajs type names client.ts acts on ----------------------

/** librdkafka names whose kafkajs name differs; the rest drop their ERR_ / ERR__ prefix. */
const TYPE_NAMES: Record<string, string> = {
  ERR__FENCED: 'PRODUCER_FENCED',
  ERR_UNKNOWN_TOPIC_OR_PART: 'UNKNOWN_TOPIC_OR_PARTITION',
  ERR__UNKNOWN_TOPIC: 'UNKNOWN_TOPIC_OR_PARTITION',
  ERR__UNKNOWN_PARTITION: 'UNKNOWN_TOPIC_OR_PARTITION',
  ERR_MSG_SIZE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  ERR_RECORD_LIST_TOO_LARGE: 'RECORD_LIST_TOO_LARGE',
};

let codeNames: Map<number, string> | null = null;

/** The kafkajs-style type of a librdkafka error code, e.g. -144 → PRODUCER_FENCED. */
export function typeOfCode(code: number): string | null {
  if (codeNames === null) {
    codeNames = new Map();
    for (const [name, c] of Object.entries(confluentModule().CODES.ERRORS)) codeNames.set(c, name);
  }
  const name = codeNames.get(code);
  if (name === undefined) return null;
  return TYPE_NAMES[name] ?? name.replace(/^ERR__?/, '');
}

/** An Error carrying `type` (what isFenced/isFatal read) with the librdkafka error as its cause. */
export function kafkaError(what: string, e: unknown): Error {
  const rd = e as Partial<RdError> | null;
  const code = typeof rd?.code === 'number' ? rd.code : null;
  const type = code === null ? null : typeOfCode(code);
  const msg = e instanceof Error ? e.message : String(e);
  return Object.assign(new Error(`${what}: ${msg}`, { cause: e }), { type, code, retriable: rd?.isRetriable === true });
}

function call(what: string, f: (cb: Cb) => void): Promise<void> {
  return new Promise((resolve, reject) => f((err) => (err ? reject(kafkaError(what, err)) : resolve())));
}

// ---- producer ----------------------------------------------------------------------------------

/** Waits for the delivery reports of one send; resolves with kafkajs's per-partition metadata. */
class SendWait {
  produced = 0;
  private left: number;
  private error: Error | null = null;
  private readonly parts = new Map<string, RecordMetadata>();
  private resolve!: (r: RecordMetadata[]) => void;
  private reject!: (e: Error) => void;
  readonly done = new Promise<RecordMetadata[]>((res, rej) => {
    this.resolve = res;
    this.reject = rej;
  });

  constructor(count: number) {
    this.left = count;
  }

  report(err: RdError | null, r: RdReport): void {
    if (err) this.error ??= kafkaError('delivering a record', err);
    else {
      const key = `${r.topic}\u0000${r.partition}`;
      const cur = this.parts.get(key);
      if (cur === undefined || Number(cur.baseOffset) > r.offset) {
        this.parts.set(key, {
          topicName: r.topic,
          partition: r.partition,
          errorCode: 0,
          baseOffset: String(r.offset),
          // on LogAppendTime topics the delivery report carries the broker's append time
          logAppendTime: String(r.timestamp ?? -1),
          logStartOffset: '-1',
        });
      }
    }
    this.settle(1);
  }

  /** `count` records will never be reported (produce refused them). */
  fail(e: Error, count: number): void {
    this.error ??= e;
    this.settle(count);
  }

  private settle(n: number): void {
    this.left -= n;
    if (this.left > 0) return;
    if (this.error !== null) this.reject(this.error);
    else this.resolve([...this.parts.values()]);
  }
}

interface ProducerOptions {
  transactionalId?: string;
  transactionTimeout?: number;
}

/** How long librdkafka keeps retrying a record before failing it (the backend's loops retry after). */
const MESSAGE_TIMEOUT_MS = 30_000;
const OP_TIMEOUT_MS = 30_000;

/** Codes that hide why they happened: fatal state (-150), records purged (-151, -152), bad state (-172). */
const OPAQUE_CODES = new Set([-150, -151, -152, -172]);

class RdkafkaProducer {
  private readonly rd: RdProducer;
  private connected = false;
  private active = false;
  private initialised = false;
  private groups = new Map<string, Promise<RdConsumer>>();
  private readonly transactional: boolean;
  /** When librdkafka last lost the broker, until an operation completes again. */
  private downSince: number | null = null;

  constructor(
    private readonly base: Record<string, unknown>,
    opts: ProducerOptions,
    private readonly log: Logger,
  ) {
    const m = confluentModule();
    const conf: Record<string, unknown> = {
      ...base,
      'enable.idempotence': true,
      acks: 'all',
      dr_cb: true,
      // every send waits for its delivery reports, so lingering only adds latency
      'linger.ms': 1,
      'message.timeout.ms': MESSAGE_TIMEOUT_MS,
    };
    this.transactional = opts.transactionalId !== undefined;
    if (opts.transactionalId !== undefined) {
      conf['transactional.id'] = opts.transactionalId;
      conf['transaction.timeout.ms'] = opts.transactionTimeout ?? 60_000;
    }
    this.rd = new m.Producer(conf);
    this.rd.on('delivery-report', (err, r) => {
      if (r.opaque instanceof SendWait) r.opaque.report(err, r);
    });
    // librdkafka retries a lost broker inside the pending operation (up to the timeouts above), so
    // a short outage may never fail one: say so in the words the backend's own retries use
    // (these events carry code -1, so they are known by librdkafka's text for the two codes)
    const lost = /broker transport failure|all broker connections are down/;
    let warnedAt = 0;
    this.rd.on('event.error', (e) => {
      if (lost.test(e.message) && Date.now() - warnedAt > 5000) {
        warnedAt = Date.now();
        this.downSince ??= warnedAt;
        log.warn({ op: 'librdkafka', code: e.code, err: e.message }, 'kafka: operation failed, retrying');
      } else log.debug({ code: e.code, err: e.message }, 'librdkafka error');
    });
  }

  /**
   * A fenced transactional producer does not always say so: once fenced, librdkafka is in a fatal
   * state and produce() throws a bare "Local: Fatal error" (ERR__FATAL), queued records may come
   * back purged. Read as retriable, that would make the backend re-initialise the transactional id
   * and fence the engine that took over (two engines taking turns, writing twice). So after such
   * an error ask the transaction API, which answers with the fatal error's real cause (fenced,
   * usually); the transaction is aborted either way (the backend aborts after any error).
   */
  private async explain(e: Error): Promise<Error> {
    const code = (e as { code?: unknown }).code;
    const isFatal = (e.cause as { isFatal?: unknown } | undefined)?.isFatal === true;
    if (!this.transactional || !(isFatal || (typeof code === 'number' && OPAQUE_CODES.has(code)))) return e;
    const cause = await call('aborting after an error', (cb) => this.rd.abortTransaction(5000, cb)).then(
      () => null,
      (x: unknown) => x as Error,
    );
    this.active = false;
    if (cause !== null && (cause as { type?: unknown }).type !== null && (cause as { code?: unknown }).code !== code) {
      return Object.assign(new Error(`${e.message} (${cause.message})`, { cause }), {
        type: (cause as { type?: unknown }).type,
        code: (cause as { code?: unknown }).code,
      });
    }
    return e;
  }

  private async op(what: string, f: (cb: Cb) => void): Promise<void> {
    try {
      await call(what, f);
    } catch (e) {
      throw await this.explain(e as Error);
    }
    this.resumed(what);
  }

  /** An operation completed: if the broker had been lost, say it is back (as the backend's retries do). */
  private resumed(what: string): void {
    if (this.downSince === null) return;
    this.log.warn({ op: what, down_ms: Date.now() - this.downSince }, 'kafka: broker reachable again, resumed');
    this.downSince = null;
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await new Promise<void>((resolve, reject) =>
      this.rd.connect({ timeout: OP_TIMEOUT_MS, allTopics: false }, (err) => (err ? reject(kafkaError('connecting', err)) : resolve())),
    );
    this.rd.setPollInBackground(true);
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    const gs = [...this.groups.values()];
    this.groups.clear();
    for (const g of gs) {
      const c = await g.catch(() => null);
      if (c !== null) await call('closing the group client', (cb) => c.disconnect(cb)).catch(() => undefined);
    }
    if (!this.connected) return;
    this.connected = false;
    await call('disconnecting', (cb) => this.rd.disconnect(5000, cb));
  }

  /** Sends and waits for every record's delivery; one metadata entry per partition, as kafkajs. */
  async send(req: { topic: string; messages: Message[]; acks?: number }): Promise<RecordMetadata[]> {
    return this.sendBatch({ topicMessages: [{ topic: req.topic, messages: req.messages }] });
  }

  async sendBatch(req: { topicMessages?: { topic: string; messages: Message[] }[]; acks?: number }): Promise<RecordMetadata[]> {
    const msgs = req.topicMessages ?? [];
    let total = 0;
    for (const tm of msgs) total += tm.messages.length;
    if (total === 0) return [];
    // one shared waiter per send (not a promise per record): the reports count it down
    const send = new SendWait(total);
    for (const tm of msgs) {
      for (const m of tm.messages) {
        const value = m.value === null || m.value === undefined ? null : typeof m.value === 'string' ? Buffer.from(m.value) : m.value;
        const headers =
          m.headers === undefined
            ? undefined
            : Object.entries(m.headers).flatMap(([k, v]) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => ({ [k]: x as string | Buffer }))));
        try {
          this.rd.produce(tm.topic, m.partition ?? 0, value, m.key ?? null, null, send, headers);
        } catch (e) {
          send.fail(kafkaError('producing', e), total - send.produced);
          break;
        }
        send.produced++;
      }
    }
    let r: RecordMetadata[];
    try {
      r = await send.done;
    } catch (e) {
      throw await this.explain(e as Error);
    }
    this.resumed('sending records');
    return r;
  }

  /** Starts a transaction; the first one initialises the transactional id (fencing older holders). */
  async transaction(): Promise<this> {
    if (!this.initialised) {
      await this.op('initialising the transactional id', (cb) => this.rd.initTransactions(OP_TIMEOUT_MS, cb));
      this.initialised = true;
    }
    await this.op('beginning a transaction', (cb) => this.rd.beginTransaction(cb));
    this.active = true;
    return this;
  }

  isActive(): boolean {
    return this.active;
  }

  async commit(): Promise<void> {
    await this.op('committing the transaction', (cb) => this.rd.commitTransaction(OP_TIMEOUT_MS, cb));
    this.active = false;
  }

  async abort(): Promise<void> {
    try {
      await call('aborting the transaction', (cb) => this.rd.abortTransaction(OP_TIMEOUT_MS, cb));
    } finally {
      this.active = false;
    }
  }

  /** The group's committed offsets, in this transaction (librdkafka takes a group client for the id). */
  async sendOffsets(req: { consumerGroupId: string; topics: { topic: string; partitions: { partition: number; offset: string }[] }[] }): Promise<void> {
    const group = await this.groupClient(req.consumerGroupId);
    const offsets = req.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: Number(p.offset) })));
    await this.op('sending offsets to the transaction', (cb) => this.rd.sendOffsetsToTransaction(offsets, group, OP_TIMEOUT_MS, cb));
  }

  /** A consumer that never subscribes: it only names the group (generation -1, like kafkajs). */
  private groupClient(groupId: string): Promise<RdConsumer> {
    let g = this.groups.get(groupId);
    if (g === undefined) {
      const c = new (confluentModule().KafkaConsumer)({
        'bootstrap.servers': this.base['bootstrap.servers'],
        'client.id': this.base['client.id'],
        'group.id': groupId,
        'enable.auto.commit': false,
      });
      g = new Promise<RdConsumer>((resolve, reject) =>
        c.connect({ timeout: OP_TIMEOUT_MS, allTopics: false }, (err) => (err ? reject(kafkaError('connecting the group client', err)) : resolve(c))),
      );
      g.catch(() => this.groups.delete(groupId));
      this.groups.set(groupId, g);
    }
    return g;
  }
}

// ---- the client --------------------------------------------------------------------------------

/** Wraps an admin's calls so librdkafka errors carry kafkajs types. */
function typedAdmin(a: Admin): Admin {
  return new Proxy(a, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) =>
        (v as (...a: unknown[]) => Promise<unknown>).apply(target, args).catch((e: unknown) => {
          throw kafkaError(`admin ${String(prop)}`, e);
        });
    },
  });
}

/**
 * A librdkafka client with the kafkajs shape the backend uses (admin and producers only; the
 * backend's reads go through fetcher.ts on kafkajs either way).
 */
export function createConfluentKafka(cfg: KafkaConfig, log: Logger): Kafka {
  const m = confluentModule();
  const base = { 'bootstrap.servers': cfg.brokers.join(','), 'client.id': cfg.clientId };
  const client = {
    producer: (o: ProducerOptions = {}) =>
      new RdkafkaProducer(
        base,
        {
          ...(o.transactionalId !== undefined ? { transactionalId: o.transactionalId } : {}),
          ...(o.transactionTimeout !== undefined ? { transactionTimeout: o.transactionTimeout } : {}),
        },
        log,
      ),
    admin: () => typedAdmin(new m.KafkaJS.Kafka({ kafkaJS: { brokers: cfg.brokers, clientId: cfg.clientId, logLevel: 0 } }).admin()),
  };
  return client as unknown as Kafka;
}
