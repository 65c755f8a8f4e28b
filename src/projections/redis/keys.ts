// The Redis key layout and pub/sub channels of the read model (documented in docs/read-models.md).
// Every name starts with the prefix (default "relayer:") so several read models, or tests, can
// share one Redis.
import type { IndexName } from '../../engine/triggers/books.js';

export { DEFAULT_REDIS_PREFIX } from '../config.js';

/** Layout version stored in <prefix>meta; a newer one is refused. */
export const REDIS_LAYOUT_VERSION = 1;

export class RedisKeys {
  constructor(readonly prefix: string) {}

  get meta(): string {
    return `${this.prefix}meta`;
  }
  get checkpoint(): string {
    return `${this.prefix}checkpoint`;
  }
  get price(): string {
    return `${this.prefix}price`;
  }
  get priceInfo(): string {
    return `${this.prefix}price:info`;
  }
  get fundingRate(): string {
    return `${this.prefix}funding_rate`;
  }
  get funding(): string {
    return `${this.prefix}funding`;
  }
  get pool(): string {
    return `${this.prefix}pool`;
  }
  get risk(): string {
    return `${this.prefix}risk`;
  }
  /** Feed thresholds, the last stale warning and the funding boundary: what the book needs beyond `risk`. */
  get market(): string {
    return `${this.prefix}market`;
  }
  /** The event log's head and committed feed clock as the projector last saw them (not part of a batch). */
  get head(): string {
    return `${this.prefix}head`;
  }
  get trades(): string {
    return `${this.prefix}trades`;
  }
  book(index: IndexName): string {
    return `${this.prefix}book:${index}`;
  }
  order(uuid: string): string {
    return `${this.prefix}order:${uuid}`;
  }
  lend(uuid: string): string {
    return `${this.prefix}lend:${uuid}`;
  }
  accountOrders(account: string): string {
    return `${this.prefix}account:${account}:orders`;
  }
  accountLends(account: string): string {
    return `${this.prefix}account:${account}:lends`;
  }

  get priceChannel(): string {
    return `${this.prefix}ch:price`;
  }
  get tradesChannel(): string {
    return `${this.prefix}ch:trades`;
  }
  get riskChannel(): string {
    return `${this.prefix}ch:risk`;
  }
  ordersChannel(account: string): string {
    return `${this.prefix}ch:orders:${account}`;
  }

  /** A SCAN pattern matching every key of this prefix (glob characters escaped). */
  get pattern(): string {
    return `${this.prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
  }
}

/**
 * Member of a book entry: the entry_sequence zero-padded, a colon, the uuid. Members with equal
 * scores sort by their text in Redis, so the zero-padded sequence keeps the engine's tie order
 * (SPEC §5.3: ascending key, ties by entry_sequence) and ZRANGE lists entries as the engine fires them.
 */
export function bookMember(entrySequence: number, uuid: string): string {
  return `${String(entrySequence).padStart(12, '0')}:${uuid}`;
}

export function memberUuid(member: string): string {
  return member.slice(member.indexOf(':') + 1);
}
