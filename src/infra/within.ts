// Waiting on a client's teardown with a limit. A library's disconnect can wait on a request its
// socket will never answer; once nothing else holds the process, Node would then exit as if the
// command had finished. The timer here is referenced, so the wait ends at its limit instead.

/** Waits for `p` to settle, at most `ms`; true when it settled in time (either way). */
export function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    const done = (): void => {
      clearTimeout(t);
      resolve(true);
    };
    p.then(done, done);
  });
}
