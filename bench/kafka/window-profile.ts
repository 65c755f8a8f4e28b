// A CPU profile of the engine's thread over one phase only (the kafka.eos loop), for issue 14's
// "where does the engine thread's time go": `relayer bench kafka` writes it when
// RELAYER_BENCH_PROFILE names a file. A whole-process --cpu-prof mixes in the submit, the raw
// producer and the snapshot phases, which hash and compress too.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

export async function profiled<T>(file: string | undefined, run: () => Promise<T>): Promise<T> {
  if (file === undefined || file === '') return run();
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.start');
  try {
    return await run();
  } finally {
    const { profile } = await s.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    s.disconnect();
  }
}
