// The manual source: prices typed (or piped) one per line on stdin go through the same gate as
// every other source; `relayer feed set <price>` instead submits exactly one PriceTick and exits.
import type { Readable } from 'node:stream';
import { readLines } from '../infra/lines.js';
import { parsePrice } from './aggtrade.js';
import { feedEnvelope, type FeedRunner } from './runner.js';

/** Reads prices until end of input (then sends what is still due) or until `signal` aborts. */
export async function runManual(runner: FeedRunner, input: Readable, signal: AbortSignal): Promise<number> {
  let n = 0;
  if (signal.aborted) return n;
  const onAbort = (): void => {
    input.destroy();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const line of readLines(input)) {
      if (signal.aborted) break;
      const text = line.trim();
      if (text === '' || text.startsWith('#')) continue;
      const p = parsePrice(text);
      if (typeof p === 'string') {
        runner.rejected(p, text);
        continue;
      }
      runner.offer(p, null);
      n++;
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (!signal.aborted) await runner.drainLive();
  return n;
}

/** The one PriceTick of `relayer feed set`. */
export function setCommand(price: number, id: string, market?: string): string {
  return feedEnvelope(market, id, 'PriceTick', { price, source: 'set' });
}
