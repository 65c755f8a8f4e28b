// Child process of engine.memory / engine.tick_idle (started by resting.ts with --expose-gc):
// reads the plan from argv, prints the two results as one JSON line.
import { measureResting, type RestingPlan } from './resting.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const plan = JSON.parse(process.argv[2] ?? '') as RestingPlan;
process.stdout.write(`${JSON.stringify(measureResting(plan, gc))}\n`);
