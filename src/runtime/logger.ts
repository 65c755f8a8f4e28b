// pino JSON logs on stderr (stdout stays for data).
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = 'info', name = 'relayer'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
