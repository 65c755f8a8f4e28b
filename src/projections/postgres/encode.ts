// Row values as PostgreSQL text: COPY's text format for catch-up, SQL literals for the small
// INSERT transactions of live mode. Both come from the same Row arrays.
import type { Row, TableSpec, Value } from './tables.js';
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
