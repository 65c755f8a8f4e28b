// SPEC §15 in the book: the PnL cap in the risk figures, AdlTriggered and the ADL settlements in the feed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bookModel } from '../../src/tui/model.js';
import { marketLong, pool, price, riskParams, type Step } from '../helpers/dsl.js';
import { book } from './helpers.js';

/** Alice's 10× long of 1 000 000 at 50 000 against a pool of about 2e7, then `later`. */
const aliceLong = (...later: Step[]) =>
  book(
    pool({ total_locked_value: 19_999_999, total_pool_share: 1_000_000 }),
    riskParams({ max_position_pct: 1, max_oi_mult: 100, max_net_mult: 100 }),
    price(50_000),
    marketLong({ acct: 'alice', im: 1_000_000, lev: 10 }),
    ...later,
  );

test('the book shows the PnL cap while it is on, and an ADL as a market item followed by its settlement', () => {
  const run = aliceLong();
  // SPEC §15 as written, from the engine's running sums: Π_long = total_long_btc − LS / P
  const st = run.store.state!;
  const piLong = st.risk.total_long_btc - st.ps_long / 50_000;
  assert.deepEqual(bookModel(run.store, { now: run.store.last_ts }).risk.pnl_cap, {
    max_pnl_factor: 0,
    adl_target_factor: 0,
    cap: null,
    target: null,
    traders_pnl_long: piLong,
    traders_pnl_short: 0,
    used: null,
  });
  const up = aliceLong(riskParams({ max_pnl_factor: 0.25, adl_target_factor: 0.125 }), price(52_000));
  const capOn = bookModel(up.store, { now: up.store.last_ts }).risk.pnl_cap;
  const upLong = up.store.state!.risk.total_long_btc - up.store.state!.ps_long / 52_000;
  assert.ok(upLong > 0, 'the long is in profit');
  assert.equal(capOn.traders_pnl_long, upLong);
  assert.equal(capOn.used, upLong / (0.25 * up.store.pool!.total_locked_value), 'the share of the cap the larger side uses');
  const after = aliceLong(riskParams({ max_pnl_factor: 0.25, adl_target_factor: 0.125 }), price(100_000));
  assert.ok(
    after.events.some((e) => e.type === 'AdlTriggered'),
    'the engine deleveraged',
  );
  const m = bookModel(after.store, { now: after.store.last_ts, feed: 10 });
  const tlv = after.store.pool!.total_locked_value;
  assert.deepEqual(m.risk.pnl_cap, {
    max_pnl_factor: 0.25,
    adl_target_factor: 0.125,
    cap: 0.25 * tlv,
    target: 0.125 * tlv,
    traders_pnl_long: 0,
    traders_pnl_short: 0,
    used: 0, // alice's long was the only position: deleveraged
  });
  const [settled, adl] = m.feed; // newest first
  assert.equal(adl!.kind, 'MARKET');
  assert.match(adl!.detail, /^ADL LONG/);
  assert.equal(adl!.amount, 5_000_000, "the longs' Π at the trigger");
  assert.equal(settled!.kind, 'SETTLE');
  assert.equal(settled!.detail, 'ADL');
  assert.equal(settled!.account, 'alice');
});
