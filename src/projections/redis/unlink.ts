// Deleting every key that matches a pattern, SCAN by SCAN (never KEYS: it blocks Redis).
import type { Redis } from 'ioredis';

export async function unlinkMatching(db: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await db.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) n += await db.unlink(...keys);
  } while (cursor !== '0');
  return n;
}
