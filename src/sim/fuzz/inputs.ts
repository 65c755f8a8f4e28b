// Input i of a fuzz seed, drawn from its own Prng so any one input can be rebuilt alone.
import { Prng } from '../../infra/prng.js';
import { ADMIN_WRITES, CLIENT_WRITES } from '../../api/writes.js';
import { ALL_TYPES, bodyOf } from './corpus.js';
import { badUtf8, deepNest, mutant, mutateText } from './mutate.js';
import { placeholders } from './targets.js';

export type FuzzInput = { target: 'engine'; raw: string } | { target: 'gateway'; method: string; params: string };

/** A 32-bit mix of (seed, index): neighbouring inputs get unrelated streams. */
export function mix(seed: number, i: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

const WRITE_METHODS = [...Object.keys(CLIENT_WRITES), ...Object.keys(ADMIN_WRITES), 'submit_order'];

function envelope(rng: Prng, type: string): object {
  const env: Record<string, unknown> = { v: 1, id: `fz-${rng.int(0, 5000)}`, type, params: bodyOf(type) };
  if (rng.chance(0.2)) env['ts'] = rng.pick([0, -1, 1.5, 1e300, '1', null]);
  if (rng.chance(0.1)) env['market'] = rng.pick(['BTC-USD', 'ETH-USD', 'x', '']);
  return env;
}

export function inputAt(seed: number, i: number): FuzzInput {
  const rng = new Prng(mix(seed, i));
  const roll = rng.next();
  if (roll < 0.45) {
    const method = rng.pick(WRITE_METHODS);
    const body = bodyOf(method === 'submit_order' ? 'CreateTraderOrder' : method);
    return { target: 'gateway', method, params: placeholders(rng.chance(0.1) ? JSON.stringify(body) : mutant(rng, body, 0.15)) };
  }
  const type = rng.chance(0.9) ? rng.pick(ALL_TYPES) : rng.pick(['Nope', '', 'createtraderorder', 'constructor', '__proto__', 'toString']);
  const base = envelope(rng, type);
  if (roll < 0.85) return { target: 'engine', raw: placeholders(rng.chance(0.1) ? JSON.stringify(base) : mutant(rng, base)) };
  if (roll < 0.92) return { target: 'engine', raw: badUtf8(rng, JSON.stringify(base)).toString('utf8') };
  if (roll < 0.96) return { target: 'engine', raw: mutateText(rng, JSON.stringify(base)) };
  // the extremes: oversized records, deep nesting inside a valid envelope
  if (rng.chance(0.5)) return { target: 'engine', raw: JSON.stringify({ ...base, pad: 'x'.repeat(rng.pick([65_000, 65_536, 70_000, 1_000_000])) }) };
  return {
    target: 'engine',
    raw: JSON.stringify(base).replace('"params":', `"deep":${deepNest(rng.pick([64, 1000, 50_000]), rng.chance(0.5) ? '[' : '{')},"params":`),
  };
}
