// Waiting in tests: one sleep and the two polling loops every suite uses (a poll has a deadline and
// says what it waited for; nothing here asserts how long anything took).
import { setTimeout as sleepFor } from 'node:timers/promises';

export function sleep(ms: number): Promise<void> {
  return sleepFor(ms);
}

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
