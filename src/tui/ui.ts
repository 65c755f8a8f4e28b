// What the user has chosen on the screen (focused pane, filter, pause, help, bucket size) and the
// pure key reducer that changes it. The terminal's keys come in through Ink's useInput; this file
// only decides what they mean.

export type PaneName = 'book' | 'liquidations' | 'feed' | 'risk';
export const PANES: readonly PaneName[] = ['book', 'liquidations', 'feed', 'risk'];

/** Bucket sizes `[` and `]` step through, in USD. */
export const STEPS: readonly number[] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

export interface UiState {
  focus: PaneName;
  /** Account whose orders and feed items alone are shown. */
  filter: string | null;
  /** The filter being typed after `/`, or null when not typing. */
  editing: string | null;
  /** Feed frozen (`p`); the rest of the screen keeps updating. */
  paused: boolean;
  help: boolean;
  /** Price bucket in USD; null = automatic. */
  step: number | null;
  quit: boolean;
  /** The market shown (its header names it) and the markets `m` cycles through (D185). */
  market: string;
  markets: readonly string[];
}

export function initialUi(p: Partial<UiState> = {}): UiState {
  const market = p.market ?? 'BTC-USD';
  return { focus: 'book', filter: null, editing: null, paused: false, help: false, step: null, quit: false, market, markets: [market], ...p };
}

/** The parts of Ink's Key the book uses. */
export interface KeyPress {
  tab?: boolean;
  shift?: boolean;
  escape?: boolean;
  return?: boolean;
  backspace?: boolean;
  delete?: boolean;
  ctrl?: boolean;
}

/** One key press; `currentStep` is the bucket the screen shows now (for `[`/`]` from automatic). */
export function onKey(ui: UiState, input: string, key: KeyPress, currentStep = 1): UiState {
  if (key.ctrl && input === 'c') return { ...ui, quit: true };
  // a chunk of several characters (typed fast, or pasted) is the same keys one by one
  if (input.length > 1 && !key.ctrl && !key.tab && !key.return && !key.escape) {
    let u = ui;
    for (const ch of input) u = onKey(u, ch, keyOfChar(ch), currentStep);
    return u;
  }
  if (ui.editing !== null) {
    if (key.return) {
      const f = ui.editing.trim();
      return { ...ui, editing: null, filter: f === '' ? null : f };
    }
    if (key.escape) return { ...ui, editing: null };
    if (key.backspace || key.delete) return { ...ui, editing: ui.editing.slice(0, -1) };
    if (key.tab || key.ctrl || input.length === 0) return ui;
    return { ...ui, editing: ui.editing + input.replace(/[\x00-\x1f\x7f]/g, '') };
  }
  if (key.tab) {
    const i = PANES.indexOf(ui.focus);
    const next = (i + (key.shift ? PANES.length - 1 : 1)) % PANES.length;
    return { ...ui, focus: PANES[next]! };
  }
  if (key.escape) return ui.help ? { ...ui, help: false } : { ...ui, filter: null };
  switch (input) {
    case 'q':
      return { ...ui, quit: true };
    case '/':
      return { ...ui, editing: ui.filter ?? '', help: false };
    case 'p':
      return { ...ui, paused: !ui.paused };
    case '?':
      return { ...ui, help: !ui.help };
    case '[':
      return { ...ui, step: stepAfter(ui.step ?? currentStep, -1) };
    case ']':
      return { ...ui, step: stepAfter(ui.step ?? currentStep, +1) };
    case '0':
      return { ...ui, step: null };
    // another market has its own prices: its bucket starts automatic again
    case 'm':
      return ui.markets.length < 2 ? ui : { ...ui, market: nextMarket(ui), step: null, paused: false, help: false };
    default:
      return ui;
  }
}

/** The market after the shown one, in the list's order, wrapping around. */
export function nextMarket(ui: UiState): string {
  const i = ui.markets.indexOf(ui.market);
  return ui.markets[(i + 1) % ui.markets.length]!;
}

/** The key a lone control character stands for inside a chunk. */
function keyOfChar(ch: string): KeyPress {
  switch (ch) {
    case '\t':
      return { tab: true };
    case '\r':
    case '\n':
      return { return: true };
    case '\x7f':
    case '\b':
      return { backspace: true };
    case '\x1b':
      return { escape: true };
    default:
      return {};
  }
}

function stepAfter(step: number, dir: 1 | -1): number {
  if (dir > 0) return STEPS.find((s) => s > step) ?? STEPS[STEPS.length - 1]!;
  for (let i = STEPS.length - 1; i >= 0; i--) if (STEPS[i]! < step) return STEPS[i]!;
  return STEPS[0]!;
}
