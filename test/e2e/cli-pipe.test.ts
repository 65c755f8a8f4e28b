// A reader that closes the pipe early (`relayer … | head`) ends the output like any Unix tool:
// exit 0, no EPIPE stack trace on stderr.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { BIN } from './cli-helpers.js';

function closedEarly(args: string[], input: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    c.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // take the first chunk, then hang up, as `head -1` does
    c.stdout.once('data', () => c.stdout.destroy());
    c.on('close', (code) => resolve({ code, stderr }));
    // the child may exit before it has read all its input: that hang-up is the point, not an error
    c.stdin.on('error', () => undefined);
    c.stdin.end(input);
  });
}

test('given a reader that hangs up after the first chunk, when relayer writes more, then it exits 0 without an EPIPE trace', async () => {
  const help = await closedEarly(['snapshot', 'list', '--help'], '');
  assert.equal(help.code, 0, help.stderr);
  assert.doesNotMatch(help.stderr, /EPIPE|Unhandled/);
  // exec writes far more than one pipe buffer for these lines
  const price = JSON.stringify({ v: 1, id: 'p', type: 'PriceTick', params: { price: 60_000 } });
  const lines = [JSON.stringify({ v: 1, id: 'g', type: 'InitPool', params: { total_locked_value: 1e12, total_pool_share: 1e6 } })];
  for (let i = 0; i < 20_000; i++) lines.push(price.replace('"p"', `"p${i}"`));
  const exec = await closedEarly(['exec'], `${lines.join('\n')}\n`);
  assert.equal(exec.code, 0, exec.stderr);
  assert.doesNotMatch(exec.stderr, /EPIPE|Unhandled/);
});
