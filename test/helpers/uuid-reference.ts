// An independent RFC 4122 version-5 uuid (node:crypto's SHA-1), to check the engine's own against.
import { createHash } from 'node:crypto';

/** SPEC §2's namespace of the uuids minted for orders. */
export const SPEC_NAMESPACE = '6f2b8f0e-6c1a-4c4e-9a57-3b1d2f6a9e10';

export function uuidv5(name: string, namespace: string): string {
  const h = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
