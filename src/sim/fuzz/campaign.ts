// `relayer sim fuzz`: inputs [from, from + n) of a seed in a worker, watched for hangs. A chunk
// that makes no progress within `hangMs` is a hang: the worker is stopped and the chunk named.
import { Worker } from 'node:worker_threads';
import type { Finding } from './targets.js';

export interface FuzzCampaign {
  seed: number;
  from: number;
  inputs: number;
  hangMs: number;
  chunk?: number;
}

export interface FuzzReport {
  seed: number;
  inputs: number;
  findings: Finding[];
  hangs: number;
  slowestMs: number;
  slowestIndex: number;
  ms: number;
}

export function fuzzCampaign(o: FuzzCampaign, onProgress: (done: number) => void = () => {}): Promise<FuzzReport> {
  const t0 = performance.now();
  const chunk = o.chunk ?? 2000;
  const at = new Int32Array(new SharedArrayBuffer(4));
  const report: FuzzReport = { seed: o.seed, inputs: 0, findings: [], hangs: 0, slowestMs: 0, slowestIndex: -1, ms: 0 };
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./worker.js', import.meta.url), {
      workerData: { seed: o.seed, from: o.from, to: o.from + o.inputs, chunk, at },
      // the main thread's stack (about 1 MB), not a worker's 4 MB: depth bugs must show as they would in relayer run
      resourceLimits: { stackSizeMb: 1 },
    });
    let timer = setTimeout(hang, o.hangMs);
    function hang(): void {
      const i = Atomics.load(at, 0);
      report.hangs++;
      report.findings.push({
        kind: 'hang',
        target: 'engine',
        index: i,
        message: `no progress within ${o.hangMs} ms in inputs ${i}..${i + chunk - 1}`,
        input: `relayer sim fuzz --seed ${o.seed} --from ${i} --inputs ${chunk}`,
      });
      void w.terminate().then(() => finish());
    }
    function finish(): void {
      clearTimeout(timer);
      report.ms = Math.round(performance.now() - t0);
      resolve(report);
    }
    w.on('message', (m: { end?: true; done: number; findings: Finding[]; slowestMs: number; slowestIndex: number }) => {
      if (m.end) {
        void w.terminate().then(() => finish());
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(hang, o.hangMs);
      report.inputs += m.done;
      report.findings.push(...m.findings);
      if (m.slowestMs > report.slowestMs) {
        report.slowestMs = m.slowestMs;
        report.slowestIndex = m.slowestIndex;
      }
      onProgress(report.inputs);
    });
    w.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
