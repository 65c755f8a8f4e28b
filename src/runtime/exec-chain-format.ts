// What `relayer exec`'s engine thread and its chain worker exchange (exec-chain.ts, exec-chain-worker.ts).

/** An item that is an event's text up to `"prev":"`, to be chained; other items are whole lines. */
export const KIND_EVENT = 1;
export const KIND_LINE = 0;

/** Items back to back as UTF-8 in `bytes`, with each one's length and kind. */
export interface ChainBatch {
  id: number;
  bytes: Uint8Array;
  lengths: Int32Array;
  kinds: Uint8Array;
  count: number;
}

/** The finished lines of a batch and the chain head after it. */
export interface ChainDone {
  id: number;
  bytes: Uint8Array;
  last: string;
}
