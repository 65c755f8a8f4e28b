// One market of `relayer run --markets` in its worker thread: exactly `run --market`, stopped by
// the main thread's 'stop' message (signals reach only the main thread).
import { parentPort, workerData } from 'node:worker_threads';
import { run, type RunOptions } from './run.js';

const port = parentPort!;
let stop: (() => void) | null = null;
let asked = false;
port.on('message', (m: unknown) => {
  if (m !== 'stop') return;
  asked = true;
  stop?.();
});
port.unref(); // the worker ends when its engine does, not when the port goes quiet

run((workerData as { opts: RunOptions }).opts, {
  onStop: (fn) => {
    stop = fn;
    if (asked) fn();
  },
}).then(
  () => port.postMessage({ ok: true }),
  (e: Error) => {
    port.postMessage({ ok: false, error: e.message });
    process.exitCode = 1;
  },
);
