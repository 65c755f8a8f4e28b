// The kafkajs client as the backend uses it: kafkajs's own log lines go to pino at debug level (the
// backend logs what matters itself, once), short kafkajs retries (the backend's own loops wait out
// long outages with backoff), and the error classes the backend acts on.
import kafkajs, { type Kafka, type LogEntry, type RetryOptions } from 'kafkajs';
import type { Logger } from '../../infra/logger.js';
import type { KafkaConfig } from './config.js';
import { FatalError, FencedError, InterruptedError, chain, describeError } from './errors.js';

export { FatalError, FencedError, InterruptedError, describeError };

/** kafkajs retries each request this way before the backend's loop takes over. */
export const KAFKAJS_RETRY: RetryOptions = { retries: 5, initialRetryTime: 100, maxRetryTime: 2000, factor: 0.2, multiplier: 2 };

export function createKafka(cfg: KafkaConfig, log: Logger): Kafka {
  return new kafkajs.Kafka({
    clientId: cfg.clientId,
    brokers: cfg.brokers,
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: KAFKAJS_RETRY,
    logLevel: kafkajs.logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, timestamp: _t, logger: _l, ...extra } = entry.log as unknown as Record<string, unknown>;
      log.debug({ kafkajs: entry.namespace, level: entry.label, ...extra }, String(message));
    },
  });
}

/** Protocol error types that mean another producer with our transactional id took over. */
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);

export function isFenced(e: unknown): boolean {
  for (const c of chain(e)) if (typeof c['type'] === 'string' && FENCED_TYPES.has(c['type'])) return true;
  return false;
}

/** Errors no retry can fix: a missing topic, a record too large, bad configuration. */
const FATAL_TYPES = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_TOPIC_EXCEPTION',
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'UNSUPPORTED_VERSION',
  'INVALID_REQUEST',
  'CORRUPT_MESSAGE',
  'INVALID_CONFIG',
]);

export function errorType(e: unknown): string | null {
  for (const c of chain(e)) if (typeof c['type'] === 'string') return c['type'];
  return null;
}

export function isFatal(e: unknown): boolean {
  if (e instanceof FencedError || e instanceof InterruptedError || e instanceof FatalError) return true;
  const t = errorType(e);
  return t !== null && FATAL_TYPES.has(t);
}

/**
 * A broker that has just restarted answers "does not host this topic-partition" until it has
 * loaded its logs: the topic is missing for good only when that lasts longer than this (D250).
 */
export const UNKNOWN_TOPIC_GRACE_MS = 30_000;

/** Fatal, except a missing topic within its grace window (measured from its first refusal). */
function fatalNow(e: unknown, unknownSince: number | null, now: number, graceMs: number): boolean {
  if (!isFatal(e)) return false;
  return !(errorType(e) === 'UNKNOWN_TOPIC_OR_PARTITION' && unknownSince !== null && now - unknownSince < graceMs);
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 200, maxMs: 5000 };

/**
 * Runs `op` until it succeeds, waiting with exponential backoff (and jitter) between attempts;
 * fatal and fencing errors are thrown at once; `stopped()` ends the waiting (not a first attempt)
 * with InterruptedError.
 */
export async function withRetry<T>(
  what: string,
  op: (attempt: number) => Promise<T>,
  opts: { log: Logger; stopped: () => boolean; backoff?: Backoff; onError?: (e: unknown) => Promise<void> | void; unknownTopicGraceMs?: number },
): Promise<T> {
  const b = opts.backoff ?? DEFAULT_BACKOFF;
  let wait = b.initialMs;
  let since: number | null = null;
  let unknownSince: number | null = null;
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0 && opts.stopped()) throw new InterruptedError(`stopped while ${what}`);
    try {
      const r = await op(attempt);
      if (since !== null) opts.log.warn({ op: what, attempts: attempt + 1, down_ms: Date.now() - since }, 'kafka: broker reachable again, resumed');
      return r;
    } catch (e) {
      if (errorType(e) === 'UNKNOWN_TOPIC_OR_PARTITION') unknownSince ??= Date.now();
      if (fatalNow(e, unknownSince, Date.now(), opts.unknownTopicGraceMs ?? UNKNOWN_TOPIC_GRACE_MS) || isFenced(e)) throw e;
      if (since === null) since = Date.now();
      opts.log.warn({ op: what, attempt: attempt + 1, retry_in_ms: wait, err: describeError(e) }, 'kafka: operation failed, retrying');
      await opts.onError?.(e);
      const until = Date.now() + wait * (0.8 + Math.random() * 0.4);
      while (Date.now() < until) {
        if (opts.stopped()) throw new InterruptedError(`stopped while ${what}`);
        await new Promise((r) => setTimeout(r, Math.min(100, until - Date.now())));
      }
      wait = Math.min(wait * 2, b.maxMs);
    }
  }
}
