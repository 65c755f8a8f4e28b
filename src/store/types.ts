// The storage contract both backends implement (DESIGN §4): an ordered input log, an event log
// whose batches commit atomically with the input position they consumed, failed requests and
// snapshots. Positions are opaque, ordered strings (an inbox row number, a Kafka offset).

export interface InputRecord {
  position: string;
  /** Stamped by the log on append; the engine's only clock. */
  ts: number;
  raw: string;
}

export interface StoredEvent {
  seq: number;
  ts: number;
  cmd: string;
  type: string;
  account: string | null;
  line: string;
  hash: string;
}

export interface FailedRecord {
  position: string;
  ts: number;
  id: string | null;
  reason_code: string;
  reason: string;
  raw: string;
}

/** State that moves without events (the feed clock), committed with every batch. */
export interface Clock {
  price_ts: number | null;
}

export interface CommitBatch {
  events: StoredEvent[];
  failed: FailedRecord[];
  position: string;
  clock: Clock;
  /** A small JSON status line for `relayer status` (price, pool, risk), written with the batch. */
  summary: string;
}

/**
 * A batch whose events are not yet chained: each head is an event's SPEC §12 body without its
 * `,"prev":…}` tail. The store seals them onto its committed hash inside the commit (off the
 * engine's thread where it commits in a worker).
 */
export interface HeadBatch {
  firstSeq: number;
  count: number;
  /** The heads joined by '\n' (JSON escapes newlines, so none holds one). */
  heads: string;
  /** Each event's cmd, in seq order. */
  cmds: string[];
  failed: FailedRecord[];
  position: string;
  clock: Clock;
  summary: string;
}

export interface Committed {
  seq: number;
  hash: string;
  position: string | null;
  clock: Clock | null;
  summary: string | null;
}

export interface SnapshotInfo {
  id: string;
  seq: number;
  position: string | null;
  created_ts: number;
  state_hash: string;
  checksum: string;
  version: number;
  size: number;
}

export interface AppendResult {
  position: string;
  ts: number;
}

export interface CommandSource {
  /** Up to `max` records after `after` (null = from the start); may wait up to `waitMs` for the first. */
  read(after: string | null, max: number, waitMs: number): Promise<InputRecord[]>;
  /** The newest position appended, for lag. */
  head(): Promise<string | null>;
  /** Appends raw command texts; the log stamps ts (DESIGN §3). */
  append(raws: readonly string[]): Promise<AppendResult[]>;
}

export interface EventStore {
  commit(batch: CommitBatch): Promise<void>;
  /**
   * Optional pipelined commit of unsealed heads: resolves to the last hash once durable. The loop
   * starts the next commit only after the previous one resolved, and may decide meanwhile.
   */
  commitHeads?(batch: HeadBatch): Promise<string>;
  /**
   * Optional: the loop hands a decided batch over before the previous commit resolved, so a store
   * that seals in a worker starts chaining it meanwhile; commitHeads(batch) still decides when it
   * is written (after the previous one is durable).
   */
  prepareHeads?(batch: HeadBatch): void;
  /**
   * commit() may be left running while the engine decides the next batch (async I/O): the loop
   * never starts a commit before the previous one resolved, and never idles with one in flight.
   */
  readonly overlapsCommits?: boolean;
  lastCommitted(): Promise<Committed>;
  readEvents(fromSeq: number, max: number): Promise<StoredEvent[]>;
  /** Optional lean read for replay: [seq, line, hash] rows. */
  readLines?(fromSeq: number, max: number): Promise<[number, string, string][]>;
  /** The committed events of one command (empty until its batch commits). */
  eventsOf(cmd: string): Promise<StoredEvent[]>;
  /** How many failed-request records exist. */
  failedCount(): Promise<number>;
}

/** A snapshot's state body to pack (compress, checksum), store, then keep the newest `keep`. */
export interface ImageRequest {
  meta: { seq: number; last_hash: string; state_hash: string; lines: number; input_position: string | null };
  created_ts: number;
  /** The engine's column image (snapshot body codec 2, D245); codec 1 (canonical lines) is read only. */
  raw: Buffer;
  keep: number;
}

export interface SnapshotStore {
  saveSnapshot(info: Omit<SnapshotInfo, 'id' | 'size'>, data: Buffer): Promise<SnapshotInfo>;
  /** Newest first. */
  listSnapshots(): Promise<SnapshotInfo[]>;
  loadSnapshot(id: string): Promise<Buffer>;
  pruneSnapshots(keep: number): Promise<number>;
  /**
   * Optional: packs and stores an image of the canonical lines and prunes, off the engine thread
   * and queued behind the commits sent before it (embedded).
   */
  saveSnapshotImage?(req: ImageRequest): Promise<SnapshotInfo>;
}

/**
 * Positions are decimal strings of increasing integers on both backends (inbox row numbers; offsets
 * of the single request partition), so tools may compare them numerically.
 */
export interface Backend extends CommandSource, EventStore, SnapshotStore {
  readonly name: string;
  close(): Promise<void>;
}
