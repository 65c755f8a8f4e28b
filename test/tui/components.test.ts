// The book's frames for given states, rendered with ink-testing-library: a populated book, a
// HALT banner, an empty book, narrow terminals, the help, the status line; and keys reaching the
// controller through the root component.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createElement as h } from 'react';
import { render } from 'ink-testing-library';
import { BookApp, plainFrame, stripAnsi } from '../../src/tui/app.js';
import { BookScreen } from '../../src/tui/components.js';
import type { FollowStatus } from '../../src/tui/frame.js';
import { bookModel, type BookModel } from '../../src/tui/model.js';
import { initialUi, onKey, type UiState } from '../../src/tui/ui.js';
import { halt, limitLong, limitShort, marketLong, marketShort, pool, price } from '../helpers/dsl.js';
import { book } from './helpers.js';

const IDLE: FollowStatus = { source: 'test', behind: 0, fps: 10, paused_new: 0, loading: false, error: null };

/** ink-testing-library's terminal is 100 columns wide: frames up to that width render through it. */
function frame(model: BookModel, ui: Partial<UiState> = {}, width = 100, height = 36): string[] {
  assert.ok(width <= 100, 'wider frames: use plainFrame');
  const r = render(h(BookScreen, { model, ui: initialUi(ui), status: IDLE, width, height }));
  const out = stripAnsi(r.lastFrame() ?? '');
  r.unmount();
  return out.split('\n');
}

const busy = () =>
  book(
    pool(),
    price(60_000),
    limitLong({ at: 59_000, im: 20_000, lev: 5, acct: 'bid-1' }),
    limitLong({ at: 59_010, im: 10_000, lev: 5, acct: 'bid-2' }),
    limitShort({ at: 61_000, im: 30_000, lev: 5, acct: 'ask-1' }),
    marketLong({ im: 10_000, lev: 10, acct: 'long-1' }),
    marketShort({ im: 10_000, lev: 10, acct: 'short-1' }),
    price(60_050),
  );
const modelOf = (run: ReturnType<typeof book>, o: Partial<Parameters<typeof bookModel>[1]> = {}): BookModel =>
  bookModel(run.store, { now: run.store.last_ts + 200, depth: 20, step: 50, ...o });

test('a busy book shows the mark, shorts above it and longs below it in both ladders, and the feed', () => {
  const lines = frame(modelOf(busy()));
  const text = lines.join('\n');
  assert.match(text, /HEALTHY/);
  assert.match(text, /feed live 0\.2s/);
  assert.match(text, /MARK 60,050 ▲ \+50/);
  assert.match(text, /OPEN LIMITS \$50 S 1 · L 2/);
  assert.match(text, /LIQUIDATIONS \$50 S 1 · L 1/);
  const row = (re: RegExp): number => lines.findIndex((l) => re.test(l));
  const ask = row(/61,000\s+0\.0015\s+1/);
  const mark = row(/─ 60,050 ▲ ─/);
  const bid = row(/59,000\s+0\.0015\s+2/);
  assert.ok(ask > 0 && mark > ask && bid > mark, `asks above the mark above the bids (rows ${ask}, ${mark}, ${bid})`);
  // SPEC §4 examples A and B: the 10× short liquidates at 66,345.26, the 10× long at 54,766.51
  assert.match(lines[row(/66,300/)] ?? '', /66,300\s+\+6,295 \+10\.48%\s+0\.0010\s+1/, 'the short liquidation level, 6,295 above the mark');
  assert.match(lines[row(/54,800/)] ?? '', /54,800\s+−5,283 −8\.80%\s+0\.0010\s+1/, 'the long liquidation level, 5,283 below the mark');
  assert.ok(row(/66,300/) < mark && row(/54,800/) > mark);
  assert.match(text, /OI 0\.0020 \/ 400\.00 BTC/);
  assert.ok(lines.length <= 36, 'the frame fits the terminal height');
  assert.ok(
    lines.every((l) => l.length <= 100),
    'and its width',
  );
  const feed = frame(modelOf(busy()), { focus: 'feed' }).join('\n');
  assert.match(feed, /FILL\s+S short-1\s+0\.0010 @ 60,000 MARKET/);
  assert.match(feed, /FILL\s+L long-1\s+0\.0010 @ 60,000 MARKET/);
  assert.match(feed, /open interest\s+0\.0020 of 400\.00 BTC/, 'the risk pane sits next to the feed');
});

test('a halted market shows the HALT banner with its reason', () => {
  const halted = book(pool(), price(60_000), limitLong({ at: 59_000, im: 20_000, lev: 5 }), halt({ cancel_pending_limit_orders: true }));
  const text = frame(modelOf(halted)).join('\n');
  assert.match(text, /HALT · MANUAL_HALT/);
  assert.match(text, /■ HALT — halted by the operator: no opens, closes, cancels or lend operations/);
  assert.match(text, /no long limits/);
  assert.match(text, /max new L 0\.0000 · S 0\.0000 BTC/);
  assert.match(frame(modelOf(halted), { focus: 'feed' }).join('\n'), /MKT\s+manual_halt on/);
});

test('an empty book says so in every pane instead of drawing empty ladders', () => {
  const run = book(pool(), price(60_000));
  const text = frame(modelOf(run)).join('\n');
  assert.match(text, /no short limits/);
  assert.match(text, /no long limits/);
  assert.match(text, /no short positions to liquidate/);
  assert.match(text, /no long positions to liquidate/);
  assert.match(text, /OI 0\.0000 \/ 400\.00 BTC/);
  assert.doesNotMatch(text, /■/, 'a healthy market with a live feed has no banner');
  const none = frame(modelOf(book())).join('\n');
  assert.match(none, /HALT · POOL_EQUITY_INVALID/, 'no pool at all is a halt (§6.1)');
  assert.match(none, /FEED NO PRICE/);
  assert.match(frame(modelOf(book()), { focus: 'feed' }).join('\n'), /FEED fills[\s\S]*nothing yet/);
});

test('a stale feed and a close-only market get their banners', () => {
  const run = busy();
  assert.match(frame(modelOf(run, { now: run.store.price_ts! + 12_000 })).join('\n'), /FEED STALE 12\.0s[\s\S]*■ PRICE FEED STALE — no tick for 12\.0s/);
  assert.match(frame(modelOf(run, { now: run.store.price_ts! + 45_000 })).join('\n'), /■ PRICE FEED HALTED — no tick for 45\.0s/);
  run.store.flags.manual_close_only = true;
  assert.match(frame(modelOf(run)).join('\n'), /CLOSE_ONLY · MANUAL_CLOSE_ONLY[\s\S]*■ CLOSE ONLY — new positions are refused/);
});

test('a narrow terminal shows one pane at a time and tab moves through them', () => {
  const m = modelOf(busy());
  let ui = initialUi();
  const titles = (): string => {
    const l = frame(m, ui, 60, 30).join('\n');
    return ['OPEN LIMITS', 'LIQUIDATIONS', 'FEED fills', 'RISK & POOL'].filter((t) => l.includes(t)).join(',');
  };
  assert.equal(titles(), 'OPEN LIMITS');
  ui = onKey(ui, '', { tab: true });
  assert.equal(titles(), 'LIQUIDATIONS');
  ui = onKey(ui, '', { tab: true });
  assert.equal(titles(), 'FEED fills');
  ui = onKey(ui, '', { tab: true });
  assert.equal(titles(), 'RISK & POOL');
  assert.match(frame(m, ui, 60, 30).join('\n'), /open interest\s+0\.0020 of 400\.00 BTC/);
  ui = onKey(ui, '', { tab: true });
  assert.equal(titles(), 'OPEN LIMITS', 'tab wraps around');
  assert.ok(frame(m, ui, 60, 30).every((l) => l.length <= 60));
  const wide = plainFrame(m, 200, 40);
  assert.ok(
    ['OPEN LIMITS', 'LIQUIDATIONS', 'FEED fills', 'RISK & POOL'].every((t) => wide.includes(t)),
    'a wide terminal shows all four panes',
  );
  assert.ok(wide.split('\n').every((l) => l.length <= 200));
});

test('a short terminal shows fewer levels, never more rows than it has', () => {
  const m = modelOf(busy());
  for (const height of [12, 16, 24]) {
    const lines = frame(m, {}, 100, height);
    assert.ok(lines.length <= height, `${lines.length} rows in a ${height}-row terminal`);
  }
});

test('help, the filter prompt, a paused feed and the filter badge show in the frame', () => {
  const m = modelOf(busy());
  assert.match(frame(m, { help: true }).join('\n'), /tab\s+next pane[\s\S]*filter by account/);
  assert.match(frame(m, { editing: 'bid' }).join('\n'), /filter account: bid▌/);
  assert.match(frame(modelOf(busy(), { account: 'bid-1' }), { filter: 'bid-1', paused: true }).join('\n'), /filter bid-1 .*FEED PAUSED/);
});

test('keys pressed in the terminal reach the controller through the root component', async () => {
  const keys: string[] = [];
  const m = modelOf(busy());
  const r = render(
    h(BookApp, {
      model: m,
      ui: initialUi(),
      status: IDLE,
      width: 120,
      height: 30,
      onKey: (input: string, key: { tab?: boolean; return?: boolean }) => keys.push(key.tab ? 'TAB' : key.return ? 'RET' : input),
    }),
  );
  await new Promise((res) => setTimeout(res, 20));
  for (const k of ['?', '\t', '/', 'q']) {
    r.stdin.write(k);
    await new Promise((res) => setTimeout(res, 10));
  }
  r.unmount();
  assert.deepEqual(keys, ['?', 'TAB', '/', 'q']);
});

test('the key reducer: q quits, tab cycles, / edits the filter, p pauses, ? helps, [ ] change the bucket', () => {
  let ui = initialUi();
  assert.equal(onKey(ui, 'q', {}).quit, true);
  assert.equal(onKey(ui, 'c', { ctrl: true }).quit, true);
  assert.equal(onKey(ui, '', { tab: true, shift: true }).focus, 'risk');
  ui = onKey(ui, '/trader-7', {}); // typed quickly: one chunk
  assert.equal(ui.editing, 'trader-7');
  assert.equal(onKey(ui, 'q', {}).quit, false, 'q is a letter while typing a filter');
  ui = onKey(onKey(ui, '', { backspace: true }), '9\r', {});
  assert.deepEqual([ui.editing, ui.filter], [null, 'trader-9']);
  ui = onKey(ui, '', { escape: true });
  assert.equal(ui.filter, null, 'esc clears the filter');
  ui = onKey(ui, 'p', {});
  assert.equal(ui.paused, true);
  assert.equal(onKey(ui, 'p', {}).paused, false);
  ui = onKey(ui, '?', {});
  assert.equal(ui.help, true);
  assert.equal(onKey(ui, '', { escape: true }).help, false);
  assert.equal(onKey(initialUi(), ']', {}, 50).step, 100);
  assert.equal(onKey(initialUi(), '[', {}, 50).step, 25);
  assert.equal(onKey(initialUi({ step: 25 }), '0', {}).step, null);
});

test('a plain-text frame has no escape codes and names its source', () => {
  const text = plainFrame(modelOf(busy()), 120, 30, initialUi(), 'embedded ./data');
  assert.doesNotMatch(text, /\x1b/);
  assert.match(text, /relayer book · embedded \.\/data · frame at/);
  assert.doesNotMatch(text, /q quit/, 'no key hints in a frame nobody can type into');
});
