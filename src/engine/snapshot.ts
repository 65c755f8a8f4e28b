// Canonical encoding of state: a header line, then one line per active order, closed order,
// lend order and remembered command id, in their deterministic orders. The same lines feed the
// state hash (without the feed clock) and snapshot files (with it); indices are rebuilt on decode.
import { adoptLive } from './orders/live-order.js';
import { cloneLend } from './orders/record.js';
import { emptyState, type State } from './state.js';
import { indexKey, liquidationKey } from './math.js';
import { legIndex, liqIndex, openIndex, type IndexName } from './triggers/books.js';
import { DEFAULT_CONFIG, type EngineConfig, type LendOrder, TRADER_ORDER_FIELDS, type TraderOrder, type TraderStatus } from './types.js';

const SNAPSHOT_FORMAT = 'relayer-state';
const SNAPSHOT_VERSION = 1;

export interface StateHeader {
  format: string;
  version: number;
  /** The market, present only when it is not BTC-USD (D161: BTC-USD's bytes unchanged). */
  market?: string;
  seq: number;
  last_ts: number;
  price: number | null;
  price_ts?: number | null;
  funding_rate: number;
  funding_boundary?: number | null;
  feed?: State['feed'];
  stale_warned_at?: number | null;
  pool: State['pool'];
  pool_account: string | null;
  fees: State['fees'];
  params: State['params'];
  risk: State['risk'];
  trader_seq: number;
  lend_seq: number;
  ps_long: number;
  ps_short: number;
  counts: { orders: number; closed: number; lends: number; seen: number };
  /** The §12 memory limits, present only when they differ from the defaults (docs/decisions.md D52). */
  limits?: Omit<EngineConfig, 'market'>;
  /**
   * Snapshots only (like price_ts): when each closed order closed, in the order of the `c` rows,
   * as differences from the previous one (the first from 0), so forgetting resumes exactly (D52).
   */
  closed_ts?: number[];
}

function closedTimes(state: State): number[] {
  const out = new Array<number>(state.closed.size);
  let prev = 0;
  let i = 0;
  for (const c of state.closed.values()) {
    out[i++] = c.closed_ts - prev;
    prev = c.closed_ts;
  }
  return out;
}

/** The §12 memory limits of a config (everything but the market), in the config's key order. */
function limitsOf(c: EngineConfig): Omit<EngineConfig, 'market'> {
  const { market: _m, ...limits } = c;
  return limits;
}

function isDefault(c: EngineConfig): boolean {
  return (
    c.dedupe_window_ms === DEFAULT_CONFIG.dedupe_window_ms &&
    c.dedupe_max_ids === DEFAULT_CONFIG.dedupe_max_ids &&
    c.history_window_ms === DEFAULT_CONFIG.history_window_ms &&
    c.history_max_orders === DEFAULT_CONFIG.history_max_orders
  );
}

/**
 * The header record of a state; `withClock` adds the feed clock (snapshots do, the hash does not),
 * `closedTimes` the close times of the closed orders (the line body carries them here; the column
 * body has its own column).
 */
export function stateHeader(state: State, withClock: boolean, closedTimesToo = withClock): StateHeader {
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    ...(state.config.market === DEFAULT_CONFIG.market ? {} : { market: state.config.market }),
    seq: state.seq,
    last_ts: state.last_ts,
    price: state.price,
    ...(withClock ? { price_ts: state.price_ts } : {}),
    funding_rate: state.funding_rate,
    funding_boundary: state.funding_boundary,
    feed: state.feed,
    stale_warned_at: state.stale_warned_at,
    pool: state.pool,
    pool_account: state.pool_account,
    fees: state.fees,
    params: state.params,
    risk: state.risk,
    trader_seq: state.trader_seq,
    lend_seq: state.lend_seq,
    ps_long: state.ps_long,
    ps_short: state.ps_short,
    counts: { orders: state.orders.size, closed: state.closed.size, lends: state.lends.size, seen: state.seen.size },
    ...(isDefault(state.config) ? {} : { limits: limitsOf(state.config) }),
    ...(closedTimesToo && state.closed.size > 0 ? { closed_ts: closedTimes(state) } : {}),
  };
}

/** Yields the canonical lines of a state; `withClock` adds the feed clock (snapshots do, the hash does not). */
export function* encodeState(state: State, withClock: boolean): Generator<string> {
  const header = stateHeader(state, withClock);
  yield JSON.stringify(header);
  for (const o of state.orders.values()) yield `{"o":${JSON.stringify(orderRow(o))}}`;
  // `c` and `s` rows written directly: the bytes JSON.stringify gives, without a wrapper per row
  for (const [uuid, c] of state.closed) yield `{"c":[${JSON.stringify(uuid)},${JSON.stringify(c.account_id)},"${c.status}"]}`;
  for (const l of state.lends.values()) yield JSON.stringify({ l });
  yield* state.seen.lines();
}

/** Rebuilds a state from canonical lines (the inverse of encodeState). */
export function decodeState(lines: Iterable<string>, config: Partial<EngineConfig> = {}): State {
  const state = emptyState(config);
  const orders = new OrderLoader(state);
  let header: StateHeader | null = null;
  let closedAt = 0;
  for (const line of lines) {
    if (line.length === 0) continue;
    // the common records are parsed without their one-key wrapper object
    if (header !== null && line.startsWith('{"o":')) {
      orders.add(orderFromRow(JSON.parse(line.slice(5, -1)) as unknown[]));
      continue;
    }
    if (header !== null && line.startsWith('{"s":')) {
      const [id, seq, ts] = JSON.parse(line.slice(5, -1)) as [string, number, number];
      state.seen.remember(id, seq, ts, Infinity);
      continue;
    }
    const rec = JSON.parse(line) as Record<string, unknown>;
    if (header === null) {
      header = rec as unknown as StateHeader;
      applyHeader(state, header);
      continue;
    }
    if (rec['o'] !== undefined) orders.add(orderFromRow(rec['o'] as unknown[]));
    else if (rec['c'] !== undefined) {
      const [uuid, account_id, status] = rec['c'] as [string, string, TraderStatus];
      // an encoding without close times (the hash form, older snapshots) forgets from its last ts on
      const deltas = header.closed_ts;
      if (deltas !== undefined) closedAt += deltas[state.closed.size]!;
      const closed_ts = deltas === undefined ? header.last_ts : closedAt;
      state.closed.add(uuid, account_id, status, closed_ts);
    } else if (rec['l'] !== undefined) {
      const l = cloneLend(rec['l'] as LendOrder);
      state.lends.set(l.uuid, l);
      state.lend_by_account.set(l.account_id, l.uuid);
    } else if (rec['s'] !== undefined) {
      const [id, seq, ts] = rec['s'] as [string, number, number];
      state.seen.remember(id, seq, ts, Infinity);
    } else throw new Error(`unknown state record ${line.slice(0, 80)}`);
  }
  if (header === null) throw new Error('empty state encoding');
  orders.finish();
  const c = header.counts;
  if (state.orders.size !== c.orders || state.closed.size !== c.closed || state.lends.size !== c.lends || state.seen.size !== c.seen) {
    throw new Error('state encoding is truncated: record counts do not match its header');
  }
  return state;
}

/** Orders are stored as positional rows in SPEC §3's field order (names once), which halves snapshot size. */
const ORDER_FIELDS = TRADER_ORDER_FIELDS;

function orderRow(o: TraderOrder): unknown[] {
  const row = new Array<unknown>(ORDER_FIELDS.length);
  for (let i = 0; i < ORDER_FIELDS.length; i++) row[i] = o[ORDER_FIELDS[i]!];
  return row;
}

/** The inverse of orderRow, as one literal (one hidden class, like every live order). */
function orderFromRow(r: unknown[]): TraderOrder {
  if (r.length !== ORDER_FIELDS.length) throw new Error('order record has the wrong number of fields');
  const legs = r[26] as TraderOrder['sltp_on_fill'];
  return {
    uuid: r[0] as string,
    account_id: r[1] as string,
    position_type: r[2] as TraderOrder['position_type'],
    order_status: r[3] as TraderOrder['order_status'],
    order_type: r[4] as TraderOrder['order_type'],
    entryprice: r[5] as number,
    execution_price: r[6] as number,
    positionsize: r[7] as number,
    leverage: r[8] as number,
    initial_margin: r[9] as number,
    available_margin: r[10] as number,
    timestamp: r[11] as string,
    bankruptcy_price: r[12] as number,
    bankruptcy_value: r[13] as number,
    maintenance_margin: r[14] as number,
    liquidation_price: r[15] as number,
    unrealized_pnl: r[16] as number,
    settlement_price: r[17] as number,
    entry_nonce: r[18] as number,
    exit_nonce: r[19] as number,
    entry_sequence: r[20] as number,
    fee_filled: r[21] as number,
    fee_settled: r[22] as number,
    close_limit_price: r[23] as number | null,
    stop_loss_price: r[24] as number | null,
    take_profit_price: r[25] as number | null,
    sltp_on_fill: legs === null ? null : { sl: legs.sl, tp: legs.tp },
  };
}

/** Reads a header record into a fresh state (checks its format and version first). */
export function applyHeader(state: State, h: StateHeader): void {
  if (h.format !== SNAPSHOT_FORMAT) throw new Error('not a relayer state encoding');
  if (h.version > SNAPSHOT_VERSION) throw new Error(`state encoding version ${h.version} is newer than this binary (${SNAPSHOT_VERSION})`);
  if (h.closed_ts !== undefined && h.closed_ts.length !== h.counts.closed) throw new Error('state encoding: closed_ts does not match the closed orders');
  if (h.limits !== undefined) state.config = { ...DEFAULT_CONFIG, ...h.limits };
  state.config.market = h.market ?? DEFAULT_CONFIG.market;
  state.seq = h.seq;
  state.last_ts = h.last_ts;
  state.price = h.price;
  state.price_ts = h.price_ts ?? (h.price === null ? null : h.last_ts);
  state.funding_rate = h.funding_rate;
  state.funding_boundary = h.funding_boundary ?? null;
  if (h.feed !== undefined) state.feed = { ...h.feed };
  state.stale_warned_at = h.stale_warned_at ?? null;
  state.pool = h.pool === null ? null : { ...h.pool };
  state.pool_account = h.pool_account;
  state.fees = { ...h.fees };
  state.params = { ...h.params };
  state.risk = { ...h.risk };
  state.trader_seq = h.trader_seq;
  state.lend_seq = h.lend_seq;
  state.ps_long = h.ps_long;
  state.ps_short = h.ps_short;
}

/**
 * Adds the active orders of a snapshot with everything indexed on them (account, counts, trigger
 * books). The books are filled once at the end, each sorted in one go (D264): an insert per order
 * searched and shifted its chunk, most of a million-order load's index time.
 */
export class OrderLoader {
  private readonly books = new Map<IndexName, { keys: number[]; seqs: number[]; vals: TraderOrder[] }>();

  constructor(
    private readonly state: State,
    expected = 0,
  ) {
    state.orders.reserve(expected);
    state.trader_by_account.reserve(expected);
  }

  /** `record`, a decoder's own new object, becomes the live order itself (adoptLive: no copy). */
  add(record: TraderOrder): void {
    const state = this.state;
    const hu = state.orders.hash(record.uuid);
    const ha = state.trader_by_account.hash(record.account_id);
    const o = adoptLive(record, hu, ha);
    state.orders.setHashed(o.uuid, o, hu);
    state.trader_by_account.setHashed(o.account_id, o.uuid, ha);
    if (o.order_status === 'PENDING') {
      state.pending_count++;
      this.book(openIndex(o.position_type), indexKey(o.entryprice), o);
      return;
    }
    state.filled_count++;
    const lk = liquidationKey(o.liquidation_price);
    if (lk !== null) this.book(liqIndex(o.position_type), lk, o);
    if (o.close_limit_price !== null) this.book(legIndex('close', o.position_type), indexKey(o.close_limit_price), o);
    if (o.stop_loss_price !== null) this.book(legIndex('sl', o.position_type), indexKey(o.stop_loss_price), o);
    if (o.take_profit_price !== null) this.book(legIndex('tp', o.position_type), indexKey(o.take_profit_price), o);
  }

  /** Builds the trigger books from what was added. */
  finish(): void {
    for (const [name, b] of this.books) this.state.books[name].load(b.keys, b.seqs, b.vals);
    this.books.clear();
  }

  private book(name: IndexName, key: number, o: TraderOrder): void {
    let b = this.books.get(name);
    if (b === undefined) {
      b = { keys: [], seqs: [], vals: [] };
      this.books.set(name, b);
    }
    b.keys.push(key);
    b.seqs.push(o.entry_sequence);
    b.vals.push(o);
  }
}
