// Printing events and objects: JSON lines with --json (or when piped), readable lines on a TTY.
import Table from 'cli-table3';
import type { StoredEvent } from '../store/types.js';

export function printEvents(events: readonly StoredEvent[], json: boolean): void {
  let out = '';
  for (const e of events) out += `${json ? e.line : describeEvent(e)}\n`;
  process.stdout.write(out);
}

/** Event fields that hold sats (SPEC units); shown as BTC on a terminal, kept as sats in --json. */
const SATS_FIELDS = new Set(['payment', 'withdraw']);

/** Sats as BTC for people: 123456789 → "1.23456789 BTC" (exact for integer sats, 8 decimals otherwise). */
export function btc(sats: number): string {
  if (!Number.isFinite(sats)) return `${sats} sats`;
  if (Number.isSafeInteger(sats)) {
    const abs = Math.abs(sats);
    const whole = Math.floor(abs / 1e8);
    const frac = String(abs % 1e8).padStart(8, '0');
    return `${sats < 0 ? '-' : ''}${whole}.${frac} BTC`;
  }
  return `${(sats / 1e8).toFixed(8)} BTC`;
}

/** One readable line per event: seq, time, type, command and the gist of its data. */
export function describeEvent(e: StoredEvent): string {
  const d = (JSON.parse(e.line) as { data: Record<string, unknown> }).data;
  const order = d['order'] as Record<string, unknown> | undefined;
  const parts: string[] = [];
  if (order) {
    parts.push(`${order['position_type']} ${order['order_type']} ${order['uuid']} acct=${order['account_id']} status=${order['order_status']}`);
    if (typeof order['initial_margin'] === 'number') parts.push(`margin=${btc(order['initial_margin'])}`);
  }
  for (const k of ['price', 'payment', 'close_type', 'reason_code', 'reason', 'funding_rate', 'old_price', 'withdraw', 'by', 'trigger']) {
    const v = d[k];
    if (v === undefined || v === null) continue;
    parts.push(`${k}=${SATS_FIELDS.has(k) && typeof v === 'number' ? btc(v) : typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  const pool = d['pool'] as { total_locked_value?: number } | undefined;
  if (pool?.total_locked_value !== undefined) parts.push(`TLV=${btc(pool.total_locked_value)}`);
  return `${String(e.seq).padStart(8)}  ${new Date(e.ts).toISOString()}  ${e.type.padEnd(26)} ${e.cmd}  ${parts.join(' ')}`;
}

/** A key/value table on a TTY, else `key value` lines. */
export function printRecord(rows: Record<string, unknown>): void {
  if (process.stdout.isTTY) {
    const t = new Table();
    for (const [k, v] of Object.entries(rows)) t.push({ [k]: typeof v === 'string' ? v : JSON.stringify(v) });
    process.stdout.write(`${t.toString()}\n`);
    return;
  }
  let out = '';
  for (const [k, v] of Object.entries(rows)) out += `${k}\t${typeof v === 'string' ? v : JSON.stringify(v)}\n`;
  process.stdout.write(out);
}

export function printJson(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v)}\n`);
}
