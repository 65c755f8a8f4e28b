// `relayer feed ws` against a local WebSocket server (the `ws` package) that sends recorded-format
// aggTrade messages, garbage, and drops the connection twice: the feed reconnects, skips the
// garbage, counts everything in its Prometheus endpoint, stops on SIGTERM with exit 0, and the
// input log (read with `relayer events --inbox`) holds exactly the expected ticks, which the
// running engine applies.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { appliedPrices, drained, engineFor, exited, FEED_TEST_FLAGS, inbox, spawnCaptured, tempDir, until } from './cli-helpers.js';

const T0 = 1_732_492_800_000;
const trade = (p: string, i: number): string =>
  JSON.stringify({
    e: 'aggTrade',
    E: T0 + i * 10 + 3,
    s: 'BTCUSDT',
    a: 1000 + i,
    p,
    q: '0.010',
    f: 5000 + i,
    l: 5000 + i,
    T: T0 + i * 10,
    m: i % 2 === 0,
    M: true,
  });

/** What the server sends on its 1st, 2nd and 3rd connection; `drop` ends the connection abruptly. */
const SCRIPT: (string | Buffer | 'drop' | 'close')[][] = [
  [trade('65000.12', 0), 'not json at all', trade('65000.40', 1), '{"e":"aggTrade","p":"abc"}', trade('65010.5', 2), 'drop'],
  ['{"result":null,"id":1}', trade('65010.6', 3), trade('64990', 4), Buffer.from([0xff, 0xfe, 0x00]), trade('65100.25', 5), 'close'],
  [trade('65100.3', 6), '{"e":"depthUpdate","b":[]}', trade('65200', 7)],
];
// round() moved on 0, 2, 4, 5, 7 only
const EXPECTED = [
  ['65000.12', 0],
  ['65010.5', 2],
  ['64990', 4],
  ['65100.25', 5],
  ['65200', 7],
] as const;

function send(ws: WebSocket, m: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => ws.send(m, (err) => (err ? reject(err) : resolve())));
}

test('feed ws: reconnects, skips garbage, appends exactly the expected ticks', async (t) => {
  const dir = tempDir('relayer-feed-ws-');
  const data = join(dir, 'data');
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const engine = await engineFor(t, data);

  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  t.after(() => {
    for (const c of server.clients) c.terminate();
    server.close();
  });
  let connections = 0;
  let scriptDone = false;
  server.on('connection', (ws) => {
    const steps = SCRIPT[connections++] ?? [];
    void (async () => {
      for (const step of steps) {
        if (step === 'drop') {
          ws.terminate();
          return;
        }
        if (step === 'close') {
          ws.close(1001, 'going away');
          return;
        }
        await send(ws, step);
      }
      scriptDone = true;
    })();
  });
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const run = spawnCaptured(t, ['feed', 'ws', '--data', data, '--url', url, '--tick-ms', '0', '--heartbeat-ms', '0', ...FEED_TEST_FLAGS]);
  const { child: feed, lines } = run;

  const started = await until('the feed to start', 15_000, () => lines().find((l) => l['event'] === 'started'), 25);
  await until('the third connection', 15_000, () => (scriptDone && connections === 3 ? true : null), 25);
  await until(`five ticks (stdout: ${run.out()} stderr: ${run.err()})`, 10_000, () => lines().find((l) => l['event'] === 'status' && l['ticks'] === 5), 25);

  const metrics = await (await fetch(String(started['metrics']))).text();
  const counter = (name: string): number => Number(new RegExp(`^${name}\\{source="ws"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
  assert.equal(counter('relayer_feed_ticks_total'), 5, metrics);
  assert.equal(counter('relayer_feed_heartbeats_total'), 0);
  assert.equal(counter('relayer_feed_reconnects_total'), 2);
  assert.equal(counter('relayer_feed_rejected_messages_total'), 3); // not JSON, bad p, binary garbage
  assert.equal(counter('relayer_feed_last_price'), 65_200);

  feed.kill('SIGTERM');
  const ended = await exited(feed);
  assert.deepEqual(ended, { code: 0, signal: null }, run.err());
  const events = lines();
  const stopped = events.at(-1)!;
  assert.equal(stopped['event'], 'stopped');
  assert.deepEqual([stopped['ticks'], stopped['rejected'], stopped['reconnects'], stopped['prices']], [5, 3, 2, 8]);
  assert.deepEqual(events.filter((l) => l['event'] === 'connected').length, 3);
  assert.deepEqual(
    events.filter((l) => l['event'] === 'disconnected').map((l) => l['code']),
    [1006, 1001],
  );

  await drained(data);
  const cmds = inbox(data).filter((c) => c.id !== 'genesis');
  const prefix = String(started['id_prefix']);
  assert.deepEqual(
    cmds.map((c) => ({ id: c.id, type: c.type, params: c.params })),
    EXPECTED.map(([p, i], n) => ({
      id: `${prefix}:${n}`,
      type: 'PriceTick',
      params: { price: Number(p), source: 'ws', feed_ts: T0 + i * 10 },
    })),
  );

  assert.deepEqual(appliedPrices(data), [65_000, 65_011, 64_990, 65_100, 65_200]);

  engine.kill('SIGTERM');
  assert.equal((await exited(engine)).code, 0);
});
