// Read-ahead for recovery: a worker thread with its own read connection fetches the next event
// frames (and brotli-decompresses them) or the next input records while the calling thread evolves
// or re-executes the current ones, so the reading thread does only what the engine needs. Windows
// of seq (or input position) are requested a few ahead; each answer is the frames whose first seq
// (the records whose position) falls in its window, in order. What recovery checks (gaps, the
// hash chain, the catalogue's count) stays on the calling side, the same as without read-ahead.
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { InputRecord } from '../types.js';
import { isAscii } from 'node:buffer';
import { serveCalls, startWorker, WorkerCalls } from '../worker-rpc.js';
import { frameBytes, splitFrame } from './frames.js';

/** Seqs (or input positions) per request, and how many requests are kept in flight. */
const FRAME_WINDOW = 8192;
const INBOX_WINDOW = 4096;
const DEPTH = 3;

type Request = { n: number; frames: [number, number] } | { n: number; inbox: [number, number] };
/** A frame's decompressed bytes, moved (not copied) to the reading thread, and whether they are ASCII. */
type FrameText = [first: number, last: number, bytes: Uint8Array, ascii: boolean];

/** Lines of one frame from seq `first` on (the frame may start before the seq asked for). */
export interface FrameLines {
  first: number;
  lines: string[];
}

/** A request answered after its reader stopped (an error, a target reached) must not go unhandled. */
function settled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

export class ReadAhead {
  private constructor(
    private readonly calls: WorkerCalls,
    private readonly frameStart: (seq: number) => number,
  ) {}

  /** Starts the worker on the database file `file`; `frameStart` finds the frame holding a seq. */
  static async start(file: string, frameStart: (seq: number) => number): Promise<ReadAhead> {
    const worker = await startWorker(fileURLToPath(import.meta.url), { relayerReadAheadFile: file }, 'read-ahead worker');
    return new ReadAhead(new WorkerCalls(worker, 'read-ahead worker'), frameStart);
  }

  /** The frames from the one holding `from` (or the first after it) up to those starting at `to`. */
  async *frames(from: number, to: number): AsyncGenerator<FrameLines> {
    let lo = this.frameStart(from);
    const queue: Promise<FrameText[]>[] = [];
    const ask = (): void => {
      if (lo > to) return;
      queue.push(settled(this.calls.call<FrameText[]>({ frames: [lo, lo + FRAME_WINDOW] })));
      lo += FRAME_WINDOW;
    };
    for (let i = 0; i < DEPTH; i++) ask();
    while (queue.length > 0) {
      const got = await queue.shift()!;
      ask();
      for (const [first, last, bytes, ascii] of got) {
        // ASCII text (the usual line) decodes as latin1: a copy, no UTF-8 validation
        const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(ascii ? 'latin1' : 'utf8');
        yield { first, lines: splitFrame(text, last - first + 1, first) };
      }
    }
  }

  /** The input records after position `after` up to `end`, a window at a time. */
  async *inbox(after: number, end: number): AsyncGenerator<InputRecord[]> {
    let lo = after;
    const queue: Promise<[number, number, string][]>[] = [];
    const ask = (): void => {
      if (lo >= end) return;
      const hi = Math.min(end, lo + INBOX_WINDOW);
      queue.push(settled(this.calls.call<[number, number, string][]>({ inbox: [lo, hi] })));
      lo = hi;
    };
    for (let i = 0; i < DEPTH; i++) ask();
    while (queue.length > 0) {
      const got = await queue.shift()!;
      ask();
      yield got.map(([pos, ts, raw]) => ({ position: String(pos), ts, raw }));
    }
  }

  close(): Promise<void> {
    return this.calls.close();
  }
}

if (!isMainThread && parentPort !== null && (workerData as { relayerReadAheadFile?: string } | null)?.relayerReadAheadFile !== undefined) {
  const file = (workerData as { relayerReadAheadFile: string }).relayerReadAheadFile;
  const open = () => {
    const db = new Database(file, { fileMustExist: true });
    db.pragma('busy_timeout = 10000');
    return {
      db,
      frames: db.prepare(`SELECT first_seq, last_seq, data FROM event_frames WHERE first_seq >= ? AND first_seq < ? ORDER BY first_seq`).raw(),
      inbox: db.prepare(`SELECT pos, ts, raw FROM inbox WHERE pos > ? AND pos <= ? ORDER BY pos`).raw(),
    };
  };
  serveCalls<Request, ReturnType<typeof open>>(
    parentPort,
    open,
    (r, m, transfer) => {
      if ('inbox' in m) return r.inbox.all(m.inbox[0], m.inbox[1]);
      return (r.frames.all(m.frames[0], m.frames[1]) as [number, number, Buffer][]).map(([first, last, data]): FrameText => {
        const bytes = frameBytes(data, first);
        // a buffer that owns its memory is moved; one in a shared pool is copied by the clone
        if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) transfer.push(bytes.buffer);
        return [first, last, bytes, isAscii(bytes)];
      });
    },
    (r) => {
      r.db.close();
    },
  );
}
