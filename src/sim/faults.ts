// The faults a schedule may hold, one per step at most, drawn from the seed. A schedule prints as
// `step:kind,step:kind` so a failure replays with exactly the faults it still needs.
import { Prng } from '../infra/prng.js';

export const FAULT_KINDS = [
  /** Every byte of memory lost; the engine recovers from the store. */
  'crash',
  /** The next commit throws before anything is written (SQLITE_BUSY / SQLITE_IOERR). */
  'commit-throws',
  /** The next commit is written, but the caller sees an I/O error (an unknown outcome). */
  'commit-unknown',
  /** The next commit dies half written: the engine crashes, a torn frame is left in the WAL. */
  'torn',
  /** fsync fails: the next commit and the next snapshot save throw EIO. */
  'fsync',
  /** The same command appended twice (a client retry with the same id). */
  'duplicate',
  /** The input is delayed: the next reads deliver nothing, then a few records at a time. */
  'delay',
  /** Several clients submit within the same millisecond. */
  'burst',
  /** The newest snapshot is corrupted on disk. */
  'snapshot-corrupt',
  /** The command clock jumps (hours forward, or back, which the log must clamp). */
  'clock-jump',
  /** The price feed goes silent for 35–120 s of command time. */
  'feed-silent',
  /** A second engine starts on the same data while the first runs: it must be refused. */
  'second-engine',
  /** The source hands back records the engine already consumed (a transport redelivery). */
  'redeliver',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** Every fault is on unless a list is asked for (redelivery since the loop skips consumed positions, D92). */
export const DEFAULT_FAULTS: readonly FaultKind[] = FAULT_KINDS;

export interface Fault {
  step: number;
  kind: FaultKind;
}

export function parseFaultList(spec: string): FaultKind[] {
  if (spec === 'all') return [...FAULT_KINDS];
  if (spec === 'none' || spec === '') return [];
  const out: FaultKind[] = [];
  for (const k of spec.split(',').map((s) => s.trim())) {
    if (!(FAULT_KINDS as readonly string[]).includes(k)) throw new Error(`unknown fault ${JSON.stringify(k)} (known: ${FAULT_KINDS.join(', ')}, all, none)`);
    out.push(k as FaultKind);
  }
  return out;
}

/** The seed's fault schedule: each step holds a fault with probability `rate`. */
export function planFaults(seed: number, steps: number, kinds: readonly FaultKind[], rate = 0.06): Fault[] {
  const rng = new Prng((seed * 40503 + 0x5bd1e995) >>> 0);
  const out: Fault[] = [];
  if (kinds.length === 0) return out;
  for (let s = 1; s < steps; s++) if (rng.chance(rate)) out.push({ step: s, kind: rng.pick(kinds) });
  return out;
}

export function formatSchedule(faults: readonly Fault[]): string {
  return faults.map((f) => `${f.step}:${f.kind}`).join(',');
}

export function parseSchedule(spec: string): Fault[] {
  if (spec.trim() === '') return [];
  return spec
    .split(',')
    .map((part) => {
      const m = /^(\d+):([a-z-]+)$/.exec(part.trim());
      if (m === null) throw new Error(`bad schedule entry ${JSON.stringify(part)} (expected step:kind)`);
      const [kind] = parseFaultList(m[2]!);
      return { step: Number(m[1]), kind: kind! };
    })
    .sort((a, b) => a.step - b.step);
}

/** A fault's own numbers (how long, how far), from (seed, step) so shrinking keeps them. */
export function faultRng(seed: number, step: number): Prng {
  return new Prng((Math.imul(seed, 0x27d4eb2d) ^ Math.imul(step + 1, 0x165667b1)) >>> 0);
}
