// `relayer exec`'s input: stdin split into lines a chunk at a time. infra/lines.ts's readLines
// yields every line through the async generator, a promise and a turn of the microtask queue per
// line; here one await brings a chunk's lines (hundreds) and the loop over them is synchronous (D291).
import type { Readable } from 'node:stream';

/** The lines of a text stream in batches: each batch the whole lines completed by one chunk. */
export async function* lineBatches(input: Readable): AsyncGenerator<string[]> {
  let rest = '';
  input.setEncoding('utf8');
  for await (const chunk of input as AsyncIterable<string>) {
    const text = rest + chunk;
    const lines: string[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      lines.push(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
    if (lines.length > 0) yield lines;
  }
  if (rest.length > 0) yield [rest];
}
