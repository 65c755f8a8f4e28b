// A large seeded `relayer exec` scenario: thousands of command lines with their ts, covering
// every command type, resting limits, SL/TP and close limits firing on ticks, liquidations (price
// jumps), funding, admin commands, every rejection the parser and decide can give, duplicates,
// malformed lines and a stale feed. Its recorded output (test/engine/fixtures) pins the bytes of
// `relayer exec` so a faster engine must print exactly what the reference engine printed.
// Regenerate the input with: node dist/test/helpers/scenario.js > scenario.in.jsonl (the recording lives in test/engine/fixtures)
import { fileURLToPath } from 'node:url';
import { mintedUuid } from '../../src/engine/util/uuid.js';
import { Prng } from '../../src/infra/prng.js';

/** uuidv5(id + ":0") — the uuid a command's accepted create mints (SPEC §12). */
export const uuidOf = (id: string): string => mintedUuid(id, 0);

/** `n` input lines (at least), starting at `t0` ms; the whole run spans well under 24 h of ts. */
export function scenario(n: number, seed: number, t0 = 1_732_492_800_000): string[] {
  const prng = new Prng(seed);
  const r = (): number => prng.next();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const out: string[] = [];
  const sent: string[] = [];
  const active = new Map<string, string>(); // account → uuid of its last create
  const lends = new Map<string, string>();
  let ts = t0;
  let price = 60_000;
  let halted = false;
  let closeOnly = false;
  let feedPaused = false;
  const push = (type: string, params: unknown, extra: Record<string, unknown> = {}): string => {
    const id = `s${seed}-${out.length}`;
    const line = JSON.stringify({ v: 1, id, ts, type, params, ...extra });
    out.push(line);
    sent.push(line);
    return id;
  };
  const open = (account: string): void => {
    const long = r() < 0.5;
    const limit = r() < 0.45;
    const entry = limit ? Math.round(price * (long ? 1 - r() * 0.02 : 1 + r() * 0.02)) + (r() < 0.2 ? 0.5 : 0) : 0;
    const legs = r() < 0.35;
    const ref = limit ? entry : price;
    const lev = pick([1, 2, 3, 5, 10, 20, 25, 50, 50]);
    const body: Record<string, unknown> = {
      account_id: account,
      position_type: long ? 'LONG' : 'SHORT',
      order_type: limit ? 'LIMIT' : 'MARKET',
      leverage: lev,
      initial_margin: 1000 + Math.floor(r() * 80_000) + (r() < 0.1 ? 0.37 : 0),
      available_margin: 0,
      order_status: 'PENDING',
      entryprice: entry,
      execution_price: 0,
    };
    if (legs) {
      const sl = r() < 0.8 ? Math.round(ref * (long ? 0.985 : 1.015)) : null;
      const tp = r() < 0.8 ? Math.round(ref * (long ? 1.015 : 0.985)) : null;
      body['sltp'] = { sl, tp };
    }
    const nested = r() < 0.1;
    const type = legs ? 'CreateTraderOrderSlTp' : 'CreateTraderOrder';
    const id = nested ? push(type, { create_trader_order: body, sltp: body['sltp'] ?? null, msg: 'x' }) : push(type, body);
    active.set(account, uuidOf(id));
  };
  push('PriceTick', { price: 59_000 }); // before the pool: works, trading still refused
  push('CreateTraderOrder', { account_id: 'early', position_type: 'LONG', order_type: 'MARKET', leverage: 5, initial_margin: 5000 });
  push('InitPool', {});
  push('InitPool', { total_locked_value: 5 });
  for (let i = 0; i < 6; i++) {
    const id = push('CreateLendOrder', { account_id: `lender-${i}`, deposit: 5_000_000 + i * 1_000_003, balance: 1.5 });
    lends.set(`lender-${i}`, uuidOf(id));
  }
  push('PriceTick', { price });
  let flagsClearAt = -1;
  while (out.length < n) {
    ts += 1 + Math.floor(r() * 4000);
    if (out.length >= flagsClearAt && flagsClearAt >= 0) {
      // flags stay on for a few dozen commands, so most of the run trades
      flagsClearAt = -1;
      if (halted || feedPaused) push('SetMarketHalt', { enabled: false, pause_funding: false, pause_price_feed: false });
      if (closeOnly) push('SetMarketCloseOnly', { enabled: false });
      halted = closeOnly = feedPaused = false;
      push('PriceTick', { price });
      continue;
    }
    const x = r();
    const account = `acc-${Math.floor(r() * 400)}`;
    const uuid = active.get(account);
    if (x < 0.17) {
      const jump = r() < 0.04;
      const step = jump ? Math.round((r() - 0.5) * price * 0.16) : Math.round((r() - 0.5) * 500);
      price = Math.max(20_000, Math.min(120_000, price + step));
      const p = r() < 0.1 ? price : price + pick([0.25, 0.5, -0.5, 0.49, 0]);
      push('PriceTick', r() < 0.05 ? { price: p, source: 'binance', feed_ts: ts - 5 } : { price: p });
    } else if (x < 0.43) {
      if (uuid === undefined || r() < 0.08) open(account);
      else open(`acc-${Math.floor(r() * 400)}`);
    } else if (x < 0.5) {
      if (uuid === undefined) continue;
      push(r() < 0.5 ? 'ExecuteTraderOrder' : 'ExecuteTraderOrderSlTp', {
        account_id: account,
        uuid,
        order_type: 'MARKET',
        execution_price: 0,
        settle_margin: 0,
      });
    } else if (x < 0.56) {
      if (uuid === undefined) continue;
      const ep = Math.round(price * (1 + (r() - 0.5) * 0.02));
      if (r() < 0.1) push('ExecuteTraderOrder', { execute_trader_order: { account_id: account, uuid, order_type: 'LIMIT', execution_price: ep }, sltp: null });
      else push('ExecuteTraderOrder', { account_id: account, uuid, order_type: 'LIMIT', execution_price: ep, settle_margin: 0 });
    } else if (x < 0.61) {
      if (uuid === undefined) continue;
      const sl = r() < 0.7 ? Math.round(price * (1 + (r() - 0.5) * 0.04)) : null;
      const tp = r() < 0.7 ? Math.round(price * (1 + (r() - 0.5) * 0.04)) : null;
      push(r() < 0.9 ? 'ExecuteTraderOrderSlTp' : 'ExecuteTraderOrder', { account_id: account, uuid, order_type: 'SLTP', sltp: { sl, tp } });
    } else if (x < 0.66) {
      if (uuid === undefined) continue;
      push('CancelTraderOrder', { account_id: account, uuid, order_type: pick(['LIMIT', 'MARKET']) });
    } else if (x < 0.7) {
      if (uuid === undefined) continue;
      if (r() < 0.3) push('CancelTraderOrderSlTp', { account_id: account, uuid, order_type: 'LIMIT' });
      else push('CancelTraderOrderSlTp', { account_id: account, uuid, order_type: 'SLTP', sltp_cancel: { sl: r() < 0.6, tp: r() < 0.6 } });
    } else if (x < 0.76) {
      const lender = `lender-${Math.floor(r() * 10)}`;
      const lu = lends.get(lender);
      if (lu !== undefined && r() < 0.5) push('ExecuteLendOrder', { account_id: lender, uuid: lu, order_type: 'LEND', settle_withdraw: 1 });
      else {
        const deposit = pick([100_000 + Math.floor(r() * 5e6), 0, -5, 3, 250_000.5]);
        const id = push('CreateLendOrder', { account_id: lender, deposit, balance: 0, order_type: 'LEND' });
        if (lu === undefined) lends.set(lender, uuidOf(id));
      }
    } else if (x < 0.8) {
      // wrong owners, unknown uuids, the placeholder account, SETTLED orders
      const other = [...active.values()];
      const u = other.length > 0 ? pick(other) : 'nope';
      switch (Math.floor(r() * 5)) {
        case 0:
          push('ExecuteTraderOrder', { account_id: 'intruder', uuid: u, order_type: 'MARKET' });
          break;
        case 1:
          push('CancelTraderOrder', { account_id: account, uuid: '00000000-0000-5000-8000-000000000000', order_type: 'LIMIT' });
          break;
        case 2: {
          const id = push('CreateTraderOrder', { account_id: 'account_id', position_type: 'SHORT', order_type: 'MARKET', leverage: 4, initial_margin: 7000 });
          push('ExecuteTraderOrder', { account_id: 'account_id', uuid: uuidOf(id), order_type: 'MARKET' });
          break;
        }
        case 3:
          push('ExecuteLendOrder', { account_id: 'intruder', uuid: [...lends.values()][0] ?? 'x' });
          break;
        default:
          push('ExecuteTraderOrderSlTp', { account_id: account, uuid: uuid ?? 'x', order_type: 'SLTP', sltp: { sl: null, tp: null } });
      }
    } else if (x < 0.86) {
      // refusals the parser or decide must name
      const bad: [string, unknown][] = [
        ['CreateTraderOrder', { account_id: account, position_type: 'LONG', order_type: 'DARK', leverage: 5, initial_margin: 1000 }],
        ['CreateTraderOrder', { account_id: account, position_type: 'LONG', order_type: 'MARKET', leverage: 0.5, initial_margin: 1000 }],
        ['CreateTraderOrder', { account_id: account, position_type: 'SHORT', order_type: 'MARKET', leverage: 60, initial_margin: 1000 }],
        ['CreateTraderOrder', { account_id: account, position_type: 'LONG', order_type: 'LIMIT', leverage: 5, initial_margin: 1000, entryprice: 0 }],
        ['CreateTraderOrder', { account_id: account, position_type: 'LONG', order_type: 'MARKET', leverage: 5, initial_margin: -1 }],
        ['CreateTraderOrder', { account_id: account, position_type: 'UP', order_type: 'MARKET', leverage: 5, initial_margin: 1000 }],
        ['CreateTraderOrder', { account_id: account, position_type: 'LONG', order_type: 'MARKET', leverage: '5', initial_margin: 1000 }],
        ['CreateTraderOrder', { account_id: account, position_type: 'LONG', order_type: 'MARKET', leverage: 50, initial_margin: 5e6 }],
        ['CreateTraderOrder', { data: 'deadbeef' }],
        [
          'CreateTraderOrderSlTp',
          { account_id: account, position_type: 'LONG', order_type: 'MARKET', leverage: 5, initial_margin: 1000, sltp: { sl: price * 2, tp: 1 } },
        ],
        [
          'CreateTraderOrderSlTp',
          { account_id: account, position_type: 'SHORT', order_type: 'MARKET', leverage: 5, initial_margin: 1000, sltp: { sl: 'x', tp: null } },
        ],
        ['ExecuteTraderOrder', { account_id: account, uuid: uuid ?? 'u', order_type: 'DARK' }],
        ['ExecuteTraderOrder', { account_id: account, uuid: uuid ?? 'u', order_type: 'LIMIT', execution_price: -3 }],
        ['CancelTraderOrderSlTp', { account_id: account, uuid: uuid ?? 'u', order_type: 'SLTP', sltp_cancel: 7 }],
        ['CancelTraderOrderSlTp', { account_id: account, uuid: uuid ?? 'u', order_type: 'MARKET' }],
        ['PriceTick', { price: -1 }],
        ['PriceTick', { price: 1e300 }],
        ['UpdateFees', { order_filled_on_market: 0.05 }],
        ['UpdateRiskParams', { mm_ratio: -1 }],
        ['SetMarketHalt', {}],
        ['FundingCycle', { boundary: 1.5 }],
      ];
      const [type, params] = pick(bad);
      push(type, params);
    } else if (x < 0.885) {
      // lines that are not commands at all
      const id = `s${seed}-${out.length}`;
      out.push(
        pick([
          '{"v":1,"id":"broken',
          '[1,2,3]',
          'null',
          `{"v":2,"id":"${id}","ts":${ts},"type":"Snapshot","params":{}}`,
          `{"v":1,"ts":${ts},"type":"Snapshot","params":{}}`,
          `{"v":1,"id":"${id}","type":"Snapshot","params":{}}`,
          `{"v":1,"id":"${id}","ts":${ts}.5,"type":"Snapshot","params":{}}`,
          `{"v":1,"id":"${id}","ts":${ts},"type":"Teleport","params":{}}`,
          `{"v":1,"id":"${id}","ts":${ts},"type":"Snapshot","params":[1]}`,
          `{"v":1,"id":"${'x'.repeat(129)}","ts":${ts},"type":"Snapshot","params":{}}`,
          `{"v":1,"id":"${id}","ts":${ts},"type":"Heartbeat","params":{}}\r`,
          '',
          '   ',
          `{"v":1,"id":"${id}-ü","ts":${ts},"type":"CreateTraderOrder","params":{"account_id":"zoë-${id}","position_type":"LONG","order_type":"MARKET","leverage":3,"initial_margin":4000}}`,
        ]),
      );
    } else if (x < 0.91) {
      // an exact repeat of an earlier line: a duplicate (or the same refusal for a bad one)
      if (sent.length > 0) out.push(sent[Math.max(0, sent.length - 1 - Math.floor(r() * 300))]!);
    } else if (x < 0.925) {
      push('FundingCycle', r() < 0.5 ? {} : { boundary: Math.floor(ts / 3_600_000) * 3_600_000 });
    } else if (x < 0.935) {
      push(pick(['Heartbeat', 'CheckFeed', 'Snapshot', 'RecalculateRiskState']), {});
    } else if (x < 0.945) {
      push('TriggerPriceCheck', {
        price: price + Math.round((r() - 0.5) * 2000),
        check_pending_limit: r() < 0.7,
        check_liquidation: r() < 0.7,
        check_settling_limit: r() < 0.7,
      });
    } else if (x < 0.95) {
      // a feed silence: ts jumps past the stale limits, then trading is tried
      ts += pick([12_000, 31_000, 45_000]);
      push('CheckFeed', {});
      open(account);
      push('PriceTick', { price });
    } else {
      switch (Math.floor(r() * 9)) {
        case 0:
          push('UpdateFees', {
            order_filled_on_market: pick([0.04, 0.05, 0]),
            order_filled_on_limit: pick([0.02, 0.01]),
            order_settled_on_market: pick([0.04, 0.06]),
            order_settled_on_limit: pick([0.02, 0]),
          });
          break;
        case 1:
          halted = !halted;
          flagsClearAt = out.length + 10 + Math.floor(r() * 30);
          push(
            'SetMarketHalt',
            halted
              ? { enabled: true, cancel_pending_limit_orders: r() < 0.5, cancel_settling_limit_orders: r() < 0.5, pause_funding: r() < 0.3 }
              : { enabled: false, pause_funding: false, pause_price_feed: false },
          );
          break;
        case 2:
          closeOnly = !closeOnly;
          flagsClearAt = out.length + 10 + Math.floor(r() * 30);
          push('SetMarketCloseOnly', { enabled: closeOnly });
          break;
        case 3:
          push('SetPauseFunding', { enabled: r() < 0.3 });
          break;
        case 4:
          feedPaused = !feedPaused;
          flagsClearAt = out.length + 10 + Math.floor(r() * 30);
          push('SetPausePriceFeed', { enabled: feedPaused });
          break;
        case 5:
          push(
            'UpdateRiskParams',
            pick([
              { max_leverage: 20 },
              { max_leverage: 50, mm_ratio: 0.5 },
              { min_position_btc: 50_000 },
              { min_position_btc: 0, max_position_pct: 0.001 },
              { max_position_pct: 0.02, max_oi_mult: 4 },
              { mm_ratio: 0.4, max_net_mult: 0.05 },
              { max_net_mult: 0.8 },
            ]),
          );
          break;
        case 6:
          push('UpdateFeedParams', pick([{ stale_warn_ms: 5_000 }, { stale_warn_ms: 10_000, stale_halt_ms: 30_000 }, { stale_halt_ms: 20_000 }]));
          break;
        case 7:
          push('RecalculateRiskState', {});
          break;
        default:
          push('SetMarketHalt', { enabled: false, pause_funding: false, pause_price_feed: false });
          halted = false;
          feedPaused = false;
      }
    }
  }
  // the end: exit_relayer and a last snapshot
  push('SetMarketHalt', { enabled: true, cancel_pending_limit_orders: true, cancel_settling_limit_orders: true, exit_relayer: true });
  push('Snapshot', {});
  return out;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const n = Number(process.argv[2] ?? 6000);
  const seed = Number(process.argv[3] ?? 13);
  process.stdout.write(`${scenario(n, seed).join('\n')}\n`);
}
