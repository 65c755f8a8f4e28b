// A small JSON-RPC client for the gateway (node:http, keep-alive), used by the tests, the
// benchmark and as a reference for client authors: body, then v2 signature over datetime + "\n" + body.
import { Agent, request } from 'node:http';
import { sign } from './auth.js';

export interface Credentials {
  key: string;
  secret: string;
  version?: 1 | 2;
}

export interface Reply {
  status: number;
  body: string;
  json: unknown;
}

export class RpcClient {
  readonly agent: Agent;
  private next = 1;

  constructor(
    readonly base: string,
    readonly creds: Credentials | null = null,
    maxSockets = 16,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  /** Sends a raw body with optional headers (no signing); resolves with status and body. */
  raw(path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
    const url = new URL(path, this.base);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown = null;
            try {
              json = text.length > 0 ? JSON.parse(text) : null;
            } catch {
              json = null;
            }
            resolve({ status: res.statusCode ?? 0, body: text, json });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** The auth headers for a body, signed now (or at `datetime`). */
  headers(body: string | Buffer, datetime = Date.now(), creds: Credentials | null = this.creds): Record<string, string> {
    if (creds === null) return {};
    return { 'relayer-api-key': creds.key, signature: sign(creds.secret, body, datetime, creds.version ?? 2), datetime: String(datetime) };
  }

  /** One signed call (signed only when credentials are set). */
  async call(path: string, method: string, params?: unknown): Promise<Reply> {
    const body = JSON.stringify({ jsonrpc: '2.0', id: this.next++, method, ...(params === undefined ? {} : { params }) });
    return this.raw(path, body, this.headers(body));
  }

  /** The result of a call, or throws with the JSON-RPC error. */
  async result<T = unknown>(path: string, method: string, params?: unknown): Promise<T> {
    const r = await this.call(path, method, params);
    const j = r.json as { result?: T; error?: { code: number; message: string } } | null;
    if (j === null || j.error !== undefined)
      throw new Error(`${method}: HTTP ${r.status} ${j?.error !== undefined ? `${j.error.code} ${j.error.message}` : r.body}`);
    return j.result as T;
  }

  close(): void {
    this.agent.destroy();
  }
}
