// Request authentication (SPEC §9): headers `relayer-api-key`, `signature`, `datetime` (ms).
// v2 (recommended): signature = hex HMAC-SHA256(secret, datetime + "\n" + raw body).
// v1 (SPEC's legacy form, accepted unless --no-v1): hex HMAC-SHA256(secret, raw body); because the
// datetime is not signed, a v1 signature is remembered much longer (default 24 h) so a captured
// request cannot come back with a fresh datetime header — the guard of SPEC §11 Q6.
// After the signature checks out, one Redis script checks revocation, counts the key's rate window
// and claims the (key, signature) pair, atomically; the checks of one event-loop turn share a call.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Redis } from 'ioredis';
import { RPC, requestError } from './errors.js';
import type { KeyRecord, KeyStore, Role } from './keys.js';

export interface AuthOptions {
  /** Accepted distance between `datetime` and the gateway clock (SPEC: ±30 s). */
  windowMs: number;
  /** Accept v1 (body-only) signatures. */
  v1: boolean;
  /** How long a v1 signature is remembered. */
  v1ReplayTtlMs: number;
  /** Requests per second per key when the key has no own rate; 0 = unlimited. */
  defaultRate: number;
  /** How long a resolved key (secret, role, accounts) is cached in memory. */
  keyCacheMs: number;
}

export const DEFAULT_AUTH: AuthOptions = {
  windowMs: 30_000,
  v1: true,
  v1ReplayTtlMs: 24 * 3_600_000,
  defaultRate: 100,
  keyCacheMs: 60_000,
};

export interface Principal {
  id: string;
  role: Role;
  accounts: ReadonlySet<string>;
  version: 1 | 2;
}

interface CachedKey {
  record: KeyRecord;
  secret: Buffer;
  accounts: ReadonlySet<string>;
  at: number;
}

// One call checks every request authenticated in the same turn of the event loop (one round trip,
// one ioredis command, however many requests). Per request i: KEYS[3i+1..3i+3] = key record, rate
// window, nonce; ARGV[3i+1..3i+3] = rate limit (0 = none), window ms, nonce ttl ms. Returns one code
// per request: 0 accepted, 1 revoked or gone, 2 rate limited, 3 replayed. Atomic as a whole.
const SCRIPT = `
local out = {}
for i = 0, #KEYS / 3 - 1 do
  local r = 0
  local rv = redis.call('HGET', KEYS[3*i+1], 'revoked_ms')
  if rv == false or rv ~= '' then
    r = 1
  else
    local lim = tonumber(ARGV[3*i+1])
    if lim > 0 then
      local n = redis.call('INCR', KEYS[3*i+2])
      if n == 1 then redis.call('PEXPIRE', KEYS[3*i+2], ARGV[3*i+2]) end
      if n > lim then r = 2 end
    end
    if r == 0 and not redis.call('SET', KEYS[3*i+3], '1', 'NX', 'PX', ARGV[3*i+3]) then r = 3 end
  end
  out[i+1] = r
end
return out
`;

type AuthRedis = Redis & { relayerAuth(numKeys: number, ...args: (string | number)[]): Promise<number[]> };

interface Check {
  keys: [string, string, string];
  args: [number, number, number];
  resolve: (r: number) => void;
  reject: (e: Error) => void;
}

/** Groups the Redis checks of one event-loop turn into one script call. */
class CheckBatcher {
  private queue: Check[] = [];
  private scheduled = false;

  constructor(
    private readonly redis: AuthRedis,
    private readonly max = 512,
  ) {}

  check(keys: [string, string, string], args: [number, number, number]): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ keys, args, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.max);
      const keys: string[] = [];
      const args: number[] = [];
      for (const c of batch) {
        keys.push(...c.keys);
        args.push(...c.args);
      }
      this.redis.relayerAuth(keys.length, ...keys, ...args).then(
        (codes) => {
          for (let i = 0; i < batch.length; i++) batch[i]!.resolve(Number(codes[i]));
        },
        (e: Error) => {
          for (const c of batch) c.reject(e);
        },
      );
    }
  }
}

const HEX64 = /^[0-9a-fA-F]{64}$/;
const MS = /^\d{1,16}$/;

export class Authenticator {
  private readonly cache = new Map<string, CachedKey | { missing: true; at: number }>();
  private readonly batcher: CheckBatcher;
  /** Outcome counters by reason (metrics read these). */
  onReject: ((reason: string) => void) | null = null;

  constructor(
    redis: Redis,
    private readonly keys: KeyStore,
    private readonly prefix: string,
    private readonly opts: AuthOptions,
  ) {
    if (typeof (redis as unknown as Partial<AuthRedis>).relayerAuth !== 'function') redis.defineCommand('relayerAuth', { lua: SCRIPT });
    this.batcher = new CheckBatcher(redis as unknown as AuthRedis);
  }

  /** Drops cached keys (tests; `keys revoke` needs no call: revocation is checked in Redis every time). */
  clearCache(): void {
    this.cache.clear();
  }

  async authenticate(headers: IncomingHttpHeaders, body: Buffer, role: Role, now = Date.now()): Promise<Principal> {
    const keyId = header(headers, 'relayer-api-key');
    const sig = header(headers, 'signature');
    const dt = header(headers, 'datetime');
    if (keyId === null || sig === null || dt === null) {
      throw this.reject('unauthenticated', RPC.UNAUTHENTICATED, 'authentication required: send the relayer-api-key, signature and datetime headers');
    }
    if (!MS.test(dt)) throw this.reject('expired', RPC.EXPIRED, 'datetime must be epoch milliseconds');
    const skew = Number(dt) - now;
    if (Math.abs(skew) > this.opts.windowMs) {
      throw this.reject('expired', RPC.EXPIRED, `datetime is ${Math.round(skew / 1000)} s from the server clock (allowed ±${this.opts.windowMs / 1000} s)`, {
        server_time_ms: now,
      });
    }
    if (!HEX64.test(sig)) throw this.reject('bad_signature', RPC.BAD_SIGNATURE, 'signature must be 64 hex characters (HMAC-SHA256)');
    if (keyId.length > 64) throw this.reject('revoked', RPC.KEY_REVOKED, 'unknown or revoked API key');
    const key = await this.lookup(keyId, now);
    if (key === null) throw this.reject('revoked', RPC.KEY_REVOKED, 'unknown or revoked API key');
    if (key.record.role !== role) {
      throw this.reject('forbidden', RPC.FORBIDDEN, role === 'admin' ? 'an admin key is required on the admin port' : 'admin keys work only on the admin port');
    }
    const given = Buffer.from(sig, 'hex');
    let version: 1 | 2;
    if (equal(given, hmac(key.secret, `${dt}\n`, body))) version = 2;
    else if (this.opts.v1 && equal(given, hmac(key.secret, null, body))) version = 1;
    else throw this.reject('bad_signature', RPC.BAD_SIGNATURE, 'signature does not match (v2: HMAC-SHA256(secret, datetime + "\\n" + body), hex)');
    const rate = key.record.rate ?? this.opts.defaultRate;
    const second = Math.floor(now / 1000);
    const ttl = version === 2 ? 2 * this.opts.windowMs + 5_000 : this.opts.v1ReplayTtlMs;
    let r: number;
    try {
      r = await this.batcher.check(
        [this.keys.keyOf(keyId), `${this.prefix}rl:${keyId}:${second}`, `${this.prefix}nonce:${keyId}:${sig.slice(0, 32).toLowerCase()}`],
        [rate, 2_000, ttl],
      );
    } catch (e) {
      throw requestError(RPC.UNAVAILABLE, `authentication store unavailable: ${(e as Error).message}`);
    }
    if (r === 1) {
      this.cache.delete(keyId);
      throw this.reject('revoked', RPC.KEY_REVOKED, 'unknown or revoked API key');
    }
    if (r === 2) throw this.reject('rate_limited', RPC.RATE_LIMITED, `rate limit of ${rate} requests per second exceeded for this key`);
    if (r === 3) throw this.reject('replayed', RPC.REPLAYED, 'this signature was already used (replay); sign each request with a fresh datetime');
    return { id: keyId, role: key.record.role, accounts: key.accounts, version };
  }

  private async lookup(id: string, now: number): Promise<CachedKey | null> {
    const hit = this.cache.get(id);
    if (hit !== undefined && now - hit.at < ('missing' in hit ? Math.min(1000, this.opts.keyCacheMs) : this.opts.keyCacheMs)) {
      return 'missing' in hit ? null : hit;
    }
    let r: Awaited<ReturnType<typeof this.keys.resolve>>;
    try {
      r = await this.keys.resolve(id);
    } catch (e) {
      throw requestError(RPC.UNAVAILABLE, `authentication store unavailable: ${(e as Error).message}`);
    }
    if (r === 'mismatch')
      throw requestError(RPC.UNAVAILABLE, 'this gateway cannot verify the key: its master key differs from the one the key was created with');
    if (r === null || r.record.revoked_ms !== null) {
      if (this.cache.size > 100_000) this.cache.clear();
      this.cache.set(id, { missing: true, at: now });
      return null;
    }
    const entry: CachedKey = { record: r.record, secret: Buffer.from(r.secret, 'utf8'), accounts: new Set(r.record.accounts), at: now };
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(id, entry);
    return entry;
  }

  private reject(reason: string, code: Parameters<typeof requestError>[0], message: string, data?: unknown) {
    this.onReject?.(reason);
    return requestError(code, message, data);
  }
}

function header(h: IncomingHttpHeaders, name: string): string | null {
  const v = h[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.length === 0 ? null : s.trim();
}

function hmac(secret: Buffer, head: string | null, body: Buffer): Buffer {
  const m = createHmac('sha256', secret);
  if (head !== null) m.update(head);
  return m.update(body).digest();
}

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** What a client sends: the v2 (default) or v1 signature of a body. */
export function sign(secret: string, body: string | Buffer, datetime: number | string, version: 1 | 2 = 2): string {
  const m = createHmac('sha256', secret);
  if (version === 2) m.update(`${datetime}\n`);
  return m.update(body).digest('hex');
}
