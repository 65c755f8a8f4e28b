// API keys in Redis. HMAC needs the secret on the verifying side, so a secret cannot be stored as a
// one-way hash and still check signatures. Instead no secret is stored at all: a key's secret is
// derived from the gateway master key (RELAYER_API_MASTER_KEY or a file) and the key's random salt,
// HMAC-SHA256(master, "relayer-api-secret/v1/<key id>/<salt>"). Redis holds the salt, a SHA-256 of
// the secret (so `keys list` can show a fingerprint and the gateway can tell a wrong master key
// from a bad signature), the role, the accounts and the revocation time. `relayer keys create`
// prints the secret once; nothing ever logs it (docs/decisions.md, "API keys").
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

export type Role = 'client' | 'admin';

export interface KeyRecord {
  id: string;
  role: Role;
  /** Accounts a client key may act for (empty for admin keys). */
  accounts: string[];
  label: string;
  created_ms: number;
  revoked_ms: number | null;
  /** Per-key requests per second, or null for the gateway's default. */
  rate: number | null;
  /** First 12 hex of SHA-256(secret), for people. */
  fingerprint: string;
}

interface StoredKey extends KeyRecord {
  salt: string;
  secret_sha256: string;
}

const MIN_MASTER_KEY_LENGTH = 32;

/** The master key from --master-key-file or RELAYER_API_MASTER_KEY (at least 32 characters). */
export function loadMasterKey(file?: string): Buffer {
  let text: string | undefined;
  let where: string;
  if (file !== undefined) {
    text = readFileSync(file, 'utf8');
    where = file;
  } else {
    text = process.env['RELAYER_API_MASTER_KEY'];
    where = 'RELAYER_API_MASTER_KEY';
  }
  const key = (text ?? '').trim();
  if (key.length === 0)
    throw new MasterKeyError('no API master key: set RELAYER_API_MASTER_KEY or pass --master-key-file (create one with: openssl rand -hex 32)');
  if (key.length < MIN_MASTER_KEY_LENGTH)
    throw new MasterKeyError(`the API master key in ${where} is too short (at least ${MIN_MASTER_KEY_LENGTH} characters; openssl rand -hex 32)`);
  return Buffer.from(key, 'utf8');
}

export class MasterKeyError extends Error {}

function deriveSecret(master: Buffer, id: string, salt: string): string {
  return createHmac('sha256', master).update(`relayer-api-secret/v1/${id}/${salt}`).digest('base64url');
}

function sha256hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class KeyStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly master: Buffer,
  ) {}

  keyOf(id: string): string {
    return `${this.prefix}apikey:${id}`;
  }
  private get setKey(): string {
    return `${this.prefix}apikeys`;
  }

  async create(o: { role: Role; accounts: string[]; label?: string; rate?: number | null }): Promise<{ record: KeyRecord; secret: string }> {
    const id = `rk_${randomBytes(12).toString('hex')}`;
    const salt = randomBytes(16).toString('hex');
    const secret = deriveSecret(this.master, id, salt);
    const hash = sha256hex(secret);
    const record: KeyRecord = {
      id,
      role: o.role,
      accounts: o.role === 'admin' ? [] : [...o.accounts],
      label: o.label ?? '',
      created_ms: Date.now(),
      revoked_ms: null,
      rate: o.rate ?? null,
      fingerprint: hash.slice(0, 12),
    };
    await this.redis
      .multi()
      .hset(this.keyOf(id), {
        role: record.role,
        accounts: JSON.stringify(record.accounts),
        label: record.label,
        created_ms: String(record.created_ms),
        revoked_ms: '',
        rate: record.rate === null ? '' : String(record.rate),
        salt,
        secret_sha256: hash,
      })
      .sadd(this.setKey, id)
      .exec();
    return { record, secret };
  }

  async list(): Promise<KeyRecord[]> {
    const ids = (await this.redis.smembers(this.setKey)).sort();
    const out: KeyRecord[] = [];
    for (const id of ids) {
      const r = await this.getStored(id);
      if (r !== null) out.push(publicView(r));
    }
    return out.sort((a, b) => a.created_ms - b.created_ms || a.id.localeCompare(b.id));
  }

  /** Marks a key revoked (kept for the audit trail); false when it does not exist. */
  async revoke(id: string): Promise<KeyRecord | null> {
    const r = await this.getStored(id);
    if (r === null) return null;
    if (r.revoked_ms === null) {
      r.revoked_ms = Date.now();
      await this.redis.hset(this.keyOf(id), 'revoked_ms', String(r.revoked_ms));
    }
    return publicView(r);
  }

  async getStored(id: string): Promise<StoredKey | null> {
    const h = await this.redis.hgetall(this.keyOf(id));
    if (h['role'] === undefined || h['salt'] === undefined) return null;
    return parseStored(id, h);
  }

  /** The key with its secret re-derived, or null when unknown; `mismatch` when the master key is not the one it was made with. */
  async resolve(id: string): Promise<{ record: KeyRecord; secret: string } | null | 'mismatch'> {
    const s = await this.getStored(id);
    if (s === null) return null;
    const secret = deriveSecret(this.master, id, s.salt);
    if (sha256hex(secret) !== s.secret_sha256) return 'mismatch';
    return { record: publicView(s), secret };
  }
}

function parseStored(id: string, h: Record<string, string>): StoredKey {
  let accounts: string[] = [];
  try {
    const a = JSON.parse(h['accounts'] ?? '[]') as unknown;
    if (Array.isArray(a)) accounts = a.filter((x): x is string => typeof x === 'string');
  } catch {
    /* a damaged record binds no account */
  }
  const revoked = h['revoked_ms'] ?? '';
  const rate = h['rate'] ?? '';
  return {
    id,
    role: h['role'] === 'admin' ? 'admin' : 'client',
    accounts,
    label: h['label'] ?? '',
    created_ms: Number(h['created_ms'] ?? 0),
    revoked_ms: revoked === '' ? null : Number(revoked),
    rate: rate === '' ? null : Number(rate),
    fingerprint: (h['secret_sha256'] ?? '').slice(0, 12),
    salt: h['salt'] ?? '',
    secret_sha256: h['secret_sha256'] ?? '',
  };
}

function publicView(s: StoredKey): KeyRecord {
  return {
    id: s.id,
    role: s.role,
    accounts: s.accounts,
    label: s.label,
    created_ms: s.created_ms,
    revoked_ms: s.revoked_ms,
    rate: s.rate,
    fingerprint: s.fingerprint,
  };
}
