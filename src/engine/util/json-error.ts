// The text of a JSON.parse failure goes into a Rejected event, so it must not depend on the Node
// release: V8 in Node 22+ appends " (line L column C)" to the message Node 20 prints. Only the
// part every supported release prints alike is kept (docs/decisions.md D58).
export function jsonParseReason(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/ \(line \d+ column \d+\)$/, '');
}
