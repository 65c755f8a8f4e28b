// pino logs on stderr (stdout stays for data): JSON lines for machines, or one readable line per
// entry when stderr is a terminal (pino-pretty, in process and synchronous, so a crash loses no
// line). RELAYER_LOG_FORMAT=json|pretty overrides the guess.
import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger };

export type LogFormat = 'json' | 'pretty';

export function logFormat(env: NodeJS.ProcessEnv = process.env, tty = process.stderr.isTTY === true): LogFormat {
  const f = env['RELAYER_LOG_FORMAT'];
  if (f === 'json' || f === 'pretty') return f;
  return tty ? 'pretty' : 'json';
}

export function createLogger(level = 'info', name = 'relayer', format: LogFormat = logFormat()): Logger {
  const opts = { name, level, base: { pid: process.pid } };
  if (format === 'json') return pino(opts, pino.destination({ fd: 2, sync: true }));
  return pino(
    opts,
    PinoPretty({
      destination: 2,
      sync: true,
      colorize: process.stderr.isTTY === true && process.env['NO_COLOR'] === undefined,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,name',
      singleLine: true,
    }),
  );
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
