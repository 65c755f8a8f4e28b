// The registry on Kafka: the compacted topic `<prefix>relayer-markets`, one record per market
// keyed by its id (D163). Reading it = scanning it to its end, the last value per key wins.
import { createLogger } from '../infra/logger.js';
import { createKafka, describeError } from '../store/kafka/client.js';
import type { KafkaConfig } from '../store/kafka/config.js';
import { Fetcher, scan } from '../store/kafka/fetcher.js';
import { CliError } from '../errors.js';
import { MarketExistsError, type MarketRegistry, type MarketSpec } from './registry.js';
import { DEFAULT_MARKET } from '../engine/market.js';
import { IMPLICIT_DEFAULT } from './registry.js';

export class KafkaRegistry implements MarketRegistry {
  private readonly kafka;
  private fetcher: Fetcher | null = null;

  constructor(
    private readonly cfg: KafkaConfig,
    private readonly topic: string,
  ) {
    this.kafka = createKafka(cfg, createLogger(process.env['RELAYER_LOG_LEVEL'] ?? 'warn'));
  }

  private async guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof MarketExistsError || e instanceof CliError) throw e;
      throw new CliError(`market registry (${this.topic} on ${this.cfg.brokers.join(',')}): ${what}: ${describeError(e)}`);
    }
  }

  private async exists(): Promise<boolean> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).includes(this.topic);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async list(): Promise<MarketSpec[]> {
    return this.guard('reading', async () => {
      const byId = new Map<string, MarketSpec>();
      if (await this.exists()) {
        this.fetcher ??= new Fetcher(this.kafka);
        await scan(this.fetcher, this.topic, 0, (recs) => {
          for (const r of recs) {
            const id = r.key?.toString('utf8');
            if (id === undefined) continue;
            if (r.value === null) byId.delete(id);
            else byId.set(id, JSON.parse(r.value.toString('utf8')) as MarketSpec);
          }
        });
      }
      const rest = [...byId.values()].filter((s) => s.id !== DEFAULT_MARKET).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return [byId.get(DEFAULT_MARKET) ?? IMPLICIT_DEFAULT, ...rest];
    });
  }

  async get(id: string): Promise<MarketSpec | null> {
    return (await this.list()).find((s) => s.id === id) ?? null;
  }

  /** Creates the compacted topic when missing, refuses a known id, then writes the record. */
  async create(spec: MarketSpec): Promise<MarketSpec> {
    if ((await this.get(spec.id)) !== null) throw new MarketExistsError(spec.id);
    return this.guard('writing', async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        if (!(await admin.listTopics()).includes(this.topic)) {
          await admin.createTopics({
            waitForLeaders: true,
            topics: [{ topic: this.topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
          });
        }
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      try {
        await producer.send({ topic: this.topic, acks: -1, messages: [{ key: spec.id, value: JSON.stringify(spec), partition: 0 }] });
      } finally {
        await producer.disconnect().catch(() => undefined);
      }
      return spec;
    });
  }

  async close(): Promise<void> {
    await this.fetcher?.close();
    this.fetcher = null;
  }
}
