// The Kafka backend's own errors, importable without loading kafkajs (relayer run checks them).

/** Every error in a kafkajs cause chain. */
export function* chain(e: unknown): Generator<Record<string, unknown>> {
  let cur = e;
  for (let i = 0; i < 8 && typeof cur === 'object' && cur !== null; i++) {
    yield cur as Record<string, unknown>;
    cur = (cur as { cause?: unknown }).cause;
  }
}

/** One line for logs: the innermost useful message. */
export function describeError(e: unknown): string {
  const parts: string[] = [];
  for (const c of chain(e)) {
    const m = typeof c['message'] === 'string' ? c['message'] : String(c);
    if (!parts.includes(m)) parts.push(m);
  }
  return parts.join(': ') || String(e);
}

/** This engine's transactional id was taken over by another producer: stop, never retry. */
export class FencedError extends Error {
  override readonly name = 'FencedError';
  constructor(
    readonly transactionalId: string,
    cause: unknown,
  ) {
    super(
      `fenced: another relayer run took over transactional id '${transactionalId}' (${describeError(cause)}); ` +
        'this engine stopped without committing its current batch',
    );
  }
}

/** A condition no waiting fixes (a missing topic, a corrupt log). */
export class FatalError extends Error {}

/** The backend was asked to stop while it was waiting for the broker. */
export class InterruptedError extends Error {}
