// Worker thread of `relayer exec`: hashes the event chain (SPEC §12) off the engine's thread.
// A batch arrives as bytes (transferred, not copied): UTF-8 items back to back, with a kind and a
// length per item. An event item is its text up to `"prev":"` as the engine thread serialised it;
// the worker appends prev and `"}`, hashes that exact body, and writes the stored line (body with
// `,"hash":"…"` before the final brace). Other items (acks, the summary) are copied as they are.
// The finished bytes go back transferred too, so neither side re-encodes text.
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { KIND_EVENT, type ChainBatch, type ChainDone } from './exec-chain-format.js';

const port = parentPort;
if (port === null) throw new Error('exec-chain-worker must run as a worker thread');
let prev = Buffer.from((workerData as { last: string }).last, 'latin1');
const CLOSE = Buffer.from('"}', 'latin1');
const HASH_OPEN = Buffer.from('","hash":"', 'latin1');
const LINE_END = Buffer.from('"}\n', 'latin1');
/** Bytes an event line adds to its head: prev, `","hash":"`, the hash, `"}\n`. */
const EVENT_EXTRA = 64 + HASH_OPEN.length + 64 + LINE_END.length;

port.on('message', (b: ChainBatch) => {
  const src = Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength);
  let size = 0;
  for (let i = 0; i < b.count; i++) size += b.lengths[i]! + (b.kinds[i] === KIND_EVENT ? EVENT_EXTRA : 1);
  const out = Buffer.allocUnsafeSlow(size);
  let at = 0;
  let off = 0;
  for (let i = 0; i < b.count; i++) {
    const n = b.lengths[i]!;
    const head = src.subarray(off, off + n);
    off += n;
    at += head.copy(out, at);
    if (b.kinds[i] !== KIND_EVENT) {
      out[at++] = 10;
      continue;
    }
    const hex = createHash('sha256').update(head).update(prev).update(CLOSE).digest('hex');
    at += prev.copy(out, at);
    at += HASH_OPEN.copy(out, at);
    prev = Buffer.from(hex, 'latin1');
    at += prev.copy(out, at);
    at += LINE_END.copy(out, at);
  }
  const bytes = new Uint8Array(out.buffer, out.byteOffset, at);
  port.postMessage({ id: b.id, bytes, last: prev.toString('latin1') } satisfies ChainDone, [out.buffer]);
});
