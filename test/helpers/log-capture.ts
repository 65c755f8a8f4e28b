// A pino logger whose lines a test can read back (what a command said, and at which level).
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../src/infra/logger.js';

export function capturedLogger(level: string): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino(
    { level },
    new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    }),
  );
  return { log, lines };
}
