// `relayer bench scale`, the gateway pass: one `relayer api --kafka` routing signed
// CreateTraderOrder calls by their `market` param to BTC-USD and ETH-USD, each market committed by
// its own `relayer run --market` process. Closed loop (the next call on a connection when its reply
// arrives), half the calls to each market; the figure is committed commands/s from the first call
// to the moment both engines have committed everything the gateway acknowledged. Target: the
// gateway's own (api.submit_max ≥ 10 000/s, docs/benchmarks.md), now with two markets behind it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { RpcClient } from '../../src/api/client.js';
import { KeyStore } from '../../src/api/keys.js';
import { silentLogger } from '../../src/infra/logger.js';
import { NODE_FLAGS } from '../../src/infra/node-flags.js';
import { unlinkMatching } from '../../src/projections/redis/unlink.js';
import { KafkaBackend } from '../../src/store/kafka/backend.js';
import { kafkaConfig } from '../../src/store/kafka/config.js';
import type { Metrics } from '../engine/report.js';

const BIN = fileURLToPath(new URL('../../../bin/relayer', import.meta.url));
const MARKETS = ['BTC-USD', 'ETH-USD'] as const;

/** Why the pass cannot run on this build, or null. */
export function gatewayPassMissing(): string | null {
  const run = spawnSync(process.execPath, [BIN, 'run', '--help'], { encoding: 'utf8' });
  const markets = spawnSync(process.execPath, [BIN, 'markets', 'list', '--help'], { encoding: 'utf8' });
  if (!run.stdout.includes('--market') || markets.status !== 0) return 'this build has no `relayer run --market` / `relayer markets` yet';
  return null;
}

function cli(args: string[]): void {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`relayer ${args.join(' ')}: ${r.stderr}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

function stop(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    c.once('exit', () => res());
    c.kill('SIGTERM');
  });
}

/** Runs the pass against `brokers` with topics under `prefix` (the caller deletes them); returns its figures. */
export async function gatewayPass(brokers: string, prefix: string, dir: string, secs: number): Promise<Metrics> {
  const redisUrl = process.env['RELAYER_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  await redis.connect();
  const authPrefix = `bench-scale-${process.pid}-${Date.now().toString(36)}:`;
  const kafka = ['--kafka', brokers, '--topic-prefix', prefix];
  const children: ChildProcess[] = [];
  const readers: KafkaBackend[] = [];
  try {
    cli(['topics', 'create', ...kafka]);
    cli(['markets', 'create', '--id', 'ETH-USD', ...kafka]);
    for (const m of MARKETS) {
      children.push(
        spawn(process.execPath, [...NODE_FLAGS, BIN, 'run', ...kafka, '--market', m, '--data', join(dir, `gw-${m}`), '--no-scheduler', '--log-level', 'warn'], {
          stdio: 'ignore',
        }),
      );
      readers.push(
        await KafkaBackend.open(kafkaConfig({ kafka: brokers, topicPrefix: prefix, market: m, data: join(dir, `gw-${m}`) })!, { log: silentLogger() }),
      );
    }
    const master = randomBytes(32).toString('hex');
    const { record, secret } = await new KeyStore(redis, authPrefix, Buffer.from(master)).create({
      role: 'client',
      accounts: ['bench'],
      label: 'bench-scale',
      rate: 0,
    });
    const port = await freePort();
    const api = spawn(
      process.execPath,
      [
        BIN,
        'api',
        ...kafka,
        '--data',
        join(dir, 'gw'),
        '--listen',
        `127.0.0.1:${port}`,
        '--admin-listen',
        'off',
        '--auth-prefix',
        authPrefix,
        '--redis-prefix',
        `${authPrefix}rm:`,
        '--rate-limit',
        '0',
        '--log-level',
        'warn',
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, RELAYER_API_MASTER_KEY: master },
      },
    );
    children.push(api);
    await new Promise<void>((resolve, reject) => {
      let err = '';
      const t = setTimeout(() => reject(new Error(`gateway did not start: ${err}`)), 20_000);
      api.stderr!.setEncoding('utf8').on('data', (d: string) => {
        err += d;
        if (/client API on http:/.test(err)) {
          clearTimeout(t);
          resolve();
        }
      });
      api.once('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`gateway exited ${code}: ${err}`));
      });
    });
    // wait until both engines have committed their genesis: the engines are up
    for (const r of readers) {
      for (let i = 0; (await r.lastState()) === null; i++) {
        if (i > 300) throw new Error('an engine did not start');
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    const client = new RpcClient(`http://127.0.0.1:${port}`, { key: record.id, secret }, 64);
    const acked = [0, 0];
    let errors = 0;
    let firstError: string | null = null;
    let n = 0;
    const t0 = performance.now();
    const end = t0 + secs * 1000;
    const lane = async (): Promise<void> => {
      while (performance.now() < end) {
        const i = n++;
        const m = i % 2;
        const r = await client.call('/clientapi', 'CreateTraderOrder', {
          account_id: 'bench',
          position_type: i % 4 < 2 ? 'LONG' : 'SHORT',
          order_type: 'MARKET',
          leverage: 5,
          initial_margin: 1000,
          available_margin: 1000,
          order_status: 'PENDING',
          entryprice: 60000,
          execution_price: 0,
          request_id: `s-${i}`,
          ...(m === 1 ? { market: 'ETH-USD' } : {}),
        });
        if (r.status === 200 && (r.json as { result?: unknown }).result !== undefined) acked[m]!++;
        else {
          errors++;
          firstError ??= r.body.slice(0, 200);
        }
      }
    };
    await Promise.all(Array.from({ length: 64 }, lane));
    const sendSecs = (performance.now() - t0) / 1000;
    client.close();
    // committed: every engine's position at its input head
    for (const r of readers) {
      const head = Number(await r.head());
      for (;;) {
        const st = await r.lastState();
        if (st !== null && Number(st.position) >= head) break;
        await new Promise((res) => setTimeout(res, 50));
      }
    }
    const allSecs = (performance.now() - t0) / 1000;
    const total = acked[0]! + acked[1]!;
    return {
      markets: 2,
      acked: total,
      btc_usd: acked[0]!,
      eth_usd: acked[1]!,
      errors,
      first_error: firstError,
      acked_per_s: Math.round(total / sendSecs),
      ops_per_s: Math.round(total / allSecs),
    };
  } finally {
    for (const r of readers) await r.close().catch(() => undefined);
    await Promise.all(children.map(stop));
    await unlinkMatching(redis, `${authPrefix}*`).catch(() => undefined);
    redis.disconnect();
  }
}
