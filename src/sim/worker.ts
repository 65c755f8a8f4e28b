// A worker thread of `relayer sim --jobs N`: simulates the seeds it is sent, one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { runSeed, type CampaignOptions } from './campaign.js';

const o = workerData as Omit<CampaignOptions, 'seeds' | 'jobs' | 'loop'>;
parentPort!.on('message', (seed: number) => {
  void runSeed(seed, o).then((r) => parentPort!.postMessage(r));
});
