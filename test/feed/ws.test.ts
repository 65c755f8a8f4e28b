// The ws source in-process: a server that stops answering pings gets its connection dropped and
// redialled; the backoff draws its jitter from the injected source; aborting stops at once.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { sleep } from '../helpers/wait.js';
import { WebSocketServer } from 'ws';
import { FeedRunner } from '../../src/feed/runner.js';
import { runWs } from '../../src/feed/ws-source.js';
import { silentLogger } from '../../src/infra/logger.js';

test('ws: no pong by the next ping drops the connection; the feed reconnects and reads on', async () => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: false });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  let connections = 0;
  server.on('connection', (ws) => {
    connections++;
    ws.send(JSON.stringify({ e: 'aggTrade', T: connections, p: String(65_000 + connections * 10) }));
  });
  const events: [string, Record<string, unknown>][] = [];
  const appended: string[] = [];
  const runner = new FeedRunner({
    source: 'ws',
    startedAt: 1,
    gate: { tickMs: 0, heartbeatMs: 0, tickSize: 1 },
    log: silentLogger(),
    append: (raws) => {
      appended.push(...raws);
    },
    onEvent: (e, f) => events.push([e, f]),
  });
  const stop = new AbortController();
  const delays: number[] = [];
  const done = runWs(
    runner,
    {
      url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
      reconnectMs: 20,
      reconnectMaxMs: 40,
      pingMs: 60,
      handshakeMs: 1000,
      log: silentLogger(),
      random: () => 0,
    },
    stop.signal,
  );
  try {
    for (let i = 0; connections < 3; i++) {
      assert.ok(i < 200, 'three connections within 4 s');
      await sleep(20);
    }
    await sleep(20);
  } finally {
    stop.abort();
    await done;
    for (const c of server.clients) c.terminate();
    server.close();
  }
  await runner.stop();
  for (const [e, f] of events) if (e === 'reconnecting') delays.push(f['delay_ms'] as number);
  const drops = events.filter(([e]) => e === 'disconnected').map(([, f]) => f['reason']);
  assert.ok(drops.length >= 2 && drops.every((r) => r === 'no pong'), JSON.stringify(drops));
  assert.deepEqual(delays.slice(0, 2), [10, 10], 'jitter 0: half the base step each time (failures reset on open)');
  assert.deepEqual(
    appended.slice(0, 3).map((r) => (JSON.parse(r) as { params: { price: number } }).params.price),
    [65_010, 65_020, 65_030],
  );
  assert.equal(runner.stats.reconnects, delays.length);
});

test('ws: an unreachable server is retried with growing delays until stopped', async () => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve())); // nothing listens there now
  const delays: number[] = [];
  const runner = new FeedRunner({
    source: 'ws',
    startedAt: 1,
    gate: { tickMs: 0, heartbeatMs: 0, tickSize: 1 },
    log: silentLogger(),
    append: () => undefined,
    onEvent: (e, f) => {
      if (e === 'reconnecting') delays.push(f['delay_ms'] as number);
    },
  });
  const stop = new AbortController();
  const done = runWs(
    runner,
    { url: `ws://127.0.0.1:${port}`, reconnectMs: 10, reconnectMaxMs: 80, pingMs: 1000, handshakeMs: 500, log: silentLogger(), random: () => 0.999 },
    stop.signal,
  );
  while (delays.length < 5) await sleep(10);
  stop.abort();
  await done;
  await runner.stop();
  assert.deepEqual(delays.slice(0, 5), [10, 20, 40, 80, 80]);
});
