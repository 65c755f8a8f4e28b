// The text of a frame, as lines of styled segments: header chips, the four panes, the status
// line and the help. Pure functions of (model, ui, size), so every row count is exact and the
// components only turn segments into Ink <Text>.
import * as f from './format.js';
import type { BookModel, Level, LiqLevel } from './model.js';
import type { FeedItem, FeedKind } from './store.js';
import { PANES, type PaneName, type UiState } from './ui.js';

export interface Seg {
  text: string;
  color?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
}
export type Line = Seg[];

/** How the follower is doing, shown in the status line. */
export interface FollowStatus {
  /** Where the events come from, e.g. "embedded ./relayer-data". */
  source: string;
  /** Committed events not applied yet. */
  behind: number;
  /** Frames drawn per second over the last second. */
  fps: number;
  /** Feed items that arrived while the feed was paused. */
  paused_new: number;
  /** Still applying the log after the snapshot. */
  loading: boolean;
  /** Set when the source failed; the screen keeps the last model. */
  error: string | null;
  /** A one-shot frame (--once, not a terminal): no key hints. */
  once?: boolean;
}

const seg = (text: string, style: Omit<Seg, 'text'> = {}): Seg => ({ text, ...style });
const width = (l: Line): number => l.reduce((n, s) => n + s.text.length, 0);

/** Cuts a line to `w` columns. */
export function clip(l: Line, w: number): Line {
  const out: Line = [];
  let left = w;
  for (const s of l) {
    if (left <= 0) break;
    if (s.text.length <= left) {
      out.push(s);
      left -= s.text.length;
    } else {
      out.push({ ...s, text: s.text.slice(0, left) });
      left = 0;
    }
  }
  return out;
}

/** Packs chips into lines of at most `w` columns, three spaces apart. */
function pack(chips: Line[], w: number): Line[] {
  const lines: Line[] = [];
  let cur: Line = [];
  for (const chip of chips) {
    if (chip.length === 0) continue;
    const need = width(chip) + (cur.length > 0 ? 3 : 0);
    if (cur.length > 0 && width(cur) + need > w) {
      lines.push(cur);
      cur = [];
    }
    if (cur.length > 0) cur.push(seg('   '));
    cur.push(...chip);
  }
  if (cur.length > 0) lines.push(cur);
  return lines.map((l) => clip(l, w));
}

// ---- header -------------------------------------------------------------------------------

const STATUS_BG = { HEALTHY: 'green', CLOSE_ONLY: 'yellow', HALT: 'red' } as const;

export function headerLines(m: BookModel, w: number, market = 'BTC-USD'): Line[] {
  const mk = m.market;
  const right = `seq ${f.int(m.seq)} · ${m.last_ts > 0 ? `${f.clock(m.last_ts)} UTC` : 'no events'}`;
  const title: Line = [
    seg(' relayer book ', { bg: 'blue', color: 'white', bold: true }),
    seg(` ${market} inverse perpetual  `),
    seg(` ${mk.status}${mk.reason === null ? '' : ` · ${mk.reason}`} `, {
      bg: STATUS_BG[mk.status],
      color: mk.status === 'CLOSE_ONLY' ? 'black' : 'white',
      bold: true,
    }),
    seg(' '),
    mk.feed === 'LIVE'
      ? seg(` feed live ${f.age(mk.feed_age_ms)} `, { color: 'green' })
      : seg(` FEED ${mk.feed.replace('_', ' ')}${mk.feed_age_ms === null ? '' : ` ${f.age(mk.feed_age_ms)}`} `, {
          bg: mk.feed === 'STALE' ? 'yellow' : 'red',
          color: mk.feed === 'STALE' ? 'black' : 'white',
          bold: true,
        }),
  ];
  const gap = w - width(title) - right.length;
  const first: Line = gap >= 2 ? [...title, seg(' '.repeat(gap)), seg(right, { dim: true })] : title;
  const lines: Line[] = [...pack([first], w)];
  const alert = alertText(m);
  if (alert !== null) {
    const mild = mk.status === 'CLOSE_ONLY' || (mk.status === 'HEALTHY' && mk.feed === 'STALE');
    lines.push([seg(f.fit(` ■ ${alert} `, w), { bg: mild ? 'yellow' : 'red', color: mild ? 'black' : 'white', bold: true })]);
  }
  lines.push(...pack(marketChips(m), w));
  lines.push(...pack(riskChips(m), w));
  return lines;
}

/** The banner line when trading is restricted: market status first, then the feed. */
export function alertText(m: BookModel): string | null {
  const mk = m.market;
  if (mk.status === 'HALT') {
    return mk.reason === 'POOL_EQUITY_INVALID'
      ? 'HALT — the pool has no equity: no opens, closes, cancels or lend operations'
      : 'HALT — halted by the operator: no opens, closes, cancels or lend operations';
  }
  if (mk.status === 'CLOSE_ONLY') return 'CLOSE ONLY — new positions are refused; closes and cancels are accepted';
  if (mk.feed === 'PAUSED') return 'PRICE FEED PAUSED — trader operations are refused';
  if (mk.feed === 'NO_PRICE') return 'NO PRICE YET — trader operations are refused until the first tick';
  if (mk.feed === 'HALTED') return `PRICE FEED HALTED — no tick for ${f.age(mk.feed_age_ms)}: trader operations are refused until the next tick`;
  if (mk.feed === 'STALE') return `PRICE FEED STALE — no tick for ${f.age(mk.feed_age_ms)}`;
  return null;
}

function marketChips(m: BookModel): Line[] {
  const p = m.price;
  const dirColor = p.direction === 'up' ? 'green' : p.direction === 'down' ? 'red' : undefined;
  const arrow = p.direction === 'up' ? '▲' : p.direction === 'down' ? '▼' : '•';
  const mark: Line = [
    seg('MARK ', { dim: true }),
    seg(f.price(p.mark), { bold: true, color: dirColor }),
    seg(` ${arrow} ${f.signedUsd(p.change)}`, { color: dirColor }),
  ];
  const since: Line =
    p.change_ref === null
      ? []
      : [
          seg(`${f.signedUsd(p.change_ref)} (${f.pct(p.change_ref_pct, 2, true)})`, {
            color: p.change_ref > 0 ? 'green' : p.change_ref < 0 ? 'red' : undefined,
          }),
          seg(` since ${p.ref_ts === null ? 'start' : f.clock(p.ref_ts)} `, { dim: true }),
          seg(f.sparkline(p.history, 20), { color: 'cyan' }),
        ];
  const fu = m.funding;
  const funding: Line = [
    seg('FUNDING ', { dim: true }),
    seg(f.pct(fu.rate, 4, true), { color: fu.rate > 0 ? 'green' : fu.rate < 0 ? 'red' : undefined, bold: true }),
    ...(fu.last_boundary === null
      ? [seg(' no cycle yet', { dim: true })]
      : [seg(` next ${f.countdown(fu.next_in_ms)}`), seg(` every ${fu.period_measured ? '' : '~'}${f.period(fu.period_ms)}`, { dim: true })]),
  ];
  const pool: Line =
    m.pool === null
      ? [seg('POOL ', { dim: true }), seg('none', { color: 'red' })]
      : [
          seg('POOL ', { dim: true }),
          seg('TLV '),
          seg(`${f.btc(m.pool.tlv, 4)} ${m.base}`, { bold: true }),
          seg(' · TPS '),
          seg(f.int(m.pool.tps)),
          seg(' · share '),
          seg(m.pool.share_price === null ? '—' : `${f.decimal(m.pool.share_price, 1)} sats`, { bold: true }),
        ];
  return [mark, since, funding, pool];
}

function riskChips(m: BookModel): Line[] {
  const r = m.risk;
  const used = (x: number | null): Seg =>
    seg(` (${f.pct(x === null ? null : x * 100, 1)})`, {
      color: x !== null && x >= 0.9 ? 'red' : x !== null && x >= 0.7 ? 'yellow' : undefined,
      dim: x === null || x < 0.7,
    });
  return [
    [seg('OI ', { dim: true }), seg(f.btc(r.open_interest), { bold: true }), seg(` / ${f.btc(r.max_open_interest, 2)} ${m.base}`), used(r.oi_used)],
    [
      seg('SKEW ', { dim: true }),
      seg(f.signedBtc(r.net), { bold: true, color: r.net > 0 ? 'green' : r.net < 0 ? 'red' : undefined }),
      seg(` / ±${f.btc(r.max_net, 2)} ${m.base}`),
      used(r.skew_used),
    ],
    [seg('L ', { dim: true }), seg(f.pct(r.long_pct, 1), { color: 'green' }), seg(' · S ', { dim: true }), seg(f.pct(r.short_pct, 1), { color: 'red' })],
    [seg('max new L ', { dim: true }), seg(f.btc(r.max_long)), seg(' · S ', { dim: true }), seg(f.btc(r.max_short)), seg(` ${m.base}`, { dim: true })],
    [seg('legs ', { dim: true }), seg(`SL ${m.legs.total.sl} · TP ${m.legs.total.tp} · CL ${m.legs.total.close}`)],
  ];
}

// ---- panes -------------------------------------------------------------------------------

/** Which panes fit side by side, and their widths: the window of panes that holds the focus. */
export function paneLayout(w: number, focus: PaneName): { pane: PaneName; width: number }[] {
  const k = w >= 170 ? 4 : w >= 130 ? 3 : w >= 80 ? 2 : 1;
  const fi = PANES.indexOf(focus);
  const start = Math.min(Math.floor(fi / k) * k, PANES.length - k);
  const shown = PANES.slice(start, start + k);
  const weight: Record<PaneName, number> = { book: 3, liquidations: 4, feed: 5, risk: 4 };
  const total = shown.reduce((n, p) => n + weight[p], 0);
  let used = 0;
  return shown.map((pane, i) => {
    const pw = i === shown.length - 1 ? w - used : Math.floor((w * weight[pane]) / total);
    used += pw;
    return { pane, width: pw };
  });
}

/** The title line of a pane (inside its border). */
export function paneTitle(pane: PaneName, m: BookModel): Line {
  switch (pane) {
    case 'book':
      return [
        seg('OPEN LIMITS', { bold: true }),
        seg(` $${m.book.step} `, { dim: true }),
        seg(`S ${m.book.short_total.count}`, { color: 'red' }),
        seg(' · '),
        seg(`L ${m.book.long_total.count}`, { color: 'green' }),
      ];
    case 'liquidations':
      return [
        seg('LIQUIDATIONS', { bold: true }),
        seg(` $${m.liquidations.step} `, { dim: true }),
        seg(`S ${m.liquidations.short_total.count}`, { color: 'red' }),
        seg(' · '),
        seg(`L ${m.liquidations.long_total.count}`, { color: 'green' }),
      ];
    case 'feed':
      return [seg('FEED', { bold: true }), seg(' fills · settlements · liquidations · funding', { dim: true })];
    case 'risk':
      return [seg('RISK & POOL', { bold: true })];
    default: {
      const never: never = pane;
      return [seg(String(never))];
    }
  }
}

export function paneLines(pane: PaneName, m: BookModel, w: number, rows: number): Line[] {
  switch (pane) {
    case 'book':
      return ladderLines(m, m.book.short, m.book.long, w, rows, false);
    case 'liquidations':
      return ladderLines(m, m.liquidations.short, m.liquidations.long, w, rows, true);
    case 'feed':
      return feedLines(m.feed, w, rows, m.filter, m.base);
    case 'risk':
      return riskLines(m, w, rows);
    default: {
      const never: never = pane;
      return [[seg(String(never))]];
    }
  }
}

/**
 * A vertical ladder: shorts above the mark (far at the top, nearest just above), the mark line,
 * longs below (nearest first). Liquidation ladders add the distance from the mark.
 */
function ladderLines(m: BookModel, shorts: readonly (Level | LiqLevel)[], longs: readonly (Level | LiqLevel)[], w: number, rows: number, liq: boolean): Line[] {
  if (rows <= 0) return [];
  const head: Line = [
    seg(liq ? ladderRowText('price', 'distance', `size ${m.base}`, '#', w) : ladderRowText('price', null, `size ${m.base}`, '#', w), { dim: true }),
  ];
  const body = rows - 2;
  const up = Math.max(0, Math.floor(body / 2));
  const down = Math.max(0, body - up);
  const topLevels = shorts.slice(0, up);
  const botLevels = longs.slice(0, down);
  const maxSize = Math.max(1, ...topLevels.map((l) => l.size), ...botLevels.map((l) => l.size));
  const row = (l: Level | LiqLevel, color: string, side: 'LONG' | 'SHORT'): Line => {
    const dist = liq ? distanceText(l as LiqLevel, side) : null;
    const text = ladderRowText(f.price(l.price), dist, f.btc(l.size), String(l.count), w);
    const barW = Math.max(0, w - text.length - 1);
    return [seg(text, { color }), seg(' '), seg(f.bar(l.size / maxSize, barW), { color, dim: true })];
  };
  const empty = (what: string): Line => [seg(f.fit(`  ${what}`, w), { dim: true })];
  const top: Line[] = topLevels.map((l) => row(l, 'red', 'SHORT')).reverse();
  if (top.length === 0 && up > 0) top.push(empty(liq ? 'no short positions to liquidate' : 'no short limits'));
  while (top.length < up) top.unshift([]);
  const bot: Line[] = botLevels.map((l) => row(l, 'green', 'LONG'));
  if (bot.length === 0 && down > 0) bot.push(empty(liq ? 'no long positions to liquidate' : 'no long limits'));
  while (bot.length < down) bot.push([]);
  const p = m.price;
  const arrow = p.direction === 'up' ? '▲' : p.direction === 'down' ? '▼' : '•';
  const label = ` ${f.price(p.mark)} ${arrow} `;
  const side = Math.max(0, Math.floor((w - label.length) / 2));
  const markLine: Line = [
    seg('─'.repeat(side), { dim: true }),
    seg(label, { bold: true, color: p.direction === 'up' ? 'green' : p.direction === 'down' ? 'red' : undefined }),
    seg('─'.repeat(Math.max(0, w - side - label.length)), { dim: true }),
  ];
  return [head, ...top, markLine, ...bot].slice(0, rows).map((l) => clip(l, w));
}

function ladderRowText(priceText: string, dist: string | null, size: string, count: string, w: number): string {
  const cols = [f.fit(priceText, 8, true), dist === null ? '' : ` ${f.fit(dist, 15, true)}`, ` ${f.fit(size, 9, true)}`, ` ${f.fit(count, 4, true)}`];
  return f.fit(cols.join(''), Math.min(w, cols.join('').length));
}

function distanceText(l: LiqLevel, side: 'LONG' | 'SHORT'): string {
  if (l.distance === null) return '—';
  const d = side === 'LONG' ? -l.distance : l.distance;
  return `${f.signedUsd(d)} ${f.pct(side === 'LONG' ? -(l.distance_pct ?? 0) : (l.distance_pct ?? 0), 2, true)}`;
}

const KIND_STYLE: Readonly<Record<FeedKind, { label: string; color: string; bold?: boolean }>> = {
  FILL: { label: 'FILL', color: 'cyan' },
  SETTLE: { label: 'SETTLE', color: 'blue' },
  LIQUIDATION: { label: 'LIQ', color: 'red', bold: true },
  FUNDING: { label: 'FUND', color: 'yellow' },
  LEND: { label: 'LEND', color: 'magenta' },
  WITHDRAW: { label: 'WDRAW', color: 'magenta' },
  MARKET: { label: 'MKT', color: 'yellow', bold: true },
};

function feedLines(items: readonly FeedItem[], w: number, rows: number, filter: string | null, base: string): Line[] {
  if (rows <= 0) return [];
  if (items.length === 0) return [[seg(filter === null ? '  nothing yet' : `  nothing for ${filter} in the recent feed`, { dim: true })]];
  return items.slice(0, rows).map((it) => {
    const k = KIND_STYLE[it.kind];
    const side = it.side === null ? ' ' : it.side === 'LONG' ? 'L' : 'S';
    const what = feedWhat(it, base);
    return clip(
      [
        seg(`${f.clock(it.ts)} `, { dim: true }),
        seg(f.fit(k.label, 7), { color: k.color, bold: k.bold }),
        seg(side, { color: it.side === 'LONG' ? 'green' : 'red' }),
        seg(` ${f.fit(it.account ?? '', 12)} `),
        seg(what),
        seg(` ${it.detail}`, { dim: true }),
      ],
      w,
    );
  });
}

function feedWhat(it: FeedItem, base: string): string {
  switch (it.kind) {
    case 'FILL':
      return `${f.btc(it.size ?? 0)} @ ${f.price(it.price)}`;
    case 'SETTLE':
      return `${f.btc(it.size ?? 0)} @ ${f.price(it.price)} pnl ${f.signedSats(it.amount)}`;
    case 'LIQUIDATION':
      return `${f.btc(it.size ?? 0)} @ ${f.price(it.price)} ${f.signedSats(it.amount)}`;
    case 'FUNDING':
      return `@ ${f.price(it.price)}`;
    case 'LEND':
      return `${f.btc(it.size ?? 0)} ${base} in`;
    case 'WITHDRAW':
      return `${f.btc(it.size ?? 0)} ${base} out, ${f.signedSats(it.amount)}`;
    case 'MARKET':
      return it.size === null ? '' : `${f.btc(it.size)} ${base}`;
    default: {
      const never: never = it.kind;
      return String(never);
    }
  }
}

function riskLines(m: BookModel, w: number, rows: number): Line[] {
  const r = m.risk;
  const kv = (k: string, v: string, style: Omit<Seg, 'text'> = {}): Line => clip([seg(f.fit(k, 16), { dim: true }), seg(v, style)], w);
  const fl = m.market.flags;
  const on = Object.entries(fl)
    .filter(([, v]) => v)
    .map(([k]) => k);
  const lines: Line[] = [
    kv('market', `${m.market.status}${m.market.reason === null ? '' : ` (${m.market.reason})`}`, {
      bold: true,
      color: m.market.status === 'HEALTHY' ? 'green' : m.market.status === 'HALT' ? 'red' : 'yellow',
    }),
    kv('price feed', `${m.market.feed} · last tick ${f.age(m.market.feed_age_ms)} ago`),
    kv('flags', on.length === 0 ? 'none' : on.join(', ')),
    kv('long / short', `${f.btc(r.long)} / ${f.btc(r.short)} ${m.base}`),
    kv('pending L / S', `${f.btc(r.pending_long)} / ${f.btc(r.pending_short)} ${m.base}`),
    kv('open interest', `${f.btc(r.open_interest)} of ${f.btc(r.max_open_interest, 2)} ${m.base} (${f.pct(r.oi_used === null ? null : r.oi_used * 100, 1)})`),
    kv('skew (net)', `${f.signedBtc(r.net)} of ±${f.btc(r.max_net, 2)} ${m.base} (${f.pct(r.skew_used === null ? null : r.skew_used * 100, 1)})`),
    kv('utilization', `${f.pct(r.utilization * 100, 2)} of TLV`),
    kv('max position', `${f.btc(r.max_position)} ${m.base}`),
    kv('max new L / S', `${f.btc(r.max_long)} / ${f.btc(r.max_short)} ${m.base}`),
    kv('SL  L / S', `${m.legs.sl.long} / ${m.legs.sl.short}`),
    kv('TP  L / S', `${m.legs.tp.long} / ${m.legs.tp.short}`),
    kv('close L / S', `${m.legs.close.long} / ${m.legs.close.short}`),
    kv('pool TLV', m.pool === null ? 'no pool' : `${f.int(m.pool.tlv)} sats`),
    kv('pool TPS', m.pool === null ? '—' : `${f.int(m.pool.tps)} shares · nonce ${m.pool.nonce}`),
    kv('funding', `${f.pct(m.funding.rate, 5, true)} · last ${m.funding.last_boundary === null ? 'never' : f.clock(m.funding.last_boundary)}`),
    kv('limits α β γ', `${r.params.max_oi_mult} · ${r.params.max_net_mult} · ${r.params.max_position_pct} · lev ≤ ${r.params.max_leverage}`),
    kv(
      'PnL cap (ADL)',
      r.pnl_cap.cap === null
        ? 'off'
        : `${f.btc(r.pnl_cap.cap, 2)} ${m.base} per side (${r.pnl_cap.max_pnl_factor} × TLV) · target ${f.btc(r.pnl_cap.target ?? 0, 2)} ${m.base}`,
    ),
    kv(
      'traders PnL L / S',
      r.pnl_cap.traders_pnl_long === null || r.pnl_cap.traders_pnl_short === null
        ? '—'
        : `${f.btc(r.pnl_cap.traders_pnl_long, 2)} / ${f.btc(r.pnl_cap.traders_pnl_short, 2)} ${m.base}${r.pnl_cap.used === null ? '' : ` · ${f.pct(r.pnl_cap.used * 100, 1)} of the cap`}`,
    ),
    kv('events', `fills ${f.int(m.counts.fills)} · settled ${f.int(m.counts.settlements)} · liq ${f.int(m.counts.liquidations)}`),
  ];
  return lines.slice(0, Math.max(0, rows));
}

// ---- status line and help ------------------------------------------------------------------

export function statusLine(m: BookModel, ui: UiState, st: FollowStatus, w: number): Line {
  if (ui.editing !== null) {
    return clip(
      [seg(' filter account: ', { bold: true }), seg(`${ui.editing}▌`, { color: 'cyan' }), seg('   enter apply · esc cancel · empty clears', { dim: true })],
      w,
    );
  }
  const parts: Line = [
    seg(
      st.once
        ? ` relayer book · ${st.source} · frame at ${f.clock(m.now)} UTC`
        : ` q quit · tab pane · / filter · p pause · [ ] step${ui.markets.length > 1 ? ' · m market' : ''} · ? help`,
      { dim: true },
    ),
  ];
  if (ui.filter !== null) parts.push(seg('  '), seg(` filter ${ui.filter} `, { bg: 'cyan', color: 'black' }));
  if (ui.paused) parts.push(seg('  '), seg(` FEED PAUSED${st.paused_new > 0 ? ` +${f.int(st.paused_new)} new` : ''} `, { bg: 'yellow', color: 'black' }));
  if (st.error !== null) parts.push(seg('  '), seg(` ${st.error} `, { bg: 'red', color: 'white' }));
  const right = `${st.loading ? 'loading… ' : ''}seq ${f.int(m.seq)}${st.behind > 0 ? ` (${f.int(st.behind)} behind)` : ''}${st.once ? '' : ` · ${st.fps.toFixed(0)} fps`} `;
  const gap = w - width(parts) - right.length;
  if (gap > 0) parts.push(seg(' '.repeat(gap)), seg(right, { dim: true }));
  return clip(parts, w);
}

export function helpLines(): Line[] {
  const k = (key: string, what: string): Line => [seg(f.fit(key, 10), { bold: true, color: 'cyan' }), seg(what)];
  return [
    [seg('Keys', { bold: true })],
    k('q', 'quit (exit status 0)'),
    k('tab', 'next pane (shift-tab: previous); narrow terminals show one pane at a time'),
    k('/', 'filter by account: type an account id, enter; empty enter or esc clears'),
    k('p', 'pause / resume the feed (the rest keeps updating)'),
    k('[ ]', 'coarser / finer price buckets; 0: automatic'),
    k('m', 'next market (with several: relayer book --markets, or every registered market)'),
    k('?', 'this help (esc closes)'),
    [],
    [seg('Panes', { bold: true })],
    [
      seg(
        "OPEN LIMITS   resting limit orders by price bucket: shorts above the mark, longs below; size is IM × leverage in the market's base asset (BTC for BTC-USD)",
      ),
    ],
    [seg('LIQUIDATIONS  where open positions liquidate, nearest first, and how far the mark must move')],
    [seg('FEED          fills, settlements, liquidations, funding cycles, lending, market flags; newest first')],
    [seg('RISK & POOL   exposure against the limits of SPEC §6.2, leg counts, pool, funding and flags')],
    [],
    [seg('Header: status HEALTHY / CLOSE_ONLY / HALT; feed LIVE, STALE (> warn), HALTED (> halt), PAUSED', { dim: true })],
  ];
}
