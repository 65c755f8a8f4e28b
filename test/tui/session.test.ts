// The viewer's session (UI state beside the store): pausing freezes the feed and counts what
// arrives meanwhile, resuming lets it go, and `[`/`]` step from the bucket the last frame showed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameOf, newSession, pressKey } from '../../src/tui/session.js';
import { emptyStore, reduceRows } from '../../src/tui/store.js';
import { STEPS } from '../../src/tui/ui.js';
import { workload } from '../../src/workload/commands.js';
import { T0 } from '../helpers/dsl.js';
import { executeLines, rowsOf } from './helpers.js';

const lines = workload(3000, 5);
const half = executeLines(lines.slice(0, 1500));
const rest = executeLines(lines.slice(1500), half.state);
const firstRows = rowsOf(half.events);
const laterRows = rowsOf([...half.events, ...rest.events]).slice(firstRows.length);

test('given a paused feed, when events arrive, then the frame keeps the frozen feed and counts the new items', () => {
  const store = emptyStore();
  reduceRows(store, firstRows);
  const session = newSession();
  const before = frameOf(session, store, 30, T0).model.feed;
  pressKey(session, store, 'p', {});
  assert.equal(session.ui.paused, true);
  const pushedBefore = store.feed_total;
  reduceRows(store, laterRows);
  assert.ok(store.feed_total > pushedBefore, 'the later events push feed items');
  const paused = frameOf(session, store, 30, T0);
  assert.deepEqual(paused.model.feed, before, 'the feed shown is the one frozen by p');
  assert.equal(paused.pausedNew, store.feed_total - pushedBefore);

  pressKey(session, store, 'p', {});
  assert.equal(session.frozen, null, 'resuming lets the frozen feed go');
  const live = frameOf(session, store, 30, T0);
  assert.equal(live.pausedNew, 0);
  assert.notDeepEqual(live.model.feed, before, 'the live feed shows the newer items');
});

test('given an automatic bucket, when ] is pressed, then the bucket steps up from the one the last frame showed', () => {
  const store = emptyStore();
  reduceRows(store, firstRows);
  const session = newSession();
  const shown = frameOf(session, store, 30, T0).model.book.step;
  assert.equal(session.lastStep, shown);
  pressKey(session, store, ']', {});
  const i = STEPS.indexOf(shown);
  assert.equal(session.ui.step, STEPS[Math.min(STEPS.length - 1, i + 1)]);
});
