// Helpers for end-to-end tests: run the real bin/relayer and talk to it only through its CLI.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../../bin/relayer', import.meta.url));

export interface Ran { code: number; stdout: string; stderr: string }

export function relayer(args: string[], input?: string): Ran {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function relayerAsync(args: string[], input?: string): Promise<Ran> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    c.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    c.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    c.stdin.end(input ?? '');
  });
}

export function startEngine(args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, 'run', '--log-level', 'warn', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function exited(c: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve({ code: c.exitCode, signal: c.signalCode });
  return new Promise((resolve) => c.once('exit', (code, signal) => resolve({ code, signal })));
}

export function tempDir(prefix = 'relayer-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `pauseMs` until it gives a value (neither null nor undefined), or fails. */
export async function until<T>(what: string, ms: number, probe: () => T | null | undefined, pauseMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(pauseMs);
  }
}

/** `until` for an async probe; a probe that throws (a server not up yet) counts as no value. */
export async function untilAsync<T>(what: string, probe: () => Promise<T | null>, ms = 20_000, pauseMs = 50): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(pauseMs);
  }
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
