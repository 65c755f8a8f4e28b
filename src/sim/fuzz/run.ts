// The fuzz loop: inputs [from, to) of a seed through the engine and gateway targets. The engine
// state is rebuilt from SETUP every BLOCK inputs, so replaying input i runs only its block.
import { EngineTarget, gatewayWrite, type Finding } from './targets.js';
import { inputAt } from './inputs.js';

export const BLOCK = 256;

export interface FuzzProgress {
  done: number;
  findings: Finding[];
  slowestMs: number;
  slowestIndex: number;
}

/** `observe` sees the engine target after each input at or past `from` (tests compare replays with it). */
export function fuzzRange(seed: number, from: number, to: number, observe: (i: number, engine: EngineTarget) => void = () => {}): FuzzProgress {
  const engine = new EngineTarget();
  const findings: Finding[] = [];
  let slowestMs = 0;
  let slowestIndex = -1;
  // start at the beginning of the first block so the state matches a full run
  const start = from - (from % BLOCK);
  for (let i = start; i < to; i++) {
    if (i % BLOCK === 0 || i === start) engine.reset();
    const input = inputAt(seed, i);
    const t0 = performance.now();
    const f = input.target === 'engine' ? engine.feed(i, input.raw) : gatewayWrite(i, input.method, input.params, engine);
    const ms = performance.now() - t0;
    if (i < from) continue;
    if (ms > slowestMs) {
      slowestMs = ms;
      slowestIndex = i;
    }
    observe(i, engine);
    if (f !== null) findings.push(f);
  }
  return { done: to - from, findings, slowestMs, slowestIndex };
}
