// Row values for PostgreSQL: COPY's binary format for catch-up (numbers travel as IEEE doubles and
// 64-bit integers, so neither side converts them to text), its text format for tools, and SQL
// literals for the small INSERT transactions of live mode. All come from the same Row arrays.
import type { ColType, Row, TableSpec, Value } from './tables.js';
import { quote } from './tables.js';

const COPY_SPECIAL = /[\\\n\r\t\0]/;
const COPY_SPECIAL_G = /[\\\n\r\t\0]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\uFFFD' };

function num(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`cannot store the non-finite number ${v}`);
  return v === 0 ? '0' : String(v);
}

/** One value in COPY text format (\N is NULL). Text cannot hold NUL: it becomes U+FFFD. */
export function copyValue(v: Value): string {
  if (v === null) return '\\N';
  if (typeof v === 'number') return num(v);
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return COPY_SPECIAL.test(v) ? v.replace(COPY_SPECIAL_G, (c) => COPY_ESCAPES[c]!) : v;
}

export function copyRows(rows: readonly Row[]): string {
  let out = '';
  for (const r of rows) {
    let line = copyValue(r[0]!);
    for (let i = 1; i < r.length; i++) line += `\t${copyValue(r[i]!)}`;
    out += `${line}\n`;
  }
  return out;
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const TWO_32 = 4_294_967_296;

/** Rows in COPY's binary format (header, tuples, trailer), typed by the table's column types. */
export function copyBinary(rows: readonly Row[], types: readonly ColType[]): Buffer {
  const n = types.length;
  // size it in one go: 4-byte length + 8 bytes per number, the characters of each string
  let size = SIGNATURE.length + 8 + 2 + rows.length * 2;
  for (const r of rows) {
    if (r.length !== n) throw new Error(`row has ${r.length} values for ${n} columns`);
    for (let i = 0; i < n; i++) {
      const v = r[i];
      size += typeof v === 'string' ? 4 + v.length : 12;
    }
  }
  const w = new BinaryWriter(size + (size >> 4) + 64);
  w.header();
  for (const r of rows) {
    w.int16(n);
    for (let i = 0; i < n; i++) {
      const v = r[i]!;
      if (v === null) {
        w.int32(-1);
        continue;
      }
      switch (types[i]!) {
        case 'float8':
          w.float8(v);
          break;
        case 'int8':
          w.int8(v);
          break;
        case 'int4':
          w.int4(v);
          break;
        case 'bool':
          w.bool(v);
          break;
        default:
          w.text(v);
          break;
      }
    }
  }
  w.int16(-1);
  return w.done();
}

class BinaryWriter {
  private buf: Buffer;
  private view: DataView;
  private off = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  private room(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n));
    this.buf.copy(next, 0, 0, this.off);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  header(): void {
    this.room(SIGNATURE.length + 8);
    SIGNATURE.copy(this.buf, 0);
    this.off = SIGNATURE.length;
    this.int32(0); // flags
    this.int32(0); // header extension length
  }

  int16(v: number): void {
    this.room(2);
    this.view.setInt16(this.off, v);
    this.off += 2;
  }
  int32(v: number): void {
    this.room(4);
    this.view.setInt32(this.off, v);
    this.off += 4;
  }

  float8(v: Value): void {
    if (typeof v !== 'number') throw new Error(`expected a number, got ${typeof v}`);
    this.room(12);
    this.view.setInt32(this.off, 8);
    this.view.setFloat64(this.off + 4, v === 0 ? 0 : v);
    this.off += 12;
  }

  int8(v: Value): void {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Error(`expected a safe integer, got ${String(v)}`);
    const hi = Math.floor(v / TWO_32);
    this.room(12);
    this.view.setInt32(this.off, 8);
    this.view.setInt32(this.off + 4, hi);
    this.view.setUint32(this.off + 8, v - hi * TWO_32);
    this.off += 12;
  }

  int4(v: Value): void {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`expected an integer, got ${String(v)}`);
    this.room(8);
    this.view.setInt32(this.off, 4);
    this.view.setInt32(this.off + 4, v);
    this.off += 8;
  }

  bool(v: Value): void {
    if (typeof v !== 'boolean') throw new Error(`expected a boolean, got ${typeof v}`);
    this.room(5);
    this.view.setInt32(this.off, 1);
    this.buf[this.off + 4] = v ? 1 : 0;
    this.off += 5;
  }

  /** text and json: UTF-8 bytes; text cannot hold NUL, which becomes U+FFFD. */
  text(v: Value): void {
    if (typeof v !== 'string') throw new Error(`expected a string, got ${typeof v}`);
    const n = v.length;
    if (n <= 64) {
      // short strings (ids, names, statuses) are nearly always ASCII: copy the char codes
      this.room(4 + n);
      const buf = this.buf;
      const at = this.off + 4;
      let i = 0;
      for (; i < n; i++) {
        const c = v.charCodeAt(i);
        if (c >= 128 || c === 0) break;
        buf[at + i] = c;
      }
      if (i === n) {
        this.view.setInt32(this.off, n);
        this.off = at + n;
        return;
      }
    }
    const s = v.includes('\0') ? v.replace(/\0/g, '\uFFFD') : v;
    if (this.off + 4 + s.length * 3 > this.buf.length) this.room(4 + Buffer.byteLength(s, 'utf8'));
    const len = this.buf.write(s, this.off + 4, 'utf8');
    this.view.setInt32(this.off, len);
    this.off += 4 + len;
  }

  done(): Buffer {
    return this.buf.subarray(0, this.off);
  }
}

/** One value as an SQL literal (standard_conforming_strings on: backslashes are plain). */
export function literal(v: Value): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') return num(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  let s = v;
  if (s.includes("'")) s = s.replace(/'/g, "''");
  if (s.includes('\0')) s = s.replace(/\0/g, '\uFFFD');
  return `'${s}'`;
}

export function columnList(spec: TableSpec): string {
  return spec.columns.map(quote).join(', ');
}

/** INSERT … VALUES … [ON CONFLICT …] for a few rows. */
export function insertSql(spec: TableSpec, rows: readonly Row[]): string {
  const values = rows.map((r) => `(${r.map(literal).join(', ')})`).join(',\n');
  return `INSERT INTO ${spec.name} (${columnList(spec)}) VALUES ${values}${conflict(spec)}`;
}

export function conflict(spec: TableSpec): string {
  return spec.upsert === undefined ? '' : ` ON CONFLICT (${spec.upsert.key.map(quote).join(', ')}) DO UPDATE SET ${spec.upsert.set}`;
}

/** Identifier quoting for a schema name given by the operator. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
