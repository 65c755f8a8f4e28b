// The column image of a state (snapshot body codec 2, D245): the same content as the canonical
// lines with the feed clock (snapshot.ts), laid out as typed columns so saving and loading a
// million orders costs no JSON per order. Layout, little-endian:
//   u8 layout version, u32 header length, header JSON (stateHeader with the clock, no closed_ts),
//   orders: uuid, account_id (strings); position_type, order_status, order_type (u8 enums);
//     the 17 numeric fields in SPEC §3 order (f64); timestamp (string); close_limit_price,
//     stop_loss_price, take_profit_price (nullable f64); sltp_on_fill (u8 flags, sl f64, tp f64),
//   closed: uuid, account (strings), status (u8), closed_ts (f64),
//   lends: one JSON array (few),
//   seen: id (string), seq, ts (f64),
//   u32 end mark.
// A numeric column is [u8 0][n × f64] or [u8 1][f64] when every value has the same bits; a nullable
// one adds a presence byte per row. A string column is the strings joined as one UTF-8 block with
// their UTF-16 lengths ([u8 0][u32 length] when all are as long), or a JSON array when one holds a
// lone surrogate (UTF-8 cannot carry it). Rows keep the state's iteration orders, which the state
// hash and forgetting depend on; decoding rebuilds through the same paths as decodeState.
import { cloneLend } from './orders/record.js';
import { applyHeader, OrderLoader, stateHeader, type StateHeader } from './snapshot.js';
import { emptyState, type State } from './state.js';
import type { EngineConfig, LendOrder, TraderOrder, TraderStatus } from './types.js';

const LAYOUT_VERSION = 1;
const END_MARK = 0x454e4453; // "SDNE" read little-endian: the body ends where its header says

const POSITION_TYPES = ['LONG', 'SHORT'] as const;
const ORDER_TYPES = ['MARKET', 'LIMIT'] as const;
const STATUSES: readonly TraderStatus[] = ['PENDING', 'FILLED', 'SETTLED', 'CANCELLED', 'LIQUIDATE'];

/** The always-present numeric fields of a trader order, in SPEC §3 order. */
const NUMERIC = [
  'entryprice',
  'execution_price',
  'positionsize',
  'leverage',
  'initial_margin',
  'available_margin',
  'bankruptcy_price',
  'bankruptcy_value',
  'maintenance_margin',
  'liquidation_price',
  'unrealized_pnl',
  'settlement_price',
  'entry_nonce',
  'exit_nonce',
  'entry_sequence',
  'fee_filled',
  'fee_settled',
] as const satisfies readonly (keyof TraderOrder)[];
const NULLABLE = ['close_limit_price', 'stop_loss_price', 'take_profit_price'] as const satisfies readonly (keyof TraderOrder)[];

const SURROGATE = /[\uD800-\uDFFF]/;
/** Typed arrays use the host's byte order: on a little-endian host a column is copied whole. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

class Writer {
  private buf: Uint8Array;
  private view: DataView;
  at = 0;

  /** `estimate`: the expected size, so a large image is not copied as it grows. */
  constructor(estimate: number) {
    this.buf = new Uint8Array(Math.max(1 << 16, estimate));
    this.view = new DataView(this.buf.buffer);
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(x: number): void {
    this.room(1);
    this.buf[this.at++] = x;
  }

  u32(x: number): void {
    this.room(4);
    this.view.setUint32(this.at, x, true);
    this.at += 4;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  u8s(values: Uint8Array): void {
    this.u32(values.length);
    this.bytes(values);
  }

  f64s(values: Float64Array): void {
    const n = values.length;
    // constant when every value has the first one's bits (-0 is not 0; one NaN is another)
    const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
    let same = n > 0;
    if (same) {
      const lo = words[0]!;
      const hi = words[1]!;
      for (let i = 2; i < 2 * n; i += 2) {
        if (words[i] !== lo || words[i + 1] !== hi) {
          same = false;
          break;
        }
      }
    }
    if (same) {
      this.u8(1);
      this.room(8);
      this.view.setFloat64(this.at, values[0]!, true);
      this.at += 8;
      return;
    }
    this.u8(0);
    this.room(8 * n);
    if (LITTLE_ENDIAN) {
      this.buf.set(new Uint8Array(values.buffer, values.byteOffset, 8 * n), this.at);
      this.at += 8 * n;
      return;
    }
    const v = this.view;
    let at = this.at;
    for (let i = 0; i < n; i++, at += 8) v.setFloat64(at, values[i]!, true);
    this.at = at;
  }

  strings(values: string[]): void {
    const joined = values.join('');
    if (SURROGATE.test(joined)) {
      this.u8(1);
      const json = new TextEncoder().encode(JSON.stringify(values));
      this.u32(json.length);
      this.bytes(json);
      return;
    }
    this.u8(0);
    const n = values.length;
    let same = true;
    for (let i = 1; i < n && same; i++) same = values[i]!.length === values[0]!.length;
    if (same) {
      this.u8(0);
      this.u32(n === 0 ? 0 : values[0]!.length);
    } else {
      this.u8(1);
      const lengths = Uint32Array.from(values, (v) => v.length);
      if (LITTLE_ENDIAN) this.bytes(new Uint8Array(lengths.buffer));
      else for (let i = 0; i < n; i++) this.u32(lengths[i]!);
    }
    const utf8 = new TextEncoder().encode(joined);
    this.u32(utf8.length);
    this.bytes(utf8);
  }

  /** The image in a buffer of its own (so the store can move it to its worker instead of cloning). */
  done(): Uint8Array {
    return this.at === this.buf.length ? this.buf : this.buf.slice(0, this.at);
  }
}

class Reader {
  private readonly view: DataView;
  at = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new Error('state columns are truncated');
  }

  u8(): number {
    this.need(1);
    return this.buf[this.at++]!;
  }

  u32(): number {
    this.need(4);
    const x = this.view.getUint32(this.at, true);
    this.at += 4;
    return x;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }

  /** The next `n` bytes copied into an aligned buffer of their own (the input may be a Buffer view). */
  copy(n: number): ArrayBuffer {
    const out = new Uint8Array(n);
    out.set(this.buf.subarray(this.at, this.at + n));
    return out.buffer;
  }

  u8s(n: number): Uint8Array {
    if (this.u32() !== n) throw new Error('state columns: a byte column has the wrong length');
    return this.bytes(n);
  }

  f64s(n: number): Float64Array {
    const mode = this.u8();
    if (mode === 1) {
      this.need(8);
      const out = new Float64Array(n).fill(this.view.getFloat64(this.at, true));
      this.at += 8;
      return out;
    }
    if (mode !== 0) throw new Error(`state columns: unknown number column mode ${mode}`);
    this.need(8 * n);
    if (LITTLE_ENDIAN) {
      const out = new Float64Array(this.copy(8 * n));
      this.at += 8 * n;
      return out;
    }
    const out = new Float64Array(n);
    const v = this.view;
    let at = this.at;
    for (let i = 0; i < n; i++, at += 8) out[i] = v.getFloat64(at, true);
    this.at = at;
    return out;
  }

  strings(n: number): string[] {
    const mode = this.u8();
    if (mode === 1) {
      const values = JSON.parse(new TextDecoder().decode(this.bytes(this.u32()))) as string[];
      if (!Array.isArray(values) || values.length !== n) throw new Error('state columns: a string column has the wrong length');
      return values;
    }
    if (mode !== 0) throw new Error(`state columns: unknown string column mode ${mode}`);
    const lengths = new Uint32Array(n);
    const lenMode = this.u8();
    if (lenMode === 0) lengths.fill(this.u32());
    else if (LITTLE_ENDIAN) {
      this.need(4 * n);
      lengths.set(new Uint32Array(this.copy(4 * n)));
      this.at += 4 * n;
    } else for (let i = 0; i < n; i++) lengths[i] = this.u32();
    const joined = new TextDecoder('utf-8', { fatal: true }).decode(this.bytes(this.u32()));
    const out = new Array<string>(n);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const end = at + lengths[i]!;
      out[i] = joined.slice(at, end);
      at = end;
    }
    if (at !== joined.length) throw new Error('state columns: a string column has the wrong length');
    return out;
  }
}

function code<T>(table: readonly T[], value: T): number {
  const k = table.indexOf(value);
  if (k < 0) throw new Error(`state columns: ${String(value)} has no code`);
  return k;
}

function setNullable(c: { present: Uint8Array; values: Float64Array }, i: number, v: number | null): void {
  if (v === null) return;
  c.present[i] = 1;
  c.values[i] = v;
}

function enumOf<T>(table: readonly T[], code: number, what: string): T {
  const v = table[code];
  if (v === undefined) throw new Error(`state columns: unknown ${what} code ${code}`);
  return v;
}

/** The column image of a state (with its feed clock and close times, as a snapshot needs). */
export function encodeColumns(state: State): Uint8Array {
  // about what a resting order takes (22 number columns, flags, strings), closed orders and ids
  const w = new Writer(state.orders.size * 270 + state.closed.size * 100 + state.seen.size * 64 + 4096);
  w.u8(LAYOUT_VERSION);
  const head = new TextEncoder().encode(JSON.stringify(stateHeader(state, true, false)));
  w.u32(head.length);
  w.bytes(head);

  // one pass over the orders, each field named (a keyed load by a variable name would be
  // megamorphic, and every pass over a million scattered objects costs its cache misses)
  const n = state.orders.size;
  const uuid = new Array<string>(n);
  const account = new Array<string>(n);
  const ts = new Array<string>(n);
  const side = new Uint8Array(n);
  const status = new Uint8Array(n);
  const type = new Uint8Array(n);
  const num = NUMERIC.map(() => new Float64Array(n));
  const [entryprice, execution_price, positionsize, leverage, initial_margin, available_margin] = num;
  const [bankruptcy_price, bankruptcy_value, maintenance_margin, liquidation_price, unrealized_pnl, settlement_price] = num.slice(6);
  const [entry_nonce, exit_nonce, entry_sequence, fee_filled, fee_settled] = num.slice(12);
  const nullable = NULLABLE.map(() => ({ present: new Uint8Array(n), values: new Float64Array(n) }));
  const [close, stop, take] = nullable;
  const legFlags = new Uint8Array(n);
  const sl = new Float64Array(n);
  const tp = new Float64Array(n);
  let i = 0;
  for (const o of state.orders.values()) {
    uuid[i] = o.uuid;
    account[i] = o.account_id;
    ts[i] = o.timestamp;
    side[i] = code(POSITION_TYPES, o.position_type);
    status[i] = code(STATUSES, o.order_status);
    type[i] = code(ORDER_TYPES, o.order_type);
    entryprice![i] = o.entryprice;
    execution_price![i] = o.execution_price;
    positionsize![i] = o.positionsize;
    leverage![i] = o.leverage;
    initial_margin![i] = o.initial_margin;
    available_margin![i] = o.available_margin;
    bankruptcy_price![i] = o.bankruptcy_price;
    bankruptcy_value![i] = o.bankruptcy_value;
    maintenance_margin![i] = o.maintenance_margin;
    liquidation_price![i] = o.liquidation_price;
    unrealized_pnl![i] = o.unrealized_pnl;
    settlement_price![i] = o.settlement_price;
    entry_nonce![i] = o.entry_nonce;
    exit_nonce![i] = o.exit_nonce;
    entry_sequence![i] = o.entry_sequence;
    fee_filled![i] = o.fee_filled;
    fee_settled![i] = o.fee_settled;
    setNullable(close!, i, o.close_limit_price);
    setNullable(stop!, i, o.stop_loss_price);
    setNullable(take!, i, o.take_profit_price);
    // sltp_on_fill: bit 0 present, bit 1 sl set, bit 2 tp set
    const legs = o.sltp_on_fill;
    if (legs !== null) {
      legFlags[i] = 1 | (legs.sl === null ? 0 : 2) | (legs.tp === null ? 0 : 4);
      sl[i] = legs.sl ?? 0;
      tp[i] = legs.tp ?? 0;
    }
    i++;
  }
  w.strings(uuid);
  w.strings(account);
  w.u8s(side);
  w.u8s(status);
  w.u8s(type);
  for (const c of num) w.f64s(c);
  w.strings(ts);
  for (const c of nullable) {
    w.u8s(c.present);
    w.f64s(c.values);
  }
  w.u8s(legFlags);
  w.f64s(sl);
  w.f64s(tp);

  const closed = [...state.closed.entries()];
  w.strings(closed.map(([uuid]) => uuid));
  w.strings(closed.map(([, c]) => c.account_id));
  w.u8s(Uint8Array.from(closed, ([, c]) => code(STATUSES, c.status)));
  w.f64s(Float64Array.from(closed, ([, c]) => c.closed_ts));

  const lends = new TextEncoder().encode(JSON.stringify([...state.lends.values()]));
  w.u32(lends.length);
  w.bytes(lends);

  const seen = [...state.seen.entries()];
  w.strings(seen.map(([id]) => id));
  w.f64s(Float64Array.from(seen, ([, seq]) => seq));
  w.f64s(Float64Array.from(seen, ([, , ts]) => ts));
  w.u32(END_MARK);
  return w.done();
}

/** Rebuilds a state from its column image: the state decodeState builds from its snapshot lines. */
export function decodeColumns(data: Uint8Array, config: Partial<EngineConfig> = {}): State {
  const r = new Reader(data);
  const layout = r.u8();
  if (layout !== LAYOUT_VERSION) throw new Error(`state columns layout ${layout} is not known to this binary (${LAYOUT_VERSION})`);
  let header: StateHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(r.bytes(r.u32()))) as StateHeader;
  } catch (e) {
    throw new Error(`state columns: the header cannot be read (${(e as Error).message})`);
  }
  const state = emptyState(config);
  applyHeader(state, header);
  const c = header.counts;

  const n = c.orders;
  const uuid = r.strings(n);
  const account = r.strings(n);
  const side = r.u8s(n);
  const status = r.u8s(n);
  const type = r.u8s(n);
  const num = NUMERIC.map(() => r.f64s(n));
  const ts = r.strings(n);
  const nullable = NULLABLE.map(() => ({ present: r.u8s(n), values: r.f64s(n) }));
  const legFlags = r.u8s(n);
  const sl = r.f64s(n);
  const tp = r.f64s(n);
  const [entryprice, execution_price, positionsize, leverage, initial_margin, available_margin] = num;
  const [bankruptcy_price, bankruptcy_value, maintenance_margin, liquidation_price, unrealized_pnl, settlement_price] = num.slice(6);
  const [entry_nonce, exit_nonce, entry_sequence, fee_filled, fee_settled] = num.slice(12);
  const [close, stop, take] = nullable;
  const loader = new OrderLoader(state, n);
  for (let i = 0; i < n; i++) {
    const f = legFlags[i]!;
    // one literal in TraderOrder's key order: one hidden class, like every live order
    loader.add({
      uuid: uuid[i]!,
      account_id: account[i]!,
      position_type: enumOf(POSITION_TYPES, side[i]!, 'position_type'),
      order_status: enumOf(STATUSES, status[i]!, 'order_status'),
      order_type: enumOf(ORDER_TYPES, type[i]!, 'order_type'),
      entryprice: entryprice![i]!,
      execution_price: execution_price![i]!,
      positionsize: positionsize![i]!,
      leverage: leverage![i]!,
      initial_margin: initial_margin![i]!,
      available_margin: available_margin![i]!,
      timestamp: ts[i]!,
      bankruptcy_price: bankruptcy_price![i]!,
      bankruptcy_value: bankruptcy_value![i]!,
      maintenance_margin: maintenance_margin![i]!,
      liquidation_price: liquidation_price![i]!,
      unrealized_pnl: unrealized_pnl![i]!,
      settlement_price: settlement_price![i]!,
      entry_nonce: entry_nonce![i]!,
      exit_nonce: exit_nonce![i]!,
      entry_sequence: entry_sequence![i]!,
      fee_filled: fee_filled![i]!,
      fee_settled: fee_settled![i]!,
      close_limit_price: close!.present[i] === 0 ? null : close!.values[i]!,
      stop_loss_price: stop!.present[i] === 0 ? null : stop!.values[i]!,
      take_profit_price: take!.present[i] === 0 ? null : take!.values[i]!,
      sltp_on_fill: f === 0 ? null : { sl: (f & 2) === 0 ? null : sl[i]!, tp: (f & 4) === 0 ? null : tp[i]! },
    });
  }
  loader.finish();

  const k = c.closed;
  const closedUuid = r.strings(k);
  const closedAccount = r.strings(k);
  const closedStatus = r.u8s(k);
  const closedTs = r.f64s(k);
  state.closed.reserve(k);
  for (let i = 0; i < k; i++) state.closed.add(closedUuid[i]!, closedAccount[i]!, enumOf(STATUSES, closedStatus[i]!, 'closed status'), closedTs[i]!);

  const lends = JSON.parse(new TextDecoder().decode(r.bytes(r.u32()))) as LendOrder[];
  if (!Array.isArray(lends) || lends.length !== c.lends) throw new Error('state columns: the lend orders do not match the header');
  for (const raw of lends) {
    const l = cloneLend(raw);
    state.lends.set(l.uuid, l);
    state.lend_by_account.set(l.account_id, l.uuid);
  }

  const m = c.seen;
  const ids = r.strings(m);
  const seqs = r.f64s(m);
  const times = r.f64s(m);
  state.seen.reserve(m);
  for (let i = 0; i < m; i++) state.seen.remember(ids[i]!, seqs[i]!, times[i]!, Infinity);
  if (r.u32() !== END_MARK || r.at !== data.length) throw new Error('state columns: the body does not end where its header says');
  if (state.orders.size !== c.orders || state.closed.size !== c.closed || state.seen.size !== c.seen) {
    throw new Error('state columns: record counts do not match the header');
  }
  return state;
}
