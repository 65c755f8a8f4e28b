#!/usr/bin/env node
// CPU-time driver for comparing engine builds (docs/benchmarks.md, issue 13 rounds): runs one
// measure against the compiled `dist/` under <root> and prints one JSON line. Compare builds by
// alternating fresh processes (a scratch copy of the old build's dist/ next to the new one):
//
//   node scripts/engine-cpu.mjs <root> direct [segments]  execute() over the mixed stream, 100 000 resting orders
//   node scripts/engine-cpu.mjs <root> exec [segments]    runLine + ChainWriter (engine.exec_json's path)
//   node scripts/engine-cpu.mjs <root> exec-parts [segments]  the exec path's parts on its own lines and events, µs per line
//   node scripts/engine-cpu.mjs <root> peer [runs]         our side of peer.order_book: a limit that rests, then its cancel
//   node scripts/engine-cpu.mjs <root> cascade|adl        one tick liquidating / deleveraging 10 000 longs
//   node scripts/engine-cpu.mjs <root> cascade|adl profile  self time of those ticks alone (sampled, top 30)
//   node --expose-gc scripts/engine-cpu.mjs <root> mem    heap per resting order (100 000)
//   node --expose-gc scripts/engine-cpu.mjs <root> mem profile  what the orders add to the heap, by kind of object
//   node scripts/engine-cpu.mjs <root> probes [segments]  id-table lookups, changes and string hashes per command type
//   node --expose-gc scripts/engine-cpu.mjs <root> snapload [orders]  decodeSnapshot of a column image
//
// Rates are commands (lines) per CPU second of this process (process.cpuUsage), median of the
// segments after the first few; tick and load figures are CPU ms, medians.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';

const root = resolve(process.argv[2] ?? '.');
const mode = process.argv[3] ?? 'direct';
const arg = process.argv[4];
const imp = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { execute, emptyState, parseEnvelope } = await imp('src/engine/index.js');
const W = await imp('bench/engine/workload.js');
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const print = (o) => process.stdout.write(`${JSON.stringify({ mode, ...o })}\n`);

if (mode === 'direct' || mode === 'exec') {
  const { runLine } = await imp('src/runtime/exec-line.js');
  const { ChainWriter } = await imp('src/runtime/chain.js');
  const segments = Number(arg ?? 24);
  const prep = new W.Clock();
  const state = W.preparedState(100_000, prep);
  const genClock = new W.Clock(prep.ts);
  const gen = new W.MixedGenerator(W.preparedState(0, genClock), genClock);
  const chain = new ChainWriter();
  const rates = [];
  let n = 0;
  for (let s = 0; s < segments; s++) {
    const cmds = gen.segment(10_000);
    if (mode === 'direct') {
      const t0 = cpuMs();
      for (const c of cmds) execute(state, c);
      rates.push(cmds.length / ((cpuMs() - t0) / 1000));
    } else {
      const lines = cmds.map(W.toWire);
      const t0 = cpuMs();
      for (const line of lines) {
        n++;
        for (const e of runLine(state, line, `line:${n}`, n)) chain.push(e);
      }
      rates.push(lines.length / ((cpuMs() - t0) / 1000));
    }
  }
  print({ per_cpu_s: Math.round(median(rates.slice(Math.min(5, segments >> 2)))), seq: state.seq, chain_head: chain.last.slice(0, 8) });
} else if (mode === 'exec-parts') {
  // Where the exec path's time goes, part by part (issue 13, round five): the whole path over each
  // segment, then each non-engine part again alone over that segment's lines and events.
  const { runLine } = await imp('src/runtime/exec-line.js');
  const { ChainWriter, eventHead } = await imp('src/runtime/chain.js');
  const segments = Number(arg ?? 12);
  const prep = new W.Clock();
  const state = W.preparedState(100_000, prep);
  const genClock = new W.Clock(prep.ts);
  const gen = new W.MixedGenerator(W.preparedState(0, genClock), genClock);
  const chain = new ChainWriter();
  const parts = { whole: [], parse: [], stringify: [], chain: [], events_per_line: [] };
  const timed = (key, n, f) => {
    const t0 = cpuMs();
    f();
    parts[key].push(((cpuMs() - t0) * 1000) / n);
  };
  let n = 0;
  for (let s = 0; s < segments; s++) {
    const lines = gen.segment(10_000).map(W.toWire);
    const events = [];
    timed('whole', lines.length, () => {
      for (const line of lines) {
        n++;
        for (const e of runLine(state, line, `line:${n}`, n)) {
          events.push(e);
          chain.push(e);
        }
      }
    });
    let sink = 0;
    timed('parse', lines.length, () => {
      for (const line of lines) sink += JSON.parse(line).ts;
    });
    timed('stringify', lines.length, () => {
      for (const e of events) sink += eventHead(e).length;
    });
    const again = new ChainWriter();
    timed('chain', lines.length, () => {
      for (const e of events) sink += again.push(e).length;
    });
    parts.events_per_line.push(events.length / lines.length);
    if (sink === 0) throw new Error('nothing measured');
  }
  const skip = Math.min(3, segments >> 2);
  const us = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, Number(median(v.slice(skip)).toFixed(2))]));
  // chain is stringify + SHA-256 + the line's text (ChainWriter.push): what the path spends after the engine
  print({ us_per_line: us, seal: Number((us.chain - us.stringify).toFixed(2)), engine_and_rest: Number((us.whole - us.parse - us.chain).toFixed(2)) });
} else if (mode === 'peer') {
  // peer.order_book's workload without the peer: 5 000 pairs per run on a book of 100 000
  const runs = Number(arg ?? 24);
  const clock = new W.Clock();
  const state = W.preparedState(100_000, clock);
  const rates = [];
  for (let run = 0; run < runs; run++) {
    execute(state, W.priceTick(`fresh-${run}`, clock.tick(), W.MID));
    const base = clock.ts;
    const cmds = [];
    for (let i = 0; i < 5_000; i++) {
      const ts = base + (i >> 3);
      const r = W.restingOrder(i, ts, `probe-${run}`);
      const cancel = { account_id: r.params.account_id, uuid: W.createdUuid(r.id), order_type: 'LIMIT', sltp_cancel: null };
      cmds.push(r, { id: `${r.id}-cancel`, ts, type: 'CancelTraderOrder', params: cancel });
    }
    clock.ts = base + (5_000 >> 3) + 1;
    const t0 = cpuMs();
    for (const c of cmds) execute(state, c);
    rates.push(cmds.length / ((cpuMs() - t0) / 1000));
  }
  print({ per_cpu_s: Math.round(median(rates.slice(Math.min(6, runs >> 2)))), seq: state.seq });
} else if (mode === 'cascade' || mode === 'adl') {
  const { openPositions } = await imp('bench/engine/cascade.js');
  const clock = new W.Clock();
  const state = W.preparedState(100_000, clock);
  W.flatten(state, clock);
  if (mode === 'adl') execute(state, { id: 'cap', ts: clock.tick(), type: 'UpdateRiskParams', params: { max_pnl_factor: 1e-9, adl_target_factor: 0 } });
  // `profile`: the sampling profiler runs during the ticks only (the positions are opened between
  // them), so the table is the tick's own; --no-turbo-inlining splits it by callee.
  const profiling = arg === 'profile';
  const session = profiling ? new (await import('node:inspector/promises')).Session() : null;
  const self = new Map();
  let samples = 0;
  if (session !== null) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 50 });
  }
  const ms = [];
  for (let run = 0; run < (profiling ? 40 : 12); run++) {
    openPositions(state, clock, 10_000, run, mode);
    if (session !== null && run >= 5) await session.post('Profiler.start');
    const t0 = cpuMs();
    const events = execute(state, W.priceTick(`tick-${run}`, clock.tick(), mode === 'adl' ? 63_000 : 57_000));
    ms.push(cpuMs() - t0);
    if (session !== null && run >= 5) {
      const { profile } = await session.post('Profiler.stop');
      const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
      for (const id of profile.samples) {
        const f = byId.get(id);
        if (f.functionName === '(program)' || f.functionName === '(idle)') continue;
        const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
        self.set(name, (self.get(name) ?? 0) + 1);
        samples++;
      }
    }
    if (events.length < 10_000) throw new Error(`the tick emitted only ${events.length} events`);
    execute(state, W.priceTick(`back-${run}`, clock.tick(), W.MID));
  }
  const top = [...self].sort((x, y) => y[1] - x[1]).slice(0, 30);
  const selfPct = top.map(([name, n]) => [Number(((100 * n) / samples).toFixed(1)), name]);
  print(profiling ? { samples, self_pct: selfPct } : { cpu_ms: Number(median(ms.slice(2)).toFixed(2)) });
} else if (mode === 'mem') {
  // `profile`: heap snapshots before and after, and what the orders added, by kind of heap object
  // (objects by constructor, strings by length, boxed numbers, typed-array stores), per order
  const profiling = arg === 'profile';
  const kinds = profiling ? heapKinds() : null;
  globalThis.gc();
  const h0 = process.memoryUsage().heapUsed;
  const state = W.preparedState(100_000, new W.Clock());
  globalThis.gc();
  const perOrder = (process.memoryUsage().heapUsed - h0) / state.orders.size;
  if (kinds === null) print({ bytes_per_order: Math.round(perOrder) });
  else {
    const after = heapKinds();
    const added = [...after].map(([k, [bytes, count]]) => [k, bytes - (kinds.get(k)?.[0] ?? 0), count - (kinds.get(k)?.[1] ?? 0)]);
    added.sort((x, y) => y[1] - x[1]);
    const n = state.orders.size;
    const rows = added
      .slice(0, 12)
      .map(([k, bytes, count]) => ({ kind: k, bytes_per_order: Number((bytes / n).toFixed(1)), per_order: Number((count / n).toFixed(2)) }));
    print({ bytes_per_order: Math.round(perOrder), snapshot_bytes_per_order: Math.round(added.reduce((a, r) => a + r[1], 0) / n), by_kind: rows });
  }
} else if (mode === 'probes') {
  // How often the mixed stream touches each id table, per command type: calls of the tables'
  // lookups and changes, and how many of those hashed a string (the tables remember the last key
  // hashed). Counted by wrapping the classes' methods in this process; the engine is unchanged.
  const { StringMap } = await imp('src/engine/util/string-map.js');
  const { KeyedRing } = await imp('src/engine/util/keyed-ring.js');
  const { SortedIndex } = await imp('src/engine/triggers/sorted-index.js');
  const counts = new Map();
  let current = null;
  const bump = (what) => {
    if (current !== null) current[what] = (current[what] ?? 0) + 1;
  };
  const wrap = (cls, label, names) => {
    for (const name of names) {
      const f = cls.prototype[name];
      cls.prototype[name] = function (...a) {
        bump(`${label}.${name}`);
        return f.apply(this, a);
      };
    }
  };
  // the plain set/delete/push forms call their …Hashed forms, so only those count
  wrap(StringMap, 'map', ['get', 'has', 'setHashed', 'deleteHashed', 'deleteIfHashed']);
  wrap(KeyedRing, 'ring', ['find', 'pushHashed']);
  wrap(SortedIndex, 'book', ['insert', 'remove', 'takeAtLeast', 'takeAtMost']);
  for (const [cls, memo, field] of [
    [StringMap, 'hash', 'hashedKey'],
    [KeyedRing, 'hashOf', 'hashedKey'],
  ]) {
    const f = cls.prototype[memo];
    cls.prototype[memo] = function (key) {
      if (key !== this[field]) bump('string_hashed');
      return f.call(this, key);
    };
  }
  const prep = new W.Clock();
  const state = W.preparedState(100_000, prep);
  const genClock = new W.Clock(prep.ts);
  const gen = new W.MixedGenerator(W.preparedState(0, genClock), genClock);
  for (let s = 0; s < Number(arg ?? 10); s++) {
    for (const c of gen.segment(10_000)) {
      const row = counts.get(c.type) ?? { commands: 0 };
      counts.set(c.type, row);
      row.commands++;
      current = row;
      execute(state, c);
      current = null;
    }
  }
  const per = {};
  for (const [type, { commands, ...rest }] of counts) {
    per[type] = { commands, ...Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, Number((v / commands).toFixed(2))])) };
  }
  print({ per_command: per });
} else if (mode === 'snapload') {
  const { decodeSnapshot, encodeSnapshotImage } = await imp('src/runtime/state-file.js');
  const orders = Number(arg ?? 1_000_000);
  // the image is built once and kept, so every build decodes the same bytes
  const file = join(tmpdir(), `relayer-engine-cpu-snapshot-${orders}.bin`);
  if (!existsSync(file)) {
    const state = emptyState();
    const ts = 1_767_225_600_000;
    const run = (id, type, params) => {
      const p = parseEnvelope({ v: 1, id, ts, type, params });
      if (!p.ok) throw new Error(p.fail.reason);
      execute(state, p.cmd);
    };
    run('setup-pool', 'InitPool', { total_locked_value: 1e12, total_pool_share: 1e6, account_id: 'op' });
    run('setup-price', 'PriceTick', { price: 60_000, source: null, feed_ts: null });
    for (let k = 0; k < orders; k++) {
      const long = k % 2 === 1;
      const entryprice = long ? 50_000 - (k % 5_000) : 70_000 + (k % 5_000);
      run(`r${k}`, 'CreateTraderOrder', {
        account_id: `acct-${k}`,
        position_type: long ? 'LONG' : 'SHORT',
        order_type: 'LIMIT',
        leverage: 10,
        initial_margin: 1_000 + (k % 97),
        entryprice,
        execution_price: 0,
      });
    }
    if (state.orders.size !== orders) throw new Error(`only ${state.orders.size} of ${orders} orders rest`);
    writeFileSync(file, encodeSnapshotImage(state, '0'.repeat(64)).data);
  }
  const data = readFileSync(file);
  const ms = [];
  for (let r = 0; r < 3; r++) {
    globalThis.gc?.();
    const t0 = cpuMs();
    const back = decodeSnapshot(data);
    ms.push(cpuMs() - t0);
    if (back.state.orders.size !== orders) throw new Error('the snapshot lost orders');
  }
  print({ orders, cpu_ms: Math.round(median(ms)) });
} else {
  throw new Error(`unknown mode ${mode} (direct, exec, exec-parts, peer, cascade, adl, mem, probes, snapload)`);
}

/** Self sizes in a fresh heap snapshot, summed by kind: kind → [bytes, count]. */
function heapKinds() {
  globalThis.gc();
  const file = join(tmpdir(), `relayer-engine-cpu-${process.pid}-${Date.now()}.heapsnapshot`);
  writeHeapSnapshot(file);
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(file);
  const meta = snap.snapshot.meta;
  const width = meta.node_fields.length;
  const [T, N, S] = ['type', 'name', 'self_size'].map((f) => meta.node_fields.indexOf(f));
  const types = meta.node_types[0];
  const out = new Map();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + T]];
    const name = snap.strings[snap.nodes[i + N]];
    const kind = type.endsWith('string')
      ? `${type} of ${name.length < 64 ? name.length : '64+'} chars`
      : type === 'object' || type === 'native' || type === 'array'
        ? `${type} ${name.slice(0, 40)}`
        : type;
    const row = out.get(kind) ?? [0, 0];
    row[0] += snap.nodes[i + S];
    row[1]++;
    out.set(kind, row);
  }
  return out;
}
