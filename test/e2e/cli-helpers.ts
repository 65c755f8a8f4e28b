// Helpers for end-to-end tests: run the real bin/relayer and talk to it only through its CLI.
import { createServer } from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep, until } from '../helpers/wait.js';

export { sleep, until, untilAsync } from '../helpers/wait.js';

export const BIN = fileURLToPath(new URL('../../../bin/relayer', import.meta.url));

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export function relayer(args: string[], input?: string): Ran {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function relayerAsync(args: string[], input?: string): Promise<Ran> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    c.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    c.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    c.stdin.end(input ?? '');
  });
}

export function startEngine(args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, 'run', '--log-level', 'warn', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** What a test hands the helpers below: somewhere to register cleanup. */
export interface Cleanup {
  after: (fn: () => void | Promise<void>) => void;
}

/** Kills a child process when the test ends, unless it has already exited. */
export function killAtEnd(t: Cleanup, child: ChildProcess): void {
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
}

/** `relayer run --no-scheduler` on `data` (plus `extra`), killed when the test ends; resolves once its data exists. */
export async function engineFor(t: Cleanup, data: string, extra: string[] = []): Promise<ChildProcess> {
  const engine = startEngine(['--data', data, '--no-scheduler', ...extra]);
  killAtEnd(t, engine);
  await until('the engine to create its data', 15_000, () => (relayer(['status', '--data', data, '--json']).code === 0 ? true : null));
  return engine;
}

/** A command as `relayer events --inbox` prints it. */
export interface InboxCommand {
  id: string;
  type: string;
  ts?: number;
  params: Record<string, unknown>;
}

/** The commands on `data`'s input log in order, the genesis InitPool first (`relayer events --inbox`). */
export function inbox(data: string): InboxCommand[] {
  const r = relayer(['events', '--inbox', '--data', data]);
  if (r.code !== 0) throw new Error(`relayer events --inbox exited ${r.code}: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as InboxCommand);
}

/** The prices of the PriceUpdated events committed on `data`, in order. */
export function appliedPrices(data: string): number[] {
  const r = relayer(['events', '--data', data, '--type', 'PriceUpdated', '--json']);
  if (r.code !== 0) throw new Error(`relayer events exited ${r.code}: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { data: { price: number } }).data.price);
}

/** `relayer feed` flags for a test: quick reconnects, a status line every 100 ms, /metrics on a port the OS picks, JSON lines, errors only. */
export const FEED_TEST_FLAGS: readonly string[] = [
  '--reconnect-ms',
  '40',
  '--reconnect-max-ms',
  '200',
  '--status-ms',
  '100',
  '--metrics-port',
  '0',
  '--json',
  '--log-level',
  'error',
];

/** The JSON objects among a process's output lines. */
export const jsonLines = (s: string): Record<string, unknown>[] =>
  s
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A running `relayer …` whose stdout and stderr are kept as text, killed when the test ends. */
export interface Captured {
  child: ChildProcess;
  out(): string;
  err(): string;
  lines(): Record<string, unknown>[];
  /** Its exit code once its output is complete (the `close` event, listened for from the spawn on). */
  closed: Promise<number | null>;
}

export function spawnCaptured(t: Cleanup, args: string[]): Captured {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  killAtEnd(t, child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, lines: () => jsonLines(out), closed };
}

export function exited(c: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve({ code: c.exitCode, signal: c.signalCode });
  return new Promise((resolve) => c.once('exit', (code, signal) => resolve({ code, signal })));
}

export function tempDir(prefix = 'relayer-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Waits until `relayer status` reports every input committed (or times out). */
export async function drained(data: string, timeoutMs = 60_000): Promise<{ last_seq: number; input_head: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = relayer(['status', '--data', data, '--json']);
    if (r.code === 0) {
      const s = JSON.parse(r.stdout) as { lag: number; last_seq: number; input_head: number };
      if (s.lag === 0 && s.input_head > 0) return s;
    }
    if (Date.now() > deadline) throw new Error(`engine did not drain: ${r.stdout}${r.stderr}`);
    await sleep(100);
  }
}

/** A TCP port free on loopback right now (the OS picks it; a server started next takes it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

export type Logged = ChildProcess & { err: () => string };

/** `relayer ARGS` in the background, its stderr kept for failure messages (`err()`). */
export function startLogged(args: string[], env: Record<string, string> = {}): Logged {
  const c = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } }) as Logged;
  let err = '';
  c.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  c.err = () => err;
  return c;
}
