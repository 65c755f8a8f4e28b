// The engine's transactional producer: one per market (the transactional id), re-initialised after
// any failed transaction, since a transaction that failed midway leaves the producer in an unknown
// state. Initialising the id fences any older holder and settles (commits or aborts) whatever
// transaction it left open, so what follows starts from a settled log.
import { within } from '../../infra/within.js';
import { FencedError, isFenced } from './client.js';
import type { KafkaProducer, KafkaTransaction, KafkaWriter } from './ports.js';

export class EngineTransactions {
  private tx: KafkaProducer | null = null;
  /** A transaction failed midway: re-initialise before the next. */
  private needsReset = false;
  /** startEngine was called: this backend may open transactions. */
  engine = false;
  /** When the last transaction committed (the backend's clock): an idle engine checks fencing after a while. */
  lastTxAt = 0;
  /**
   * The id was initialised since the backend last checked the state topic: whatever another engine
   * committed before that initialisation is only visible there (the backend clears it, D146).
   */
  initialisedSinceCheck = false;
  /** Bumped when a stuck transaction is given up (abandon): its late outcome must not touch the state here. */
  private generation = 0;

  constructor(
    private readonly writer: KafkaWriter,
    readonly transactionalId: string,
    private readonly now: () => number,
    /** How long a replaced producer's disconnect is waited for (DISCONNECT_WAIT_MS). */
    private readonly disconnectWaitMs = DISCONNECT_WAIT_MS,
  ) {}

  get ready(): boolean {
    return this.tx !== null;
  }

  /** The next transaction first initialises the id again (a transaction failed, or none yet). */
  get mustReset(): boolean {
    return this.needsReset || this.tx === null;
  }

  /** The current generation, for abandon(). */
  get turn(): number {
    return this.generation;
  }

  /**
   * Gives up a transaction of generation `turn` that does not end (a broker gone mid-send, D270):
   * the producer is dropped, so the next transaction initialises the id again, which makes the
   * coordinator abort the abandoned one; whatever that one does later is ignored.
   */
  abandon(turn: number): void {
    if (turn !== this.generation) return;
    this.generation++;
    this.needsReset = true;
    const old = this.tx;
    this.tx = null;
    if (old !== null) void old.disconnect().catch(() => undefined);
  }

  /** A fresh transactional producer; its first transaction initialises (and fences) the id. */
  async reset(): Promise<void> {
    const gen = this.generation;
    if (this.tx !== null) {
      const old = this.tx;
      this.tx = null;
      await within(old.disconnect(), this.disconnectWaitMs);
    }
    const p = this.writer.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
      createPartitioner: () => () => 0,
      allowAutoTopicCreation: false,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
    });
    try {
      await p.connect();
      const t = await p.transaction(); // InitProducerId with our transactional id
      await t.commit(); // nothing registered: no request
    } catch (e) {
      await within(p.disconnect(), this.disconnectWaitMs);
      throw e;
    }
    if (gen !== this.generation) {
      // abandoned while initialising: the transaction that replaced it owns the id now
      await within(p.disconnect(), this.disconnectWaitMs);
      throw new Error('kafka: a transaction that was given up finished initialising the id late');
    }
    this.tx = p;
    this.needsReset = false;
    this.initialisedSinceCheck = true;
    this.lastTxAt = this.now();
  }

  /** One transaction; after a failure the next call starts from a re-initialised producer. */
  async run<T>(fn: (tx: KafkaTransaction) => Promise<T>): Promise<T> {
    if (this.needsReset || this.tx === null) {
      if (!this.engine) throw new Error('the Kafka backend is not the engine (startEngine was not called)');
      await this.reset();
    }
    const gen = this.generation;
    let tx: KafkaTransaction;
    try {
      tx = await this.tx!.transaction();
    } catch (e) {
      if (isFenced(e) && gen === this.generation) throw new FencedError(this.transactionalId, e);
      if (gen === this.generation) this.needsReset = true;
      throw e;
    }
    try {
      const r = await fn(tx);
      await tx.commit();
      if (gen === this.generation) this.lastTxAt = this.now();
      return r;
    } catch (e) {
      // an abandoned transaction's producer was fenced by its successor: not this engine's fencing
      if (gen !== this.generation) throw e;
      if (isFenced(e)) throw new FencedError(this.transactionalId, e);
      this.needsReset = true;
      if (tx.isActive()) await tx.abort().catch(() => undefined);
      throw e;
    }
  }

  /** Disconnects the producer; the caller bounds the wait (the backend's close). */
  async close(): Promise<void> {
    if (this.tx !== null) await this.tx.disconnect();
  }
}

/**
 * How long a replaced producer's disconnect is waited for: the next producer's initialisation fences
 * it anyway, and a client whose teardown never returns (librdkafka's destroy has hung on lost
 * brokers) must not hold the engine's transactions for good (D270).
 */
export const DISCONNECT_WAIT_MS = 10_000;
