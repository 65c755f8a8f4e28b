// The Kafka backend in the simulation: the real KafkaBackend (transactions, buffered reads, seq
// search, snapshots on the topic) over the in-process stand-in (fake-kafka.ts). Each engine process
// gets its own client; a crash kills it (an open transaction stays open until the next engine's
// initialisation aborts it). Commit faults happen inside the broker exchange, so the backend's own
// recovery (re-initialise, read the last state record, send again only if it did not land) is what
// is exercised; a second engine on the market fences the first, which must stop without writing.
import { join } from 'node:path';
import type { Prng } from '../infra/prng.js';
import { silentLogger } from '../infra/logger.js';
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
  /** Engines taken over: still running until they stop on the fence (their clients die with the world). */
  private readonly older: FakeClient[] = [];
  private clientSide: KafkaBackend | null = null;
  /** Each engine process's client, by its backend. */
  private readonly clientOf = new Map<Backend, FakeClient>();
  private incarnation = 0;
  /** Takeovers by a second engine, and engines that then stopped on the fence. */
  takeovers = 0;
  fencedStops = 0;

  constructor(
    private readonly dir: string,
    private readonly clock: () => number,
  ) {
    this.cfg = {
      brokers: ['sim:9092'],
      topics: DEFAULT_TOPICS,
      transactionalId: 'sim-market',
      groupId: 'sim-market',
      clientId: 'relayer-sim',
      cacheDir: join(dir, 'engine-cache'),
      client: null,
    };
    this.cluster.createTopics(TOPIC_ROLES.map((r) => this.cfg.topics[r]));
  }

  private async backend(cacheDir: string): Promise<{ client: FakeClient; backend: KafkaBackend }> {
    const client = this.cluster.client();
    const backend = await KafkaBackend.open(
      { ...this.cfg, cacheDir },
      {
        log: silentLogger(),
        clients: client.clients(),
        now: this.clock,
        // a real wait of 1 ms per retry keeps a livelock a hang the driver sees, not a frozen process
        backoff: { initialMs: 1, maxMs: 1 },
        // every idle read checks the fence (the real engine: every 5 s of idling)
        fenceCheckMs: 0,
      },
    );
    return { client, backend };
  }

  /** A new engine process: its own client; initialising the transactional id fences any older one. */
  async open(): Promise<Backend> {
    this.engine = await this.backend(join(this.dir, `engine-cache-${this.incarnation++}`));
    this.clientOf.set(this.engine.backend, this.engine.client);
    await this.engine.backend.startEngine(null);
    return this.engine.backend;
  }

  /** A second engine starts on the market while the running one goes on: the newcomer becomes the engine. */
  async takeOver(): Promise<Backend> {
    if (this.engine !== null) this.older.push(this.engine.client);
    this.takeovers++;
    return this.open();
  }

  /** The running engine's client (the faults are its process's). */
  engineClient(): FakeClient {
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

  async head(): Promise<string | null> {
    return (await this.client()).head();
  }

  async witness(): Promise<Backend> {
    return (await this.backend(join(this.dir, 'witness-cache'))).backend;
  }

  async fault(kind: FaultKind, rng: Prng, sb: SimBackend): Promise<boolean> {
    // a commit fault strikes the next transaction or the one after (a loop that splits one batch
    // into two commits must not get away with it)
    if (kind === 'commit-throws' || kind === 'commit-unknown' || kind === 'torn') this.engineClient().commitFaultAfter = rng.int(0, 1);
    switch (kind) {
      case 'commit-throws':
        this.engineClient().commitFault = 'fail';
        return true;
      case 'commit-unknown':
        this.engineClient().commitFault = 'unknown';
        return true;
      case 'torn':
        this.engineClient().commitFault = 'die';
        return true;
      // Kafka has no fsync of its own to fail: a broker that cannot reach its replicas refuses the send
      case 'fsync':
        this.engineClient().sendFault = 'NOT_ENOUGH_REPLICAS';
        sb.snapshotFault = true;
        return true;
      default:
        return false; // second-engine: the driver's takeover
    }
  }

  isDead(b: Backend): boolean {
    return this.clientOf.get(b)?.isDead ?? false;
  }

  /** A process that died, or an engine fenced after a takeover (either the old one, or a newer one an older reclaimed the id from). */
  expected(e: unknown): boolean {
    if (e instanceof ClientDead) return true;
    if (e instanceof FencedError && this.takeovers > 0) {
      this.fencedStops++;
      return true;
    }
    return false;
  }

  /** The engine group's offset never moved back and agrees with the last state record (D146). */
  async finish(): Promise<string[]> {
    const w = (await this.backend(join(this.dir, 'finish-cache'))).backend;
    const st = await w.lastState();
    const group = await w.groupOffset();
    const bad = this.cluster.offsetsBack.slice(0, 3).map((x) => `a transaction moved the engine's input offset back: ${x}`);
    if (st !== null && group !== Number(st.position) + 1)
      bad.push(`the engine group's offset is ${group}, but the last state record consumed position ${st.position}`);
    return bad;
  }

  async close(): Promise<void> {
    this.engine?.client.kill();
    for (const c of this.older) c.kill();
  }
}
