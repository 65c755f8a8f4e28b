// End to end through the real binaries: `relayer run`, `relayer project` (Redis + PostgreSQL) and
// `relayer api`, keys made with `relayer keys create`. A signed submit with wait, then the order
// read back through the private API once the projections have it; `relayer keys revoke` shuts the
// key out; /metrics of all three processes; SIGTERM ends each with exit 0.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { RpcClient } from '../../src/api/client.js';
import { RPC } from '../../src/api/errors.js';
import { marketLong } from '../helpers/orders.js';
import { needServices } from '../helpers/services.js';
import { exited, freePort, relayerAsync, untilAsync } from './cli-helpers.js';
import { gatewayStack } from './gateway-stack.js';

test('api + run + project: a signed submit with wait, then the order through the private API', { timeout: 90_000 }, async (t) => {
  const svc = await needServices(t, 'the gateway tests');
  if (svc === null) return;
  const stack = gatewayStack(t, svc, 'e2e_api');
  const { data, authPrefix } = stack;
  const master = randomBytes(32).toString('hex');
  const env = { RELAYER_API_MASTER_KEY: master };
  const [runMetrics, projMetrics, apiPort, adminPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);

  const run = stack.start(['run', '--data', data, '--log-level', 'warn', '--no-scheduler', '--metrics-port', String(runMetrics)]);
  await stack.dataReady();
  const project = stack.start(stack.projectArgs(['--metrics-port', String(projMetrics)]));
  // `relayer keys create` takes the master key from the environment, as the gateway does
  process.env['RELAYER_API_MASTER_KEY'] = master;
  const created = await relayerAsync(['keys', 'create', '--account', 'acc-e2e', '--label', 'e2e', '--auth-prefix', authPrefix, '--redis', svc.redis, '--json']);
  assert.equal(created.code, 0, created.stderr);
  const key = JSON.parse(created.stdout) as { id: string; secret: string; accounts: string[] };
  assert.deepEqual(key.accounts, ['acc-e2e']);
  const api = stack.start(stack.apiArgs(apiPort, `127.0.0.1:${adminPort}`), env);
  await stack.gatewayReady(apiPort);

  const tick = await relayerAsync(['submit', 'tick', '--price', '60000', '--data', data, '--wait']);
  assert.equal(tick.code, 0, tick.stderr);
  const client = new RpcClient(`http://127.0.0.1:${apiPort}`, { key: key.id, secret: key.secret });
  t.after(() => client.close());
  const submit = await client.call('/clientapi', 'CreateTraderOrder', marketLong('acc-e2e', { request_id: 'e2e-open-1', wait: true }));
  const res = (submit.json as { result: { request_id: string; status: string; uuid: string; events: { type: string }[] } }).result;
  assert.equal(res.request_id, 'e2e-open-1', submit.body);
  assert.equal(res.status, 'FILLED', submit.body);
  assert.equal(res.events[0]!.type, 'TraderOrderOpened');

  const order = await untilAsync('the order in the read model', async () => {
    const r = await client.call('/api/private', 'trader_order_info', { id: res.uuid });
    const j = r.json as { result?: { uuid: string; order_status: string; account_id: string } };
    return j.result ?? null;
  });
  assert.deepEqual([order.uuid, order.order_status, order.account_id], [res.uuid, 'FILLED', 'acc-e2e']);
  const history = await untilAsync('the order history in PostgreSQL', async () => {
    const j = (await client.call('/api/private', 'order_history', { OrderId: res.uuid })).json as { result?: { event: string }[] };
    return j.result !== undefined && j.result.length > 0 ? j.result : null;
  });
  assert.equal(history[0]!.event, 'TraderOrderOpened');
  const open = (await client.call('/api/private', 'open_orders')).json as { result: { trader_orders: { uuid: string }[] } };
  assert.deepEqual(
    open.result.trader_orders.map((o) => o.uuid),
    [res.uuid],
  );

  const revoked = await relayerAsync(['keys', 'revoke', key.id, '--auth-prefix', authPrefix, '--redis', svc.redis]);
  assert.equal(revoked.code, 0, revoked.stderr);
  const listed = await relayerAsync(['keys', 'list', '--auth-prefix', authPrefix, '--redis', svc.redis, '--json']);
  assert.ok(!listed.stdout.includes(key.secret), 'keys list never shows a secret');
  assert.match(listed.stdout, /"revoked_ms":\d+/);
  const refused = await client.call('/clientapi', 'CreateTraderOrder', {
    account_id: 'acc-e2e',
    position_type: 'SHORT',
    order_type: 'MARKET',
    leverage: 2,
    initial_margin: 1000,
  });
  assert.equal(refused.status, 401);
  assert.equal((refused.json as { error: { code: number } }).error.code, RPC.KEY_REVOKED);

  const metric = async (port: number, name: RegExp) =>
    untilAsync(`${name} on :${port}`, async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return name.test(text) ? text : null;
    });
  await metric(runMetrics, /^relayer_run_commands_total [1-9]/m);
  await metric(runMetrics, /^relayer_run_commit_seconds_count [1-9]/m);
  await metric(projMetrics, /^relayer_project_events_total\{model="redis"\} [1-9]/m);
  await metric(projMetrics, /^relayer_project_events_total\{model="postgres"\} [1-9]/m);
  await metric(apiPort, /^relayer_api_commands_appended_total [1-9]/m);
  assert.ok(!api.err().includes(key.secret), 'the secret never appears in the gateway log');

  for (const p of [api, project, run]) {
    p.kill('SIGTERM');
    const e = await exited(p);
    assert.equal(e.code, 0, p.err());
  }
});
