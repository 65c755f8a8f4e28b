// Props-only Ink components: a frame is a function of (model, ui, status, width, height). No
// hooks, no I/O; the lines come from frame.ts, these only lay them out and style them.
import { Box, Text } from 'ink';
import type { BookModel } from './model.js';
import { headerLines, helpLines, paneLayout, paneLines, paneTitle, statusLine, type FollowStatus, type Line as FrameLine } from './frame.js';
import type { PaneName, UiState } from './ui.js';

/** Smallest screen the book lays out for; below it the frame is cut. */
export const MIN_WIDTH = 40;
export const MIN_HEIGHT = 12;

export interface ScreenProps {
  model: BookModel;
  ui: UiState;
  status: FollowStatus;
  width: number;
  height: number;
}

const FG: Readonly<Record<string, number>> = { black: 30, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, white: 37, gray: 90 };

/**
 * One line as a single string with SGR escapes. A nested <Text> per segment would be the Ink way,
 * but a frame has hundreds of segments and one <Text> per line draws a frame in a fraction of the
 * time; the escapes are the same ones Ink's colours produce.
 */
export function ansi(line: FrameLine): string {
  let out = '';
  for (const s of line) {
    const codes: number[] = [];
    if (s.bold) codes.push(1);
    if (s.dim) codes.push(2);
    if (s.color !== undefined && FG[s.color] !== undefined) codes.push(FG[s.color]!);
    if (s.bg !== undefined && FG[s.bg] !== undefined) codes.push(FG[s.bg]! + 10);
    out += codes.length === 0 ? s.text : `\x1b[${codes.join(';')}m${s.text}\x1b[0m`;
  }
  return out;
}

export function Line({ line }: { line: FrameLine }) {
  return <Text>{line.length === 0 ? ' ' : ansi(line)}</Text>;
}

export function Lines({ lines }: { lines: readonly FrameLine[] }) {
  return (
    <>
      {lines.map((l, i) => (
        <Line key={i} line={l} />
      ))}
    </>
  );
}

export interface PaneProps {
  pane: PaneName;
  model: BookModel;
  width: number;
  height: number;
  focused: boolean;
}

/** One bordered pane: a title row and exactly height − 3 content rows. */
export function Pane({ pane, model, width, height, focused }: PaneProps) {
  const inner = Math.max(0, width - 2);
  const rows = Math.max(0, height - 3);
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={focused ? 'cyan' : 'gray'}>
      <Line line={paneTitle(pane, model).map((s) => (focused ? { ...s, color: s.color ?? 'cyan' } : s))} />
      <Lines lines={paneLines(pane, model, inner, rows)} />
    </Box>
  );
}

export function Help({ width, height }: { width: number; height: number }) {
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" borderColor="cyan" paddingX={1} overflow="hidden">
      <Lines lines={helpLines().slice(0, Math.max(0, height - 2))} />
    </Box>
  );
}

/** The whole screen: header, the panes that fit (or the help), the status line. */
export function BookScreen({ model, ui, status, width, height }: ScreenProps) {
  const w = Math.max(MIN_WIDTH, width);
  const h = Math.max(MIN_HEIGHT, height);
  const header = headerLines(model, w, ui.market);
  const paneHeight = Math.max(4, h - header.length - 1);
  return (
    <Box flexDirection="column" width={w}>
      <Lines lines={header} />
      {ui.help ? (
        <Help width={w} height={paneHeight} />
      ) : (
        <Box flexDirection="row" width={w} height={paneHeight}>
          {paneLayout(w, ui.focus).map(({ pane, width: pw }) => (
            <Pane key={pane} pane={pane} model={model} width={pw} height={paneHeight} focused={pane === ui.focus} />
          ))}
        </Box>
      )}
      <Line line={statusLine(model, ui, status, w)} />
    </Box>
  );
}
