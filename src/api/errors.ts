// JSON-RPC 2.0 error codes of the gateway (docs/deploy.md lists them for clients). The reserved
// range -32768..-32000 holds the protocol errors; -32001..-32099 are ours. Each request-level
// failure (one that happens before any method runs: auth, size, rate) also has an HTTP status.

export const RPC = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL: -32603,
  /** No relayer-api-key / signature / datetime header on a method that needs them. */
  UNAUTHENTICATED: -32001,
  /** The signature does not match the body (and datetime for v2). */
  BAD_SIGNATURE: -32002,
  /** datetime is missing, malformed or outside the ±window. */
  EXPIRED: -32003,
  /** This (key, signature) pair was already accepted once. */
  REPLAYED: -32004,
  /** The key does not exist or was revoked. */
  KEY_REVOKED: -32005,
  /** The key may not do this: another account's order, a client key on the admin port. */
  FORBIDDEN: -32006,
  /** Too many requests for this key (or this address, on public methods). */
  RATE_LIMITED: -32007,
  /** The request body is larger than the limit. */
  TOO_LARGE: -32008,
  /** The request took longer than the handler timeout. */
  TIMEOUT: -32009,
  /** A backing service (input log, Redis, PostgreSQL) is unreachable. */
  UNAVAILABLE: -32010,
  /** The order does not exist or is not one of this key's accounts' (never says which). */
  NOT_FOUND: -32011,
} as const;

export type RpcCode = (typeof RPC)[keyof typeof RPC];

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** A failure a method or a request check reports to the client; anything else is INTERNAL. */
export class RpcError extends Error {
  constructor(
    readonly code: RpcCode,
    message: string,
    readonly data?: unknown,
    readonly httpStatus = 200,
  ) {
    super(message);
  }

  toObject(): RpcErrorObject {
    return this.data === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, data: this.data };
  }
}

/** HTTP statuses of request-level failures; method-level errors travel in a 200 response. */
export const HTTP_OF: Partial<Record<RpcCode, number>> = {
  [RPC.UNAUTHENTICATED]: 401,
  [RPC.BAD_SIGNATURE]: 401,
  [RPC.EXPIRED]: 401,
  [RPC.REPLAYED]: 401,
  [RPC.KEY_REVOKED]: 401,
  [RPC.FORBIDDEN]: 403,
  [RPC.RATE_LIMITED]: 429,
  [RPC.TOO_LARGE]: 413,
  [RPC.TIMEOUT]: 504,
  [RPC.UNAVAILABLE]: 503,
};

export function requestError(code: RpcCode, message: string, data?: unknown): RpcError {
  return new RpcError(code, message, data, HTTP_OF[code] ?? 400);
}
