// Running the book in a terminal: the root component (the only one with a hook: Ink's useInput,
// which hands keys to the controller), the controller that draws frames from the follower (the
// UI state lives in a Session, session.ts), and the one-shot plain-text frame of non-interactive use.
import { render, renderToString, useInput } from 'ink';
import { BookScreen, type ScreenProps } from './components.js';
import { Follower, type BookFeed, type BookSource } from './follow.js';
import type { FollowStatus } from './frame.js';
import type { BookModel } from './model.js';
import { depthFor, frameOf, newSession, pressKey } from './session.js';
import type { BookStore } from './store.js';
import { initialUi, type KeyPress, type UiState } from './ui.js';

export interface AppProps extends ScreenProps {
  onKey: (input: string, key: KeyPress) => void;
}

export function BookApp(props: AppProps) {
  useInput((input, key) => props.onKey(input, key));
  return <BookScreen model={props.model} ui={props.ui} status={props.status} width={props.width} height={props.height} />;
}

export interface InteractiveOptions {
  source: string;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** Most frames per second (the budget is 10). */
  fps?: number;
  /** Initial UI choices (e.g. the bucket from --step). */
  ui?: Partial<UiState>;
}

const ALT_SCREEN_ON = '\x1b[?1049h\x1b[H';
const ALT_SCREEN_OFF = '\x1b[?1049l';

/**
 * Follows the log (a backend, or a feed) on an interactive terminal until `q` (or ctrl-c, SIGTERM,
 * SIGHUP), or until `m` picks another market: then it answers the UI state to reopen with.
 */
export async function runInteractive(src: BookSource | BookFeed, store: BookStore, opts: InteractiveOptions): Promise<UiState | null> {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  const session = newSession(opts.ui);
  let quit: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    quit = resolve;
  });

  const size = (): { width: number; height: number } => ({ width: stdout.columns ?? 100, height: (stdout.rows ?? 30) - 1 });
  const element = (behind: number, fps: number, error: string | null) => {
    const { width, height } = size();
    const { model, pausedNew } = frameOf(session, store, height, Date.now());
    const status: FollowStatus = { source: opts.source, behind, fps, paused_new: pausedNew, loading: behind > 50_000, error };
    return <BookApp model={model} ui={session.ui} status={status} width={width} height={height} onKey={handleKey} />;
  };

  const market = session.ui.market;
  function handleKey(input: string, key: KeyPress): void {
    pressKey(session, store, input, key);
    if (session.ui.quit || session.ui.market !== market) quit();
    else follower.invalidate();
  }

  if ('pull' in src) src.watch?.(() => ({ depth: depthFor(size().height), step: session.ui.step, account: session.ui.filter }));
  stdout.write(ALT_SCREEN_ON);
  let instance: ReturnType<typeof render> | null = null;
  let failure: Error | null = null;
  const follower = new Follower(src, store, {
    fps: opts.fps ?? 10,
    draw: ({ behind, fps, error }) => {
      try {
        const el = element(behind, fps, error);
        if (instance === null) instance = render(el, { stdout, stdin, exitOnCtrlC: false, patchConsole: false, maxFps: opts.fps ?? 10 });
        else instance.rerender(el);
      } catch (e) {
        failure = e as Error; // leave the terminal as it was, then report
        quit();
      }
    },
  });
  const onResize = (): void => {
    stdout.write('\x1b[2J');
    follower.invalidate();
  };
  const onSignal = (): void => quit();
  stdout.on('resize', onResize);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  follower.start();
  try {
    await done;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    stdout.off('resize', onResize);
    await follower.stop();
    const inst = instance as ReturnType<typeof render> | null;
    inst?.unmount();
    stdout.write(ALT_SCREEN_OFF);
    stdin.pause();
  }
  if (failure !== null) throw failure;
  return session.ui.quit || session.ui.market === market ? null : session.ui;
}

/** One frame as plain text (no colours, no cursor codes): the non-interactive output. */
export function plainFrame(model: BookModel, width: number, height: number, ui: UiState = initialUi(), source = ''): string {
  const status: FollowStatus = { source, behind: 0, fps: 0, paused_new: 0, loading: false, error: null, once: true };
  const text = renderToString(<BookScreen model={model} ui={ui} status={status} width={width} height={height} />, { columns: width });
  return `${stripAnsi(text)
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')}\n`;
}

export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07/g, '');
}
