// The decision context of one command: decide reads state and emits events through it; each
// emitted event is applied with evolve at once, because later decisions in the same command
// (a tick's next fill, the pool in the next settlement) depend on its effect (SPEC §12).
import type { EventEnvelope, EventMap, EventType, RejectedData } from './events.js';
import { evolve, evolveHead } from './evolve.js';
import type { State } from './state.js';
import type { ReasonCode, RejectStatus } from './types.js';
import { isoTime } from './util/iso-time.js';
import { marketNamespaceBytes } from './market.js';
import { mintedUuid } from './util/uuid.js';

export interface RejectRefs {
  order_id?: string | null;
  account_id?: string | null;
  order_type?: string | null;
}

export class Ctx {
  readonly out: EventEnvelope[] = [];
  private minted = 0;
  private iso: string | null = null;

  constructor(
    readonly state: State,
    readonly id: string,
    readonly ts: number,
    readonly command: string | null,
  ) {}

  emit<K extends EventType>(type: K, data: EventMap[K]): void {
    const env = { v: 1, seq: this.state.seq + 1, ts: this.ts, cmd: this.id, type, data } as EventEnvelope;
    evolve(this.state, env);
    this.out.push(env);
  }

  /**
   * Emits an event whose own effect the rule applies itself (the closing events' live path,
   * evolve.ts D261): only what every event does (seq, clock, dedupe, expiry) is applied here.
   */
  emitApplied<K extends EventType>(type: K, data: EventMap[K]): void {
    const env = { v: 1, seq: this.state.seq + 1, ts: this.ts, cmd: this.id, type, data } as EventEnvelope;
    evolveHead(this.state, env);
    this.out.push(env);
  }

  reject(status: RejectStatus, code: ReasonCode, reason: string, refs: RejectRefs = {}, originalSeq?: number): void {
    const data: RejectedData = {
      command: this.command,
      status,
      reason_code: code,
      reason,
      order_id: refs.order_id ?? null,
      account_id: refs.account_id ?? null,
      order_type: refs.order_type ?? null,
    };
    if (originalSeq !== undefined) data.original_seq = originalSeq;
    this.emit('Rejected', data);
  }

  private peeked: string | null = null;

  /** The uuid the next accepted create would mint (§12: only an accepted create mints). */
  peekUuid(): string {
    this.peeked ??= mintedUuid(this.id, this.minted, marketNamespaceBytes(this.state.config.market));
    return this.peeked;
  }

  mintUuid(): string {
    const u = this.peekUuid();
    this.peeked = null;
    this.minted++;
    return u;
  }

  /** `timestamp` fields: the command's ts as ISO-8601 UTC. */
  time(): string {
    this.iso ??= isoTime(this.ts);
    return this.iso;
  }
}
