// The Kafka backend in the simulation: the real KafkaBackend (transactions, buffered reads, seq
// search, snapshots on the topic) over the in-process stand-in (fake-kafka.ts). Each engine process
// gets its own client; a crash kills it (an open transaction stays open until the next engine's
// initialisation aborts it). Commit faults happen inside the broker exchange, so the backend's own
// recovery (re-initialise, read the last state record, send again only if it did not land) is what
// is exercised; a second engine on the market fences the first, which must stop without writing.
import { join } from 'node:path';
import type { Prng } from '../runtime/prng.js';
import { silentLogger } from '../runtime/logger.js';
import { KafkaBackend } from '../store/kafka/backend.js';
import { FencedError } from '../store/kafka/errors.js';
import { DEFAULT_TOPICS, TOPIC_ROLES, type KafkaConfig } from '../store/kafka/config.js';
import type { Backend } from '../store/types.js';
import { ClientDead, FakeKafka, type FakeClient } from './fake-kafka.js';
import type { FaultKind } from './faults.js';
import type { SimBackend } from './sim-backend.js';
import type { SimWorld } from './world.js';

export class KafkaWorld implements SimWorld {
  readonly kind = 'kafka';
  readonly readWaitMs = 1;
  readonly cluster = new FakeKafka();
  private readonly cfg: KafkaConfig;
  private engine: { client: FakeClient; backend: KafkaBackend } | null = null;
  /** A second engine that fenced the running one: the process that takes over. */
  private successor: { client: FakeClient; backend: KafkaBackend; epoch: number } | null = null;
  private clientSide: KafkaBackend | null = null;
  private incarnation = 0;
  /** Takeovers, and the old engines that then stopped on the fence. */
  takeovers = 0;
  fencedStops = 0;
  /** Successors fenced in turn by the old engine initialising the id again after a failed transaction, before they committed (D146). */
  reclaimed = 0;

  constructor(private readonly dir: string, private readonly clock: () => number) {
    this.cfg = {
      brokers: ['sim:9092'], topics: DEFAULT_TOPICS, transactionalId: 'sim-market', groupId: 'sim-market',
      clientId: 'relayer-sim', cacheDir: join(dir, 'engine-cache'), client: null,
    };
    this.cluster.createTopics(TOPIC_ROLES.map((r) => this.cfg.topics[r]));
  }

  private async backend(cacheDir: string): Promise<{ client: FakeClient; backend: KafkaBackend }> {
    const client = this.cluster.client();
    const backend = await KafkaBackend.open({ ...this.cfg, cacheDir }, {
      log: silentLogger(), clients: client.clients(), now: this.clock,
      // a real wait of 1 ms per retry keeps a livelock a hang the driver sees, not a frozen process
      backoff: { initialMs: 1, maxMs: 1 },
      // every idle read checks the fence (the real engine: every 5 s of idling)
      fenceCheckMs: 0,
    });
    return { client, backend };
  }

  /** The successor lost the id to the old engine re-initialising it: it would stop on its first commit. */
  private successorLost(): boolean {
    if (this.successor === null || this.cluster.epochOf(this.cfg.transactionalId) === this.successor.epoch) return false;
    this.successor.client.kill();
    this.successor = null;
    this.reclaimed++;
    return true;
  }

  async open(): Promise<Backend> {
    this.successorLost();
    if (this.successor !== null) {
      this.engine = this.successor;
      this.successor = null;
      return this.engine.backend;
    }
    this.engine = await this.backend(join(this.dir, `engine-cache-${this.incarnation++}`));
    await this.engine.backend.startEngine(null);
    return this.engine.backend;
  }

  /** The running engine's client (the faults are its process's). */
  private current(): FakeClient {
    if (this.engine === null) throw new Error('no engine is running');
    return this.engine.client;
  }

  async drop(): Promise<void> {
    this.engine?.client.kill();
    this.engine = null;
  }

  private async client(): Promise<KafkaBackend> {
    this.clientSide ??= (await this.backend(join(this.dir, 'client-cache'))).backend;
    return this.clientSide;
  }

  async append(raws: readonly string[], now: number): Promise<void> {
    this.cluster.clock = now;
    await (await this.client()).append(raws);
  }

  async head(): Promise<string | null> { return (await this.client()).head(); }

  async witness(): Promise<Backend> { return (await this.backend(join(this.dir, 'witness-cache'))).backend; }

  async fault(kind: FaultKind, rng: Prng, sb: SimBackend): Promise<boolean> {
    // a commit fault strikes the next transaction or the one after (a loop that splits one batch
    // into two commits must not get away with it)
    if (kind === 'commit-throws' || kind === 'commit-unknown' || kind === 'torn') this.current().commitFaultAfter = rng.int(0, 1);
    switch (kind) {
      case 'commit-throws': this.current().commitFault = 'fail'; return true;
      case 'commit-unknown': this.current().commitFault = 'unknown'; return true;
      case 'torn': this.current().commitFault = 'die'; return true;
      // Kafka has no fsync of its own to fail: a broker that cannot reach its replicas refuses the send
      case 'fsync': this.current().sendFault = 'NOT_ENOUGH_REPLICAS'; sb.snapshotFault = true; return true;
      case 'second-engine': {
        // a second process starts on the market while the first runs: it takes the transactional id
        this.successor?.client.kill();
        const next = await this.backend(join(this.dir, `engine-cache-${this.incarnation++}`));
        await next.backend.startEngine(null);
        this.successor = { ...next, epoch: this.cluster.epochOf(this.cfg.transactionalId) };
        this.takeovers++;
        return true;
      }
      default: return false;
    }
  }

  expected(e: unknown): boolean {
    if (e instanceof ClientDead) return true;
    if (e instanceof FencedError && this.successor !== null && !this.successorLost()) { this.fencedStops++; return true; }
    return false;
  }

  finish(): string[] {
    if (this.successorLost() || this.successor === null) return [];
    return ['a second engine took the transactional id, but the first one never stopped on the fence'];
  }

  async close(): Promise<void> {
    this.engine?.client.kill();
    this.successor?.client.kill();
  }
}
