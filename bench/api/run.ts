// `relayer bench api`: authenticated submits through the real gateway on loopback. The gateway runs
// as its own process (`relayer api`, embedded input log with fsync per append, real Redis for keys,
// replay claims and rate windows); load comes from two worker threads of this process speaking
// HTTP/1.1 on raw keep-alive sockets, every request a CreateTraderOrder signed v2 with its own
// request_id (signed before the clock starts, well inside the ±30 s window). Passes:
//   api.submit_max   closed loop, 64 connections (next request on each reply): the ceiling, p99 there;
//   api.submit_10k   open loop at 10 000 requests/s: latency from each request's scheduled send time
//                    (no coordinated omission), p50/p99/p999;
//   api.submit_5k    the same at 5 000/s (full run only): latency with headroom;
// then the same with `relayer api --workers 2` (full run only, suffix _w2). Every result carries
// the gateway's and the load threads' CPU per request and the machine's size and load, because
// both share its cores with Redis. Afterwards every acknowledged request is checked to be on the
// input log (api.durable_acks).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Redis } from 'ioredis';
import { unlinkMatching } from '../../src/projections/redis/unlink.js';
import { sign } from '../../src/api/auth.js';
import { KeyStore } from '../../src/api/keys.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { Reporter, result } from '../engine/report.js';
import { Latencies } from '../engine/measure.js';

export interface ApiBenchOptions {
  quick: boolean;
  json: boolean;
}

const BIN = fileURLToPath(new URL('../../../bin/relayer', import.meta.url));
const GENESIS = JSON.stringify({ v: 1, id: 'genesis', type: 'InitPool', params: {} });

interface Job {
  port: number;
  key: string;
  secret: string;
  mode: 'closed' | 'open';
  connections: number;
  rate: number;
  ms: number;
  warmupMs: number;
  tag: string;
}
interface JobResult {
  ok: number;
  errors: number;
  firstError: string | null;
  lat: Float64Array;
  sent: number;
  secs: number;
  unfinished: number;
}

export async function benchApi(opts: ApiBenchOptions): Promise<void> {
  const rep = new Reporter(opts.json);
  const redisUrl = process.env['RELAYER_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (e) {
    throw new Error(`bench api needs Redis at ${redisUrl}: ${(e as Error).message}`);
  }
  const root = mkdtempSync(join(tmpdir(), 'relayer-bench-api-'));
  const prefix = `bench-api-${process.pid}-${Date.now()}:`;
  const master = randomBytes(32).toString('hex');
  let child: ChildProcess | null = null;
  try {
    const data = join(root, 'data');
    new SqliteStore(data, GENESIS).db.close();
    const { record, secret } = await new KeyStore(redis, prefix, Buffer.from(master)).create({ role: 'client', accounts: ['bench'], label: 'bench', rate: 0 });
    const threads = 2;
    const secs = opts.quick ? 5 : 10;
    const warmupMs = opts.quick ? 1000 : 2000;
    let acked = 0;
    // the --workers 2 figures only in the full run: --quick stays under 20 s
    for (const gwWorkers of opts.quick ? [1] : [1, 2]) {
      const started = await startGateway(data, prefix, master, gwWorkers);
      child = started.child;
      const base = { port: started.port, key: record.id, secret, warmupMs, ms: secs * 1000 };
      const shape = gwWorkers === 1 ? 'one gateway process' : `relayer api --workers ${gwWorkers}`;
      const suffix = gwWorkers === 1 ? '' : `_w${gwWorkers}`;

      rep.note(`api.submit_max${suffix}: closed loop, ${shape}, ${threads} client threads × 32 connections, ${secs} s`);
      const max = await runWorkers(threads, (i) => ({ ...base, mode: 'closed', connections: 32, rate: 0, tag: `m${gwWorkers}-${i}` }));
      const m1 = await appendStats(started.port);
      rep.add(
        result(
          `api.submit_max${suffix}`,
          {
            ops_per_s: Math.round(max.ok / max.secs),
            ...quantilesMs(max.lat),
            errors: max.errors,
            gateway_processes: gwWorkers,
            ...machine(),
            connections: threads * 32,
            ...m1,
            client_cpu_us_per_req: max.clientCpuUs,
            seconds: round2(max.secs),
            ...(max.firstError === null ? {} : { first_error: max.firstError }),
          },
          { metric: 'ops_per_s', op: '>=', value: 10_000 },
        ),
      );

      // open loop at the target rate, and at half of it: latency where this machine has headroom
      const opens: JobResult[] = [];
      let before = m1;
      for (const rate of [10_000, 5_000]) {
        const name = `api.submit_${rate / 1000}k${suffix}`;
        rep.note(`${name}: open loop at ${rate}/s, ${shape}, ${secs} s`);
        const open = await runWorkers(threads, (i) => ({ ...base, mode: 'open', connections: 128, rate: rate / threads, tag: `o${rate}-${gwWorkers}-${i}` }));
        const m2 = await appendStats(started.port, before);
        before = m2;
        rep.add(
          result(
            name,
            {
              ...quantilesMs(open.lat),
              offered_per_s: rate,
              ops_per_s: Math.round(open.ok / open.secs),
              errors: open.errors,
              unfinished_after_3s: open.unfinished,
              gateway_processes: gwWorkers,
              ...machine(),
              ...m2,
              client_cpu_us_per_req: open.clientCpuUs,
              seconds: round2(open.secs),
              ...(open.firstError === null ? {} : { first_error: open.firstError }),
            },
            { metric: 'p99_ms', op: '<=', value: 10 },
          ),
        );
        opens.push(open);
        if (opts.quick) break; // --quick: the target rate only
      }
      acked += max.ok + max.warmOk + opens.reduce((n, o) => n + o.ok + (o as JobResult & { warmOk: number }).warmOk, 0);

      child.kill('SIGTERM');
      await exited(child);
      child = null;
    }
    const store = new SqliteStore(data);
    const logged = Number(store.db.prepare(`SELECT count(*) FROM inbox`).pluck().get()) - 1; // genesis
    store.db.close();
    rep.add(result('api.durable_acks', { acknowledged: acked, on_input_log: logged, missing: acked - logged }, { metric: 'missing', op: '<=', value: 0 }));
    rep.finish(`relayer bench api${opts.quick ? ' --quick' : ''}`);
  } finally {
    if (child !== null) {
      child.kill('SIGTERM');
      await exited(child);
    }
    await dropPrefix(redis, prefix).catch((e: Error) => {
      process.stderr.write(`bench api: could not remove the test keys under ${prefix}: ${e.message}\n`);
    });
    redis.disconnect();
    rmSync(root, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function startGateway(data: string, prefix: string, master: string, workers: number): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  // RELAYER_BENCH_NODE_ARGS: node flags for the gateway process, e.g. --cpu-prof for a profile
  const nodeArgs = (process.env['RELAYER_BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a.length > 0);
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      BIN,
      'api',
      '--data',
      data,
      '--listen',
      `127.0.0.1:${port}`,
      '--admin-listen',
      'off',
      '--auth-prefix',
      prefix,
      '--redis-prefix',
      `${prefix}rm:`,
      '--log-level',
      'warn',
      '--workers',
      String(workers),
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, RELAYER_API_MASTER_KEY: master },
    },
  );
  let err = '';
  let up = 0;
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`gateway did not start: ${err}`)), 15_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      up = (err.match(/client API on http:/g) ?? []).length;
      if (up >= workers) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`gateway exited ${code}: ${err}`));
    });
  });
  return { child, port };
}

/** Commands per append call and ms per append call of the gateway (from its /metrics), since `before`. */
async function appendStats(port: number, before?: Record<string, number>): Promise<Record<string, number>> {
  const text = await new Promise<string>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let t = '';
      res
        .setEncoding('utf8')
        .on('data', (c: string) => {
          t += c;
        })
        .on('end', () => resolve(t));
    })
      .on('error', reject)
      .end();
  });
  const v = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const raw = {
    _cmds: v('relayer_api_append_batch_size_sum'),
    _calls: v('relayer_api_append_batch_size_count'),
    _secs: v('relayer_api_append_seconds_sum'),
    _cpu: v('relayer_api_process_cpu_seconds_total'),
    _reqs: v('relayer_api_request_seconds_count\\{port="client"\\}'),
  };
  const d = (k: keyof typeof raw): number => raw[k] - (before?.[k] ?? 0);
  const out: Record<string, number> = {
    append_batch_avg: round2(d('_cmds') / d('_calls')),
    append_ms_avg: round2((d('_secs') * 1000) / d('_calls')),
    gateway_cpu_us_per_req: Math.round((d('_cpu') * 1e6) / d('_reqs')),
  };
  Object.defineProperties(out, Object.fromEntries(Object.entries(raw).map(([k, x]) => [k, { value: x, enumerable: false }])));
  return out;
}

function exited(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => c.once('exit', () => resolve()));
}

async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  await unlinkMatching(redis, `${prefix}*`);
}

async function runWorkers(n: number, job: (i: number) => Job): Promise<JobResult & { warmOk: number; clientCpuUs: number }> {
  const workers = Array.from({ length: n }, (_, i) => new Worker(fileURLToPath(import.meta.url), { workerData: job(i) }));
  const done = workers.map(
    (w) =>
      new Promise<JobResult & { warmOk: number }>((resolve, reject) => {
        w.on('message', (m: { ready?: boolean }) => {
          if (m.ready !== true) resolve(m as JobResult & { warmOk: number });
        });
        w.once('error', reject);
      }),
  );
  // start barrier: requests signed and connections open in every thread (that CPU is not counted)
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.on('message', (m: { ready?: boolean }) => {
            if (m.ready === true) resolve();
          });
          w.once('error', reject);
        }),
    ),
  );
  const cpu0 = process.cpuUsage();
  for (const w of workers) w.postMessage('go');
  const results = await Promise.all(done);
  const cpu = cpuOf(process.cpuUsage(cpu0));
  const total = results.reduce((s, r) => s + r.lat.length, 0);
  const lat = new Float64Array(total);
  let at = 0;
  for (const r of results) {
    lat.set(r.lat, at);
    at += r.lat.length;
  }
  return {
    ok: results.reduce((s, r) => s + r.ok, 0),
    errors: results.reduce((s, r) => s + r.errors, 0),
    firstError: results.find((r) => r.firstError !== null)?.firstError ?? null,
    lat,
    sent: results.reduce((s, r) => s + r.sent, 0),
    secs: Math.max(...results.map((r) => r.secs)),
    warmOk: results.reduce((s, r) => s + r.warmOk, 0),
    unfinished: results.reduce((s, r) => s + r.unfinished, 0),
    // CPU of this process (the load threads) per request sent, from the start barrier on
    clientCpuUs: Math.round(
      cpu /
        Math.max(
          1,
          results.reduce((s, r) => s + r.sent, 0),
        ),
    ),
  };
}

function cpuOf(u: NodeJS.CpuUsage): number {
  return u.user + u.system;
}

/** The machine's size and how busy it was: the gateway, the load threads and Redis share these cores. */
function machine(): { cpus: number; load_1m: number } {
  return { cpus: cpus().length, load_1m: round2(loadavg()[0]!) };
}

function quantilesMs(lat: Float64Array): Record<string, number> {
  if (lat.length === 0) return { p50_ms: NaN, p99_ms: NaN, p999_ms: NaN, max_ms: NaN };
  const [p50, p99, p999, max] = Latencies.quantiles(lat, [0.5, 0.99, 0.999, 1]);
  return { p50_ms: round2(p50!), p99_ms: round2(p99!), p999_ms: round2(p999!), max_ms: round2(max!) };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

// ---- load generator (worker thread) ----------------------------------------------------------

/**
 * One keep-alive connection speaking HTTP/1.1 directly on a socket: the request is written as one
 * buffer and the reply parsed by content-length, so the load generator spends little CPU of the
 * two the gateway needs (node's http client costs about as much per request as the server).
 */
class Conn {
  private readonly sock: Socket;
  private buf: Buffer = Buffer.alloc(0);
  private done: ((err: string | null) => void) | null = null;
  readonly ready: Promise<void>;

  constructor(port: number) {
    this.sock = connect(port, '127.0.0.1');
    this.sock.setNoDelay(true);
    this.ready = new Promise((resolve, reject) => {
      this.sock.once('connect', () => resolve());
      this.sock.once('error', reject);
    });
    this.sock.on('data', (d: Buffer) => this.onData(d));
    this.sock.on('error', (e) => this.finish(e.message));
    this.sock.on('close', () => this.finish('connection closed'));
  }

  send(bytes: Buffer, done: (err: string | null) => void): void {
    this.done = done;
    this.sock.write(bytes);
  }

  close(): void {
    this.sock.destroy();
  }

  private finish(err: string | null): void {
    const d = this.done;
    this.done = null;
    d?.(err);
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    const head = this.buf.indexOf('\r\n\r\n');
    if (head < 0) return;
    const m = /content-length: *(\d+)/i.exec(this.buf.toString('latin1', 0, head));
    const len = m === null ? 0 : Number(m[1]);
    if (this.buf.length < head + 4 + len) return;
    const status = this.buf.toString('latin1', 9, 12);
    const body = this.buf.toString('utf8', head + 4, head + 4 + len);
    this.buf = this.buf.subarray(head + 4 + len);
    this.finish(status === '200' && body.includes('"RequestSubmitted"') ? null : `HTTP ${status} ${body.slice(0, 200)}`);
  }
}

async function worker(job: Job): Promise<JobResult & { warmOk: number }> {
  let n = 0;
  const request = (): Buffer => {
    n++;
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: n,
      method: 'CreateTraderOrder',
      params: {
        account_id: 'bench',
        position_type: n % 2 === 0 ? 'LONG' : 'SHORT',
        order_type: 'LIMIT',
        leverage: 10,
        initial_margin: 10_000,
        available_margin: 10_000,
        order_status: 'PENDING',
        entryprice: n % 2 === 0 ? 50_000 : 70_000,
        execution_price: 0,
        request_id: `${job.tag}-${n}-${process.pid}`,
      },
    });
    const dt = Date.now();
    return Buffer.from(
      `POST /clientapi HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `relayer-api-key: ${job.key}\r\nsignature: ${sign(job.secret, body, dt)}\r\ndatetime: ${dt}\r\n\r\n${body}`,
    );
  };
  // requests are signed before the clock starts (each with its own request_id and a datetime well
  // inside the ±30 s window), so the two cores go to the gateway rather than to the load generator
  const preN = Math.ceil(((job.mode === 'open' ? job.rate * 1.05 : 9000) * (job.warmupMs + job.ms + 1000)) / 1000);
  const pre: Buffer[] = [];
  for (let i = 0; i < preN; i++) pre.push(request());
  let used = 0;
  const nextRequest = (): Buffer => (used < pre.length ? pre[used++]! : request());
  const conns = Array.from({ length: job.connections }, () => new Conn(job.port));
  await Promise.all(conns.map((c) => c.ready));
  // every load thread is ready: the main thread starts the CPU clock and then all of them together
  parentPort!.postMessage({ ready: true });
  await new Promise<void>((resolve) => parentPort!.once('message', () => resolve()));
  const idle = [...conns];
  const queue: ((c: Conn) => void)[] = [];
  const withConn = (fn: (c: Conn) => void): void => {
    const c = idle.pop();
    if (c !== undefined) fn(c);
    else queue.push(fn);
  };
  const release = (c: Conn): void => {
    const next = queue.shift();
    if (next !== undefined) next(c);
    else idle.push(c);
  };
  const send = (): Promise<string | null> =>
    new Promise((resolve) => {
      withConn((c) =>
        c.send(nextRequest(), (err) => {
          release(c);
          resolve(err);
        }),
      );
    });
  const lat: number[] = [];
  let ok = 0;
  let warmOk = 0;
  let errors = 0;
  let firstError: string | null = null;
  let sent = 0;
  let unfinished = 0;
  const tStart = performance.now();
  const tMeasure = tStart + job.warmupMs;
  const tEnd = tMeasure + job.ms;
  const record = (scheduled: number, err: string | null): void => {
    const done = performance.now();
    if (err !== null) {
      errors++;
      firstError ??= err;
      return;
    }
    if (scheduled < tMeasure) {
      warmOk++;
      return;
    }
    if (scheduled >= tEnd) {
      warmOk++;
      return;
    }
    ok++;
    lat.push(done - scheduled);
  };
  if (job.mode === 'closed') {
    await Promise.all(
      Array.from({ length: job.connections }, async () => {
        while (performance.now() < tEnd) {
          const t0 = performance.now();
          sent++;
          record(t0, await send());
        }
      }),
    );
  } else {
    const inflight = new Map<Promise<void>, number>();
    const interval = 1000 / job.rate;
    let next = tStart;
    let cut = false;
    while (next < tEnd) {
      const now = performance.now();
      while (next <= now && next < tEnd) {
        const scheduled = next;
        sent++;
        const p: Promise<void> = send().then((e) => {
          if (!cut) {
            record(scheduled, e);
            inflight.delete(p);
          }
        });
        inflight.set(p, scheduled);
        next += interval;
      }
      // sleep until the next send is due (timer granularity ~1 ms; latency counts from the
      // scheduled time, so a late wake-up is charged to the gateway, never hidden)
      await new Promise<void>((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
    // an overloaded gateway can hold a long backlog: wait at most 3 s more, then count what is
    // still open with its latency so far (a lower bound) and as unfinished
    await Promise.race([Promise.all(inflight.keys()), new Promise((r) => setTimeout(r, 3000))]);
    cut = true;
    const now = performance.now();
    for (const scheduled of inflight.values()) {
      unfinished++;
      if (scheduled >= tMeasure) lat.push(now - scheduled);
    }
  }
  for (const c of conns) c.close();
  const secs = job.ms / 1000;
  return { ok, errors, firstError, lat: Float64Array.from(lat), sent, secs, warmOk, unfinished };
}

if (!isMainThread && parentPort !== null && (workerData as Job | null)?.port !== undefined) {
  const port = parentPort;
  void worker(workerData as Job).then((r) => port.postMessage(r));
}
