// A whole system in one process for the gateway tests: an embedded log with the engine loop
// running, the Redis and PostgreSQL projections following it, and the gateway on ephemeral ports.
// Redis and PostgreSQL are real: locally a missing service skips loudly, under CI=true it fails.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { DEFAULT_AUTH } from '../../src/api/auth.js';
import { RpcClient } from '../../src/api/client.js';
import { DEFAULT_GATEWAY, startGateway, type Gateway, type GatewayOptions } from '../../src/api/gateway.js';
import { PgReadModel } from '../../src/projections/postgres/model.js';
import { RedisReadModel } from '../../src/projections/redis/model.js';
import { DEFAULT_RUNNER, Projector } from '../../src/projections/runner.js';
import { silentLogger } from '../../src/infra/logger.js';
import { DEFAULT_LOOP, EngineLoop } from '../../src/runtime/loop.js';
import { recover } from '../../src/runtime/recover.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { dropTestData, needServices, uniqueName } from '../helpers/services.js';
import { sleep } from '../helpers/wait.js';

export interface System {
  store: SqliteStore;
  loop: EngineLoop;
  gw: Gateway;
  redis: Redis;
  /** Client-port and admin-port clients without credentials. */
  client: RpcClient;
  admin: RpcClient;
  redisPrefix: string;
  authPrefix: string;
  pgUrl: string;
  pgSchema: string;
  projectors: Projector<unknown>[];
  /** Rows in the input log (genesis included). */
  inboxCount(): number;
  /** Appends raw commands directly (system commands the API does not offer, e.g. PriceTick). */
  appendRaw(...raws: object[]): Promise<void>;
  /** Waits until the engine and both projections have caught up with the input log. */
  settled(ms?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startSystem(t: TestContext, over: Partial<GatewayOptions> = {}): Promise<System | null> {
  const svc = await needServices(t, 'the gateway tests');
  if (svc === null) return null;
  const dir = mkdtempSync(join(tmpdir(), 'relayer-api-'));
  const store = new SqliteStore(join(dir, 'data'), JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: {} }));
  const rec = await recover(store);
  const loop = new EngineLoop(store, rec.state, rec.lastHash, rec.position, { ...DEFAULT_LOOP, idleMs: 5, batchMs: 1, log: silentLogger() });
  const running = loop.run();
  const redisPrefix = `${uniqueName('rm')}:`;
  const authPrefix = `${uniqueName('auth')}:`;
  const pgSchema = uniqueName('api');
  const runner = { ...DEFAULT_RUNNER, pollMs: 5, log: silentLogger() };
  const projectors: Projector<unknown>[] = [
    new Projector(
      new RedisReadModel({ url: svc.redis, prefix: redisPrefix, tradesKeep: 1000, closedTtl: 0, clientName: 'relayer-test' }),
      store,
      runner,
    ) as Projector<unknown>,
    new Projector(new PgReadModel({ url: svc.pg, schema: pgSchema, insertMax: 300, applicationName: 'relayer-test' }), store, runner) as Projector<unknown>,
  ];
  const projecting = projectors.map((p) => p.run());
  const redis = new Redis(svc.redis, { maxRetriesPerRequest: 1 });
  const gw = await startGateway({
    ...DEFAULT_GATEWAY,
    backend: store,
    redisUrl: svc.redis,
    redisPrefix,
    authPrefix,
    pgUrl: svc.pg,
    pgSchema,
    master: randomBytes(32),
    listen: { host: '127.0.0.1', port: 0 },
    adminListen: { host: '127.0.0.1', port: 0 },
    auth: { ...DEFAULT_AUTH, defaultRate: 0 },
    log: silentLogger(),
    waitTimeoutMs: 5000,
    callTimeoutMs: 8000,
    ...over,
  });
  const client = new RpcClient(gw.clientUrl);
  const admin = new RpcClient(gw.adminUrl!);
  const countInbox = store.db.prepare('SELECT count(*) FROM inbox').pluck();
  const sys: System = {
    store,
    loop,
    gw,
    redis,
    client,
    admin,
    redisPrefix,
    authPrefix,
    pgUrl: svc.pg,
    pgSchema,
    projectors,
    inboxCount: () => Number(countInbox.get()),
    async appendRaw(...raws) {
      await store.append(raws.map((r) => JSON.stringify(r)));
    },
    async settled(ms = 20_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const head = Number((await store.head()) ?? 0);
        const committed = Number((await store.lastCommitted()).position ?? 0);
        const seq = loop.state.seq;
        if (committed >= head && projectors.every((p) => (p.committed?.seq ?? -1) >= seq)) return;
        if (Date.now() > deadline)
          throw new Error(`not settled: input ${committed}/${head}, projections ${projectors.map((p) => p.committed?.seq).join('/')} of ${seq}`);
        await sleep(10);
      }
    },
    async stop() {
      client.close();
      admin.close();
      await gw.close();
      loop.stop();
      await running;
      for (const p of projectors) p.stop();
      await Promise.allSettled(projecting);
      for (const p of projectors) await p.model.close().catch(() => {});
      await dropTestData(svc, pgSchema, [redisPrefix, authPrefix], redis);
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return sys;
}
