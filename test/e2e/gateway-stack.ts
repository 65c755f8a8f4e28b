// The world of one end-to-end gateway test: a temporary data directory, a PostgreSQL schema and
// Redis prefixes of its own, and the `relayer run`/`project`/`api` processes it starts, all killed
// and removed when the test ends; with the `project` and `api` command lines over that world.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { dropTestData, uniqueName } from '../helpers/services.js';
import { type Cleanup, exited, type Logged, relayerAsync, startLogged, tempDir, untilAsync } from './cli-helpers.js';

export interface GatewayStack {
  data: string;
  schema: string;
  redisPrefix: string;
  authPrefix: string;
  /** `relayer ARGS` in the background (stderr kept), killed when the test ends. */
  start(args: string[], env?: Record<string, string>): Logged;
  /** Another market's schema and prefixes, dropped with the stack's own. */
  alsoDrop(schema: string, prefixes: readonly string[]): void;
  /** `relayer project` of every market into this stack's read models, polling every 5 ms. */
  projectArgs(extra?: string[]): string[];
  /** `relayer api` on 127.0.0.1:`port` over this stack's data, read models and keys; `admin` is --admin-listen. */
  apiArgs(port: number, admin: string, extra?: string[]): string[];
  /** Resolves once `relayer status` reads the data directory (the engine has created it). */
  dataReady(): Promise<unknown>;
  /** Resolves once the gateway on `port` answers /readyz with 200. */
  gatewayReady(port: number): Promise<unknown>;
}

/** `tag` names the test's directory, schema and prefixes (each made unique). */
export function gatewayStack(t: Cleanup, svc: { pg: string; redis: string }, tag: string): GatewayStack {
  const dir = tempDir(`relayer-${tag}-`);
  const data = join(dir, 'data');
  const schema = uniqueName(tag);
  const redisPrefix = `${uniqueName(`${tag}_rm`)}:`;
  const authPrefix = `${uniqueName(`${tag}_auth`)}:`;
  const procs: Logged[] = [];
  const drops: [string, readonly string[]][] = [[schema, [redisPrefix, authPrefix]]];
  t.after(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    for (const [s, prefixes] of drops) await dropTestData(svc, s, prefixes);
    for (const p of procs) await exited(p);
    rmSync(dir, { recursive: true, force: true });
  });
  const readModels = ['--postgres', svc.pg, '--pg-schema', schema, '--redis', svc.redis, '--redis-prefix', redisPrefix];
  return {
    data,
    schema,
    redisPrefix,
    authPrefix,
    start(args, env = {}) {
      const p = startLogged(args, env);
      procs.push(p);
      return p;
    },
    alsoDrop(s, prefixes) {
      drops.push([s, prefixes]);
    },
    projectArgs: (extra = []) => ['project', '--data', data, ...readModels, '--log-level', 'warn', '--poll-ms', '5', ...extra],
    apiArgs: (port, admin, extra = []) => [
      'api',
      '--data',
      data,
      '--listen',
      `127.0.0.1:${port}`,
      '--admin-listen',
      admin,
      ...extra,
      ...readModels,
      '--auth-prefix',
      authPrefix,
      '--log-level',
      'warn',
    ],
    dataReady: () =>
      untilAsync('the data directory', async () => ((await relayerAsync(['status', '--data', data, '--json'])).code === 0 ? true : null), 60_000),
    gatewayReady: (port) =>
      untilAsync('the gateway to be ready', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : null), 60_000),
  };
}
