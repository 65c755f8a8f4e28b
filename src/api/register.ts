// POST /register (SPEC §9): self-service client keys, off unless the operator runs
// `relayer api --register`. Body: {account_address, data, signature: {pub_key: {type, value}, signature}}.
//   pub_key.type  "tendermint/PubKeySecp256k1"; value = base64 of the 33-byte compressed key
//   data          the text "relayer-register:<account_address>:<epoch ms>", ms within ±window
//   signature     base64 of the 64-byte compact ECDSA signature (low S) over SHA-256(UTF-8 data)
// The first registration binds the account to its public key (Redis SET NX); later ones must be
// signed by the same key, so nobody can take over an account that registered already. A signature is
// accepted once. The answer holds a new client key bound to that account and its secret (shown once).
// The signature check is @noble/curves' (audited), never our own arithmetic (docs/decisions.md D73).
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { MAX_ID_LENGTH } from '../engine/index.js';
import { RPC, RpcError } from './errors.js';
import type { KeyStore } from './keys.js';

export const SECP256K1_TYPE = 'tendermint/PubKeySecp256k1';

export interface RegisterOptions {
  /** Accepted distance between the time in `data` and the gateway clock. */
  windowMs: number;
  /** Requests per second per key issued this way; null = the gateway default. */
  rate: number | null;
}

const b64 = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64');

const registerBody = z.object({
  account_address: z.string().min(1).max(MAX_ID_LENGTH).describe('the account the key will act for'),
  data: z.string().max(400).describe('"relayer-register:<account_address>:<epoch ms>"'),
  signature: z.object({
    pub_key: z.object({ type: z.literal(SECP256K1_TYPE, { error: `must be "${SECP256K1_TYPE}"` }), value: b64 }),
    signature: b64,
  }),
});

/** The text a client signs. */
export function registerData(account: string, ms: number): string {
  return `relayer-register:${account}:${ms}`;
}

export class Registrar {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeyStore,
    private readonly prefix: string,
    private readonly o: RegisterOptions,
  ) {}

  /** Checks the body and issues a key: {api_key, api_secret, account_id}; RpcError otherwise. */
  async register(raw: unknown, now = Date.now()): Promise<{ api_key: string; api_secret: string; account_id: string }> {
    const r = registerBody.safeParse(raw);
    if (!r.success) {
      throw new RpcError(
        RPC.INVALID_PARAMS,
        `Invalid params: ${r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`,
        undefined,
        400,
      );
    }
    const b = r.data;
    const m = /^relayer-register:(.+):(\d{1,16})$/.exec(b.data);
    if (m === null || m[1] !== b.account_address) {
      throw new RpcError(
        RPC.INVALID_PARAMS,
        'Invalid params: data must be "relayer-register:<account_address>:<epoch ms>" for this account_address',
        undefined,
        400,
      );
    }
    const skew = Number(m[2]) - now;
    if (Math.abs(skew) > this.o.windowMs) {
      throw new RpcError(
        RPC.EXPIRED,
        `the time in data is ${Math.round(skew / 1000)} s from the server clock (allowed ±${this.o.windowMs / 1000} s)`,
        { server_time_ms: now },
        401,
      );
    }
    const pub = Buffer.from(b.signature.pub_key.value, 'base64');
    const sig = Buffer.from(b.signature.signature, 'base64');
    let ok = false;
    try {
      ok = pub.length === 33 && sig.length === 64 && secp256k1.verify(sig, Buffer.from(b.data, 'utf8'), pub);
    } catch {
      ok = false;
    }
    if (!ok)
      throw new RpcError(RPC.BAD_SIGNATURE, 'signature does not verify: secp256k1 ECDSA (compact, low S) over SHA-256(data) with pub_key', undefined, 401);
    const pubHex = pub.toString('hex');
    try {
      const fresh = await this.redis.set(`${this.prefix}register-sig:${sig.toString('hex').slice(0, 64)}`, '1', 'PX', 2 * this.o.windowMs + 5000, 'NX');
      if (fresh === null) throw new RpcError(RPC.REPLAYED, 'this registration was already used; sign a new one with a fresh time', undefined, 401);
      await this.redis.set(`${this.prefix}register:${b.account_address}`, pubHex, 'NX');
      const owner = await this.redis.get(`${this.prefix}register:${b.account_address}`);
      if (owner !== pubHex) throw new RpcError(RPC.FORBIDDEN, 'this account is registered to another public key', undefined, 403);
      const { record, secret } = await this.keys.create({
        role: 'client',
        accounts: [b.account_address],
        label: `register:${pubHex.slice(0, 16)}`,
        rate: this.o.rate,
      });
      return { api_key: record.id, api_secret: secret, account_id: b.account_address };
    } catch (e) {
      if (e instanceof RpcError) throw e;
      throw new RpcError(RPC.UNAVAILABLE, `key store unavailable: ${(e as Error).message}`, undefined, 503);
    }
  }
}
