// The V8 settings a relayer process runs with (docs/decisions.md D320). A semi-space of up to 64 MB,
// where Node 20 stops at 16: the engine allocates an event, its order copy and a few strings per
// command, and a limit that rests and is cancelled a few thousand commands later then dies young
// instead of being copied into the old generation and marked there. Node 24 sizes its young
// generation from the machine's memory; 64 MB is what it picks on a 24 GB host, so the flag makes
// every release and host behave alike.
// bin/relayer's first line and the deploy units start Node with these; `relayer bench` starts
// itself again with them when they are missing, so it measures what production runs.
import { spawn } from 'node:child_process';

export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/** The name of a `--flag=value` or `--flag value` option (V8 takes `_` for `-`). */
function flagName(arg: string): string {
  return arg.split('=')[0]!.replace(/_/g, '-');
}

/**
 * The flags of NODE_FLAGS that this process was not started with, on its command line or in
 * NODE_OPTIONS. A flag given with another value counts as given: the operator's value wins.
 */
export function missingNodeFlags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = new Set([...execArgv, ...(nodeOptions ?? '').split(/\s+/)].filter((a) => a.startsWith('--')).map(flagName));
  return NODE_FLAGS.filter((f) => !given.has(flagName(f)));
}

/**
 * Runs this script again in a child Node with `flags` added and the same arguments, stdio shared,
 * and resolves to the exit code to end with. SIGINT and SIGTERM are passed on to the child, so the
 * pair stops as one. Only for commands no supervisor holds (a supervisor's SIGKILL would not reach
 * the child).
 */
export function relaunchWith(flags: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [...flags, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  const pass = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', pass);
  process.on('SIGTERM', pass);
  return new Promise((resolve) => {
    child.on('error', (e) => {
      process.stderr.write(`relayer: cannot start Node again with ${flags.join(' ')} (${e.message})\n`);
      resolve(1);
    });
    // a child ended by a signal failed (exit codes stay 0/1/2)
    child.on('exit', (code) => resolve(code ?? 1));
  });
}
