// Snapshots on the compacted snapshot topic, with a local file cache.
//
// A snapshot is its data cut into chunk records (key "<id>#<i>") followed by one catalogue record
// (key "<id>", JSON: the SnapshotInfo plus chunk count, SHA-256 and the offset of chunk 0); the
// engine writes them in one transaction, so a reader sees all of it or none. Pruning writes
// tombstones for every key, which compaction then removes.
//
// Listing must not download every snapshot each time, so the cache directory keeps an index: the
// catalogue entries seen and the offset scanned up to. Each listing reads only the records after
// that offset, and stores the chunks it passes as cache files on the way, so a record is fetched
// once per machine. Loading takes the cache file when its SHA-256 matches, else the chunks from
// the topic (starting at the catalogue's offset of chunk 0).
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Message } from 'kafkajs';
import type { Logger } from '../../infra/logger.js';
import type { SnapshotInfo } from '../types.js';
import { safeName } from './config.js';
import { scan } from './scan.js';
import type { Fetched, RecordReader } from './ports.js';

export const CHUNK_BYTES = 768 * 1024;

export interface CatalogueEntry extends SnapshotInfo {
  chunks: number;
  sha256: string;
  first_offset: number;
}

interface Index {
  v: 1;
  topic: string;
  scanned: number;
  entries: Record<string, CatalogueEntry>;
}

/**
 * Sends groups of messages to the snapshot topic in order (the engine: in one transaction), then
 * the group `last` builds from the base offsets of those; returns the base offset of every group.
 */
export type Produce = (groups: Message[][], last?: (offsets: number[]) => Message[]) => Promise<number[]>;

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export class SnapshotLog {
  private index: Index;
  private readonly indexFile: string;

  constructor(
    private readonly fetcher: RecordReader,
    private readonly topic: string,
    private readonly dir: string,
    private readonly log: Logger,
    /** Names snapshots (`<seq>-<ms base 36>`); the simulation's clock keeps runs the same. */
    private readonly now: () => number = Date.now,
  ) {
    this.indexFile = join(dir, 'index.json');
    this.index = this.readIndex();
  }

  private readIndex(): Index {
    try {
      const i = JSON.parse(readFileSync(this.indexFile, 'utf8')) as Index;
      if (i.v === 1 && i.topic === this.topic && typeof i.scanned === 'number') return i;
    } catch {
      /* no or unreadable index: start over */
    }
    return { v: 1, topic: this.topic, scanned: 0, entries: {} };
  }

  private writeIndex(): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.indexFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.index));
    renameSync(tmp, this.indexFile);
  }

  private file(id: string, ext: 'snap' | 'part'): string {
    return join(this.dir, `${safeName(id)}.${ext}`);
  }

  /** Writes the data then the catalogue record; the cache keeps a copy. */
  async save(info: Omit<SnapshotInfo, 'id' | 'size'>, data: Buffer, produce: Produce): Promise<SnapshotInfo> {
    const id = `${info.seq}-${this.now().toString(36)}`;
    const n = Math.max(1, Math.ceil(data.length / CHUNK_BYTES));
    const groups: Message[][] = [];
    for (let i = 0; i < n; i++) {
      groups.push([
        { key: `${id}#${i}`, value: data.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES), headers: { snapshot: id, chunk: String(i), chunks: String(n) } },
      ]);
    }
    const entry: CatalogueEntry = { ...info, id, size: data.length, chunks: n, sha256: sha(data), first_offset: -1 };
    const offsets = await produce(groups, (chunkOffsets) => {
      entry.first_offset = chunkOffsets[0]!;
      return [{ key: id, value: JSON.stringify(entry), headers: { kind: 'snapshot' } }];
    });
    const catalogueOffset = offsets[offsets.length - 1]!;
    mkdirSync(this.dir, { recursive: true });
    // written asynchronously: the engine's thread stores images the snapshot worker built (D221)
    await writeFile(`${this.file(id, 'snap')}.tmp`, data);
    renameSync(`${this.file(id, 'snap')}.tmp`, this.file(id, 'snap'));
    this.index.entries[id] = entry;
    // skip our own records on the next scan when nothing else was written between them
    if (this.index.scanned === offsets[0] && catalogueOffset === offsets[0]! + n) this.index.scanned = catalogueOffset + 1;
    this.writeIndex();
    const { chunks: _c, sha256: _s, first_offset: _f, ...plain } = entry;
    return plain;
  }

  /** Newest first. */
  async list(): Promise<SnapshotInfo[]> {
    await this.catchUp();
    return Object.values(this.index.entries)
      .sort((a, b) => b.seq - a.seq || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0))
      .map(({ chunks: _c, sha256: _s, first_offset: _f, ...plain }) => plain);
  }

  /** Reads the snapshot topic from the index's offset to its end, caching chunks on the way. */
  private async catchUp(): Promise<void> {
    const { start, end } = await this.fetcher.bounds(this.topic);
    let from = this.index.scanned;
    if (from > end) {
      // the topic was recreated: forget everything
      this.index = { v: 1, topic: this.topic, scanned: 0, entries: {} };
      from = 0;
    }
    from = Math.max(from, start);
    if (from >= end) return;
    const parts = new Map<string, number>(); // id → chunks appended to its .part file
    mkdirSync(this.dir, { recursive: true });
    const reached = await scan(
      this.fetcher,
      this.topic,
      from,
      (recs: Fetched[]) => {
        for (const r of recs) this.onRecord(r, parts);
      },
      { end },
    );
    for (const id of parts.keys()) rmSync(this.file(id, 'part'), { force: true });
    this.index.scanned = reached;
    this.writeIndex();
  }

  private onRecord(r: Fetched, parts: Map<string, number>): void {
    const key = r.key?.toString('utf8') ?? '';
    const hash = key.indexOf('#');
    if (hash >= 0) {
      if (r.value === null) return;
      const id = key.slice(0, hash);
      const i = Number(key.slice(hash + 1));
      if (existsSync(this.file(id, 'snap'))) return;
      const have = parts.get(id) ?? 0;
      if (i === 0) {
        writeFileSync(this.file(id, 'part'), r.value);
        parts.set(id, 1);
        return;
      }
      if (i !== have) {
        parts.delete(id);
        rmSync(this.file(id, 'part'), { force: true });
        return;
      }
      appendFileSync(this.file(id, 'part'), r.value);
      parts.set(id, have + 1);
      return;
    }
    if (key === '') return;
    if (r.value === null) {
      // tombstone
      delete this.index.entries[key];
      rmSync(this.file(key, 'snap'), { force: true });
      return;
    }
    let entry: CatalogueEntry;
    try {
      entry = JSON.parse(r.value.toString('utf8')) as CatalogueEntry;
    } catch {
      return;
    }
    if (typeof entry.seq !== 'number' || typeof entry.sha256 !== 'string') return;
    this.index.entries[key] = entry;
    if (parts.get(key) === entry.chunks) {
      const part = this.file(key, 'part');
      if (statSync(part).size === entry.size && sha(readFileSync(part)) === entry.sha256) renameSync(part, this.file(key, 'snap'));
      parts.delete(key);
    }
  }

  async load(id: string): Promise<Buffer> {
    let entry = this.index.entries[id];
    if (entry === undefined) {
      await this.catchUp();
      entry = this.index.entries[id];
    }
    if (entry === undefined) throw new Error(`no snapshot ${id}`);
    const cached = this.file(id, 'snap');
    if (existsSync(cached)) {
      const b = readFileSync(cached);
      if (b.length === entry.size && sha(b) === entry.sha256) return b;
      this.log.warn({ snapshot: id }, 'cached snapshot does not match its catalogue entry; reading it from Kafka');
    }
    const chunks: (Buffer | undefined)[] = new Array(entry.chunks);
    let got = 0;
    const { start } = await this.fetcher.bounds(this.topic);
    await scan(this.fetcher, this.topic, Math.max(start, entry.first_offset), (recs) => {
      for (const r of recs) {
        const key = r.key?.toString('utf8') ?? '';
        if (!key.startsWith(`${id}#`) || r.value === null) continue;
        const i = Number(key.slice(id.length + 1));
        if (chunks[i] === undefined) {
          chunks[i] = r.value;
          got++;
        }
      }
      return got < entry.chunks;
    });
    if (got < entry.chunks) throw new Error(`snapshot ${id} has ${got} of ${entry.chunks} chunks on ${this.topic}`);
    const data = Buffer.concat(chunks as Buffer[]);
    if (sha(data) !== entry.sha256) throw new Error(`snapshot ${id}: data does not match its SHA-256`);
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(`${cached}.tmp`, data);
    renameSync(`${cached}.tmp`, cached);
    return data;
  }

  /** Keeps the newest `keep`; tombstones the rest on the topic and drops their cache files. */
  async prune(keep: number, produce: Produce): Promise<number> {
    const all = await this.list();
    const old = all.slice(keep);
    if (old.length === 0) return 0;
    const tombstones: Message[] = [];
    for (const s of old) {
      const e = this.index.entries[s.id];
      tombstones.push({ key: s.id, value: null });
      for (let i = 0; i < (e?.chunks ?? 0); i++) tombstones.push({ key: `${s.id}#${i}`, value: null });
    }
    await produce([tombstones]);
    for (const s of old) {
      delete this.index.entries[s.id];
      rmSync(this.file(s.id, 'snap'), { force: true });
    }
    this.writeIndex();
    return old.length;
  }
}
