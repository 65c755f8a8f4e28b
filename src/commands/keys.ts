// `relayer keys create|list|revoke`: API keys of the gateway, kept in Redis (src/api/keys.ts).
// The secret is printed once, by create, on stdout; it is never logged and cannot be listed.
import { Redis } from 'ioredis';
import { KeyStore, loadMasterKey, MasterKeyError, type KeyRecord, type Role } from '../api/keys.js';
import { DEFAULT_AUTH_PREFIX } from '../api/reads.js';
import { CliError, usage } from '../errors.js';
import { DEFAULT_REDIS_URL } from './api.js';

export interface KeysOptions {
  redis?: string;
  authPrefix?: string;
  masterKeyFile?: string;
  account?: string[];
  admin?: boolean;
  label?: string;
  rate?: string;
  json?: boolean;
}

async function withStore<T>(opts: KeysOptions, needMaster: boolean, fn: (s: KeyStore) => Promise<T>): Promise<T> {
  let master: Buffer = Buffer.alloc(0);
  if (needMaster) {
    try {
      master = loadMasterKey(opts.masterKeyFile);
    } catch (e) {
      throw new CliError(e instanceof MasterKeyError ? e.message : `cannot read the master key: ${(e as Error).message}`);
    }
  }
  const url = opts.redis ?? process.env['RELAYER_REDIS_URL'] ?? DEFAULT_REDIS_URL;
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 5000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (e) {
    throw new CliError(`cannot reach Redis at ${url}: ${(e as Error).message}`);
  }
  try {
    return await fn(new KeyStore(redis, opts.authPrefix ?? process.env['RELAYER_AUTH_PREFIX'] ?? DEFAULT_AUTH_PREFIX, master));
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

export async function keysCreate(opts: KeysOptions): Promise<void> {
  const role: Role = opts.admin ? 'admin' : 'client';
  const accounts = opts.account ?? [];
  if (role === 'client' && accounts.length === 0) throw usage('a client key needs at least one --account (or use --admin)');
  if (role === 'admin' && accounts.length > 0) throw usage('an admin key is bound to no account: drop --account');
  for (const a of accounts) if (a.length === 0 || a.length > 128) throw usage(`bad account id ${JSON.stringify(a)} (1–128 characters)`);
  let rate: number | null = null;
  if (opts.rate !== undefined) {
    rate = Number(opts.rate);
    if (!Number.isInteger(rate) || rate < 0) throw usage('--rate must be a non-negative integer (requests per second; 0 = unlimited)');
  }
  const { record, secret } = await withStore(opts, true, (s) => s.create({ role, accounts, label: opts.label ?? '', rate }));
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ ...record, secret })}\n`);
  } else {
    process.stdout.write(
      `key     ${record.id}\nsecret  ${secret}\nrole    ${record.role}\n` + `${record.role === 'client' ? `accounts ${record.accounts.join(', ')}\n` : ''}`,
    );
  }
  process.stderr.write('Store the secret now: it is not shown again (relayer keys list shows only its fingerprint).\n');
}

export async function keysList(opts: KeysOptions): Promise<void> {
  const list = await withStore(opts, false, (s) => s.list());
  if (opts.json) {
    for (const k of list) process.stdout.write(`${JSON.stringify(k)}\n`);
    return;
  }
  if (list.length === 0) {
    process.stderr.write('no API keys\n');
    return;
  }
  const rows = list.map((k) => [
    k.id,
    k.role,
    k.revoked_ms === null ? 'active' : `revoked ${iso(k.revoked_ms)}`,
    k.accounts.join(',') || '-',
    k.rate === null ? 'default' : k.rate === 0 ? 'unlimited' : `${k.rate}/s`,
    k.fingerprint,
    iso(k.created_ms),
    k.label,
  ]);
  const head = ['key', 'role', 'state', 'accounts', 'rate', 'fingerprint', 'created', 'label'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${[line(head), ...rows.map(line)].join('\n')}\n`);
}

export async function keysRevoke(id: string, opts: KeysOptions): Promise<void> {
  const r: KeyRecord | null = await withStore(opts, false, (s) => s.revoke(id));
  if (r === null) throw new CliError(`no API key ${id}`);
  if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else process.stdout.write(`revoked ${r.id} at ${iso(r.revoked_ms!)}\n`);
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
