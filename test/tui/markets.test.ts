// The book with several markets (D185): `m` cycles the markets, the header names the shown one,
// the key line offers `m` only when there is another market to switch to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createElement as h } from 'react';
import { render } from 'ink-testing-library';
import { stripAnsi } from '../../src/tui/app.js';
import { BookScreen } from '../../src/tui/components.js';
import type { FollowStatus } from '../../src/tui/frame.js';
import { bookModel } from '../../src/tui/model.js';
import { initialUi, onKey, type UiState } from '../../src/tui/ui.js';
import { pool, price } from '../helpers/dsl.js';
import { book } from './helpers.js';

const IDLE: FollowStatus = { source: 'test', behind: 0, fps: 10, paused_new: 0, loading: false, error: null };

function frame(ui: Partial<UiState>): string {
  const run = book(pool(), price(3_000));
  const model = bookModel(run.store, { now: run.store.last_ts + 200, market: ui.market ?? 'BTC-USD', depth: 10, step: 5 });
  const r = render(h(BookScreen, { model, ui: initialUi(ui), status: IDLE, width: 100, height: 30 }));
  const out = stripAnsi(r.lastFrame() ?? '');
  r.unmount();
  return out;
}

test('m cycles through the markets in order and wraps; the bucket starts automatic again', () => {
  let ui = initialUi({ market: 'BTC-USD', markets: ['BTC-USD', 'ETH-USD', 'SOL-USD'], step: 50 });
  ui = onKey(ui, 'm', {});
  assert.equal(ui.market, 'ETH-USD');
  assert.equal(ui.step, null);
  ui = onKey(ui, 'm', {});
  assert.equal(ui.market, 'SOL-USD');
  ui = onKey(ui, 'm', {});
  assert.equal(ui.market, 'BTC-USD');
  assert.equal(ui.quit, false);
});

test('m does nothing with one market, and is typed as text while filtering', () => {
  const one = initialUi({ market: 'ETH-USD', step: 50 });
  assert.deepEqual(one.markets, ['ETH-USD']);
  assert.deepEqual(onKey(one, 'm', {}), one);
  const typing = onKey(initialUi({ markets: ['BTC-USD', 'ETH-USD'] }), '/', {});
  const typed = onKey(typing, 'm', {});
  assert.equal(typed.market, 'BTC-USD');
  assert.equal(typed.editing, 'm');
});

test('the header names the shown market; the key line offers m with several markets only', () => {
  const eth = frame({ market: 'ETH-USD', markets: ['BTC-USD', 'ETH-USD'] });
  assert.match(eth, /ETH-USD inverse perpetual/);
  assert.doesNotMatch(eth, /BTC-USD inverse/);
  assert.match(eth, /\[ \] step · m market · \? help/);
  const btc = frame({});
  assert.match(btc, /BTC-USD inverse perpetual/);
  assert.doesNotMatch(btc, /m market/);
  const help = frame({ market: 'ETH-USD', markets: ['BTC-USD', 'ETH-USD'], help: true });
  assert.match(help, /m\s+next market/);
});

test("sizes and pool figures are in the shown market's base asset", () => {
  const eth = frame({ market: 'ETH-USD', markets: ['BTC-USD', 'ETH-USD'] });
  assert.match(eth, /TLV [\d.,]+ ETH/);
  assert.doesNotMatch(eth, /\bBTC\b/);
  assert.match(frame({}), /TLV [\d.,]+ BTC/);
});
