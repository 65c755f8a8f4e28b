// An in-process stand-in for a Kafka cluster, written from Kafka's documented semantics, with the
// face the Kafka backend works through (src/store/kafka/ports.ts), so the simulation runs the
// backend's real logic deterministically (D141):
//
// - topics of one partition; offsets start at 0 and are never reused; every record carries the
//   cluster's clock as its LogAppendTime;
// - a transactional producer: initialising a transactional id bumps its epoch and aborts the
//   transaction an older holder left open; any later call of the older holder fails as fenced
//   (INVALID_PRODUCER_EPOCH); records sent in a transaction are visible to read_committed readers
//   only after the commit, never after an abort; a commit or abort writes a control marker (it takes
//   an offset; readers skip it);
// - consumer-group offsets sent with a transaction are committed or discarded with its records;
// - the last stable offset (LSO) is the first offset of the oldest open transaction: read_committed
//   readers see nothing at or past it, so an open transaction holds every later record back;
// - a non-transactional send is visible at once.
//
// Fault hooks for the scheduler, per client (one process): the next commit fails before it lands, or lands and then reports an
// error (an unknown outcome), or the process dies between the sends and the commit (the transaction
// stays open until the next holder of the id aborts it); the next send fails with a retriable error.
import type { Message, ProducerBatch, RecordMetadata } from 'kafkajs';
import { FatalError } from '../store/kafka/errors.js';
import type {
  Bounds,
  FetchResult,
  Fetched,
  KafkaAdmin,
  KafkaClients,
  KafkaProducer,
  KafkaTransaction,
  KafkaWriter,
  ProducerOptions,
  RecordReader,
  TopicOffsets,
} from '../store/kafka/ports.js';

/** An error shaped as the clients' are: `type` is the protocol error name the backend acts on. */
export class FakeKafkaError extends Error {
  constructor(
    message: string,
    readonly type: string,
  ) {
    super(message);
  }
}

/** The process holding a client died: every call of it fails, and no retry may hide that. */
export class ClientDead extends FatalError {}

type TxnState = 'open' | 'committed' | 'aborted';

interface Txn {
  id: string;
  epoch: number;
  state: TxnState;
  offsets: Map<string, Map<string, number>>;
  touched: Map<Partition, number>;
}

interface Rec {
  offset: number;
  ts: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  control: boolean;
  txn: Txn | null;
}

class Partition {
  readonly recs: Rec[] = [];
  /** Open transactions with records here → their first offset. */
  readonly open = new Map<Txn, number>();

  get end(): number {
    return this.recs.length;
  }

  /** The last stable offset: nothing at or past the oldest open transaction is visible. */
  get lso(): number {
    let lso = this.end;
    for (const first of this.open.values()) lso = Math.min(lso, first);
    return lso;
  }
}

export type CommitFault = 'fail' | 'unknown' | 'die';

const buf = (v: string | Buffer | null | undefined): Buffer | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? Buffer.from(v) : Buffer.from(v);

function headerText(h: Message['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    if (v === undefined) continue;
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (last !== undefined) out[k] = Buffer.isBuffer(last) ? last.toString('utf8') : String(last);
  }
  return out;
}

export class FakeKafka {
  /** The brokers' clock: LogAppendTime of every record (the simulation sets it). */
  clock = 0;
  private readonly topics = new Map<string, Partition>();
  private readonly groups = new Map<string, Map<string, number>>();
  private readonly ids = new Map<string, { epoch: number; open: Txn | null }>();
  /** Committed group offsets that moved back (Kafka allows it; the engine's never should). */
  readonly offsetsBack: string[] = [];
  /** Counters for the simulation's report and tests. */
  readonly counts = { commits: 0, aborts: 0, fenced: 0, inits: 0 };

  createTopics(names: readonly string[]): void {
    for (const n of names) if (!this.topics.has(n)) this.topics.set(n, new Partition());
  }

  /** A new process's connections to the cluster. */
  client(): FakeClient {
    return new FakeClient(this);
  }

  // ---- the cluster's side of the protocol -------------------------------------------------

  partition(topic: string): Partition {
    const p = this.topics.get(topic);
    if (p === undefined) throw new FakeKafkaError(`This server does not host this topic-partition: ${topic}`, 'UNKNOWN_TOPIC_OR_PARTITION');
    return p;
  }

  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  append(topic: string, messages: readonly Message[], txn: Txn | null): RecordMetadata {
    const p = this.partition(topic);
    const base = p.end;
    for (const m of messages) {
      p.recs.push({ offset: p.end, ts: this.clock, key: buf(m.key), value: buf(m.value), headers: headerText(m.headers), control: false, txn });
    }
    if (txn !== null && messages.length > 0 && !txn.touched.has(p)) {
      txn.touched.set(p, base);
      p.open.set(txn, base);
    }
    return { topicName: topic, partition: 0, errorCode: 0, baseOffset: String(base), logAppendTime: String(this.clock), logStartOffset: '0' };
  }

  /** InitProducerId: a new epoch for the id; the open transaction of an older holder is aborted. */
  initProducer(id: string): number {
    const s = this.ids.get(id) ?? { epoch: -1, open: null };
    this.ids.set(id, s);
    if (s.open !== null) this.endTxn(s.open, 'aborted');
    s.epoch++;
    this.counts.inits++;
    return s.epoch;
  }

  checkEpoch(id: string, epoch: number): void {
    if (this.ids.get(id)?.epoch !== epoch) {
      this.counts.fenced++;
      throw new FakeKafkaError(`Producer attempted an operation with an old epoch (transactional id ${id}, epoch ${epoch})`, 'INVALID_PRODUCER_EPOCH');
    }
  }

  /** Beginning is the client's own state change: a fenced producer learns it at its first send or commit. */
  begin(id: string, epoch: number): Txn {
    const t: Txn = { id, epoch, state: 'open', offsets: new Map(), touched: new Map() };
    const s = this.ids.get(id)!;
    if (s.epoch !== epoch) return t;
    if (s.open !== null) throw new FakeKafkaError('a transaction is already in progress', 'INVALID_TXN_STATE');
    s.open = t;
    return t;
  }

  /** EndTxn: the records and offsets of the transaction become visible (commit) or never will (abort). */
  endTxn(t: Txn, outcome: 'committed' | 'aborted'): void {
    if (t.state !== 'open') throw new FakeKafkaError(`the transaction is already ${t.state}`, 'INVALID_TXN_STATE');
    t.state = outcome;
    for (const p of t.touched.keys()) {
      p.recs.push({ offset: p.end, ts: this.clock, key: null, value: null, headers: {}, control: true, txn: t });
      p.open.delete(t);
    }
    if (outcome === 'committed') {
      for (const [g, offs] of t.offsets) {
        const cur = this.groups.get(g) ?? new Map<string, number>();
        for (const [topic, o] of offs) {
          const was = cur.get(topic);
          if (was !== undefined && o < was) this.offsetsBack.push(`group ${g} on ${topic}: ${was} → ${o} (epoch ${t.epoch})`);
          cur.set(topic, o);
        }
        this.groups.set(g, cur);
      }
      this.counts.commits++;
    } else {
      this.counts.aborts++;
    }
    const s = this.ids.get(t.id);
    if (s !== undefined && s.open === t) s.open = null;
  }

  groupOffset(group: string, topic: string): number | null {
    return this.groups.get(group)?.get(topic) ?? null;
  }

  /** read_committed: committed data below the LSO, past aborted data and control markers. */
  fetch(topic: string, offset: number, maxBytes: number): FetchResult {
    const p = this.partition(topic);
    const lso = p.lso;
    const records: Fetched[] = [];
    let bytes = 0;
    let at = Math.max(0, offset);
    while (at < lso && (records.length === 0 || bytes < maxBytes)) {
      const r = p.recs[at]!;
      at++;
      if (r.control || (r.txn !== null && r.txn.state === 'aborted')) continue;
      records.push({ offset: r.offset, ts: r.ts, key: r.key, value: r.value, headers: { ...r.headers } });
      bytes += (r.value?.length ?? 0) + (r.key?.length ?? 0) + 70;
    }
    return { records, next: Math.max(offset, at), lastStable: lso };
  }

  bounds(topic: string): Bounds {
    return { start: 0, end: this.partition(topic).lso };
  }

  /** The current epoch of a transactional id (-1: never initialised). */
  epochOf(id: string): number {
    return this.ids.get(id)?.epoch ?? -1;
  }

  /** Every record of a topic with what became of it (for tests). */
  dump(topic: string): { offset: number; control: boolean; state: TxnState | 'plain'; value: string | null }[] {
    return this.partition(topic).recs.map((r) => ({
      offset: r.offset,
      control: r.control,
      state: r.txn?.state ?? 'plain',
      value: r.value?.toString('utf8') ?? null,
    }));
  }
}

/** One process's connections: producers, an admin and a reader; kill() is that process dying. */
export class FakeClient implements KafkaWriter, RecordReader {
  private dead = false;
  /** Faults waiting for this process's next transactional commit / send. */
  commitFault: CommitFault | null = null;
  /** Commits that go through before the commit fault strikes. */
  commitFaultAfter = 0;
  /** Runs (once) when this client's next commit request is on its way: what the world does meanwhile. */
  meanwhile: (() => Promise<void>) | null = null;
  sendFault: string | null = null;

  constructor(readonly cluster: FakeKafka) {}

  kill(): void {
    this.dead = true;
  }

  get isDead(): boolean {
    return this.dead;
  }

  alive(): void {
    if (this.dead) throw new ClientDead('the process holding this Kafka client died');
  }

  clients(): KafkaClients {
    return { writer: this, reader: this };
  }

  /** A send fault waiting: it fails this send (retriable), once. */
  sendFails(): void {
    if (this.sendFault === null) return;
    const type = this.sendFault;
    this.sendFault = null;
    throw new FakeKafkaError(`simulated ${type}`, type);
  }

  admin(): KafkaAdmin {
    return {
      connect: async () => {
        this.alive();
      },
      disconnect: async () => undefined,
      listTopics: async () => {
        this.alive();
        return this.cluster.topicNames();
      },
      fetchOffsets: async (req: { groupId: string; topics: string[] }): Promise<TopicOffsets[]> => {
        this.alive();
        return req.topics.map((topic) => ({ topic, partitions: [{ partition: 0, offset: String(this.cluster.groupOffset(req.groupId, topic) ?? -1) }] }));
      },
    };
  }

  producer(opts: ProducerOptions): KafkaProducer {
    return new FakeProducer(this, opts.transactionalId ?? null);
  }

  async fetch(topic: string, offset: number, maxBytes: number): Promise<FetchResult> {
    this.alive();
    return this.cluster.fetch(topic, offset, maxBytes);
  }

  async bounds(topic: string): Promise<Bounds> {
    this.alive();
    return this.cluster.bounds(topic);
  }

  async close(): Promise<void> {
    /* nothing held */
  }
}

class FakeProducer implements KafkaProducer {
  private epoch: number | null = null;

  constructor(
    private readonly c: FakeClient,
    private readonly id: string | null,
  ) {}

  async connect(): Promise<void> {
    this.c.alive();
  }

  /** Disconnecting leaves an open transaction open (the broker aborts it when the id is initialised again). */
  async disconnect(): Promise<void> {
    /* nothing held */
  }

  async send(req: { topic: string; messages: Message[] }): Promise<RecordMetadata[]> {
    this.c.alive();
    if (this.id !== null) throw new FakeKafkaError('a transactional producer sends inside a transaction', 'INVALID_TXN_STATE');
    return [this.c.cluster.append(req.topic, req.messages, null)];
  }

  async transaction(): Promise<KafkaTransaction> {
    this.c.alive();
    if (this.id === null) throw new FakeKafkaError('not a transactional producer', 'INVALID_TXN_STATE');
    if (this.epoch === null) this.epoch = this.c.cluster.initProducer(this.id);
    return new FakeTransaction(this.c, this.c.cluster.begin(this.id, this.epoch), this.id, this.epoch);
  }
}

class FakeTransaction implements KafkaTransaction {
  /** What this client believes: true until it saw its commit or abort succeed. */
  private active = true;

  constructor(
    private readonly c: FakeClient,
    private readonly t: Txn,
    private readonly id: string,
    private readonly epoch: number,
  ) {}

  private check(): void {
    this.c.alive();
    this.c.cluster.checkEpoch(this.id, this.epoch);
    if (this.t.state !== 'open') throw new FakeKafkaError(`the transaction is already ${this.t.state}`, 'INVALID_TXN_STATE');
  }

  async send(req: { topic: string; messages: Message[] }): Promise<RecordMetadata[]> {
    this.check();
    this.c.sendFails();
    return [this.c.cluster.append(req.topic, req.messages, this.t)];
  }

  async sendBatch(req: ProducerBatch): Promise<RecordMetadata[]> {
    this.check();
    this.c.sendFails();
    return (req.topicMessages ?? []).map((tm) => this.c.cluster.append(tm.topic, tm.messages, this.t));
  }

  async sendOffsets(req: { consumerGroupId: string; topics: TopicOffsets[] }): Promise<void> {
    this.check();
    const offs = this.t.offsets.get(req.consumerGroupId) ?? new Map<string, number>();
    for (const tp of req.topics) for (const p of tp.partitions) if (p.partition === 0) offs.set(tp.topic, Number(p.offset));
    this.t.offsets.set(req.consumerGroupId, offs);
  }

  async commit(): Promise<void> {
    this.c.alive();
    const k = this.c.cluster;
    const meanwhile = this.c.meanwhile;
    this.c.meanwhile = null;
    await meanwhile?.();
    let fault: CommitFault | null = null;
    if (this.c.commitFault !== null && this.c.commitFaultAfter-- <= 0) {
      fault = this.c.commitFault;
      this.c.commitFault = null;
    }
    // a request that never reached the coordinator (or a process that died before sending it)
    // learns nothing, not even that its producer was fenced meanwhile
    if (fault === 'fail') throw new FakeKafkaError('simulated: the commit request timed out before the coordinator took it', 'REQUEST_TIMED_OUT');
    if (fault === 'die') {
      this.c.kill();
      this.c.alive();
    }
    this.check();
    k.endTxn(this.t, 'committed');
    if (fault === 'unknown') throw new FakeKafkaError('simulated: the connection closed before the commit was confirmed', 'NETWORK_EXCEPTION');
    this.active = false;
  }

  async abort(): Promise<void> {
    this.check();
    this.c.cluster.endTxn(this.t, 'aborted');
    this.active = false;
  }

  isActive(): boolean {
    return this.active;
  }
}
