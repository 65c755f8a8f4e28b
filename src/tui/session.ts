// The viewer's session: what the user chose (UiState), the feed frozen by `p` and the bucket the
// last frame showed, kept in one object beside the book's store instead of in closures of the
// terminal code. Keys and frames go through the two functions below; both are pure apart from
// updating the session, so a test drives them without a terminal.
import { bookModel, type BookModel } from './model.js';
import { FEED_KEEP, recentFeed, type BookStore, type FeedItem } from './store.js';
import { initialUi, onKey, type KeyPress, type UiState } from './ui.js';

export interface Session {
  ui: UiState;
  /** The feed as it was when `p` paused it (newest first), and how many items had been pushed then. */
  frozen: { items: FeedItem[]; total: number } | null;
  /** The bucket (USD) of the last frame: `[`/`]` step from it while the bucket is automatic. */
  lastStep: number;
}

export function newSession(ui: Partial<UiState> = {}): Session {
  return { ui: initialUi(ui), frozen: null, lastStep: 1 };
}

/** Levels per ladder that fill a screen of `height` rows. */
export function depthFor(height: number): number {
  return Math.max(5, Math.ceil(height / 2));
}

/** Model options for a screen of `height` rows: enough levels and feed lines to fill it. */
export function modelFor(store: BookStore, ui: UiState, height: number, now: number): BookModel {
  return bookModel(store, { now, market: ui.market, depth: depthFor(height), feed: Math.max(10, height), step: ui.step, account: ui.filter });
}

/** One key press: the new choices; pausing freezes the feed as it is now, resuming lets it go. */
export function pressKey(session: Session, store: BookStore, input: string, key: KeyPress): void {
  const next = onKey(session.ui, input, key, session.lastStep);
  if (next.paused && !session.ui.paused) session.frozen = { items: recentFeed(store, FEED_KEEP), total: store.feed_total };
  if (!next.paused) session.frozen = null;
  session.ui = next;
}

/** The model of one frame for a screen of `height` rows, and how many feed items arrived while paused. */
export function frameOf(session: Session, store: BookStore, height: number, now: number): { model: BookModel; pausedNew: number } {
  const model = modelFor(store, session.ui, height, now);
  session.lastStep = model.book.step;
  let pausedNew = 0;
  const { ui, frozen } = session;
  if (ui.paused && frozen !== null) {
    model.feed = frozen.items.filter((i) => ui.filter === null || i.account === ui.filter).slice(0, Math.max(10, height));
    pausedNew = store.feed_total - frozen.total;
  }
  return { model, pausedNew };
}
