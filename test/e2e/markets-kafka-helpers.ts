// Helpers for the multi-market Kafka tests: the broker (or why they skip), a market's flags, its
// workload (each envelope naming the market), and the exactly-once check of one market against `relayer exec --market M` over that market's own committed input.
import assert from 'node:assert/strict';
import { relayer } from './cli-helpers.js';
import { kafkaTarget } from './kafka-helpers.js';
import { workload } from '../../src/workload/commands.js';

/** The broker the market tests use, or why they are skipped. */
export async function marketsTarget(): Promise<{ brokers: string; skip: string | false }> {
  const t = await kafkaTarget();
  return 'skip' in t ? { brokers: '', skip: t.skip } : { brokers: t.brokers, skip: false };
}

/** Says loudly that a test is skipped (node:test only prints "# SKIP"). */
export function loudSkip(reason: string): string {
  process.stderr.write(`\n!!!!!!!!!! SKIPPING: ${reason} !!!!!!!!!!\n\n`);
  return reason;
}

/** `--market M` plus the case's Kafka flags and a data dir of its own. */
export const onMarket = (args: string[], market: string): string[] => [...args, '--market', market];

/** `n` commands for `market`: the generated workload with ids unique to the market and the envelope's `market` set (D160: absent = BTC-USD). */
export function marketWorkload(market: string, n: number, seed: number, tag = ''): string {
  const lines = workload(n, seed, `${market.toLowerCase()}${tag}-`).map((l) => {
    if (market === 'BTC-USD') return l;
    const o = JSON.parse(l) as Record<string, unknown>;
    return JSON.stringify({ ...o, market });
  });
  return `${lines.join('\n')}\n`;
}

export interface MarketStatus {
  lag: number;
  last_seq: number;
  input_head: number;
  input_committed: number;
}

export function marketStatus(args: string[]): MarketStatus | null {
  const r = relayer(['status', ...args, '--json']);
  if (r.code !== 0) return null;
  const s = JSON.parse(r.stdout) as MarketStatus & { markets?: MarketStatus[] };
  return s;
}

/** The number of records on the market's input log. */
export function inputCount(args: string[]): number {
  const inbox = relayer(['events', ...args, '--inbox']);
  assert.equal(inbox.code, 0, inbox.stderr);
  return inbox.stdout.trim() === '' ? 0 : inbox.stdout.trim().split('\n').length;
}

/**
 * One market, exactly once: its input log (every submitted command once) through
 * `relayer exec --market M` gives its stored event log byte for byte, seq gapless, each command's
 * events in one place, every event of this market only, replay's state hash = exec's, verify passes.
 */
export function assertMarketExactlyOnce(args: string[], market: string, expectedInputs: number): { events: number; state_hash: string } {
  const inbox = relayer(['events', ...args, '--inbox']);
  assert.equal(inbox.code, 0, inbox.stderr);
  const inputs = inbox.stdout.trim().split('\n');
  assert.equal(inputs.length, expectedInputs, `${market}: every submitted command (and the genesis) is on its input log once`);
  const exec = relayer(['exec', '--market', market, '--json'], inbox.stdout);
  assert.equal(exec.code, 0, exec.stderr);
  const expected = exec.stdout.trim().split('\n');
  const summary = JSON.parse(expected.pop()!) as { summary: { state_hash: string } };
  const stored = relayer(['events', ...args, '--json']);
  assert.equal(stored.code, 0, stored.stderr);
  const got = stored.stdout.trim().split('\n');
  assert.equal(got.length, expected.length, `${market}: no event lost, none duplicated`);
  const runs = new Map<string, number>();
  let prev = '';
  let rejectedForMarket = 0;
  for (let i = 0; i < got.length; i++) {
    const e = JSON.parse(got[i]!) as { seq: number; cmd: string; type: string; data?: { reason?: string } };
    assert.equal(e.seq, i + 1, `${market}: seq is gapless`);
    if (got[i] !== expected[i]) assert.fail(`${market}: event ${i + 1} differs from exec --market:\n${got[i]}\n${expected[i]}`);
    // the wrong-market rejection names both market ids (D161)
    if (e.type === 'Rejected' && /\b[A-Z0-9]{2,12}-[A-Z0-9]{2,12}\b/.test(e.data?.reason ?? '')) rejectedForMarket++;
    if (e.cmd !== prev) runs.set(e.cmd, (runs.get(e.cmd) ?? 0) + 1);
    prev = e.cmd;
  }
  assert.equal(rejectedForMarket, 0, `${market}: no command was refused as another market's (each went to its own market's log)`);
  for (const [cmd, n] of runs) assert.equal(n, 1, `${market}: command ${cmd} has one outcome, in one place`);
  const replay = relayer(['replay', ...args, '--json']);
  assert.equal(replay.code, 0, replay.stderr);
  assert.equal((JSON.parse(replay.stdout) as { state_hash: string }).state_hash, summary.summary.state_hash, `${market}: replay gives exec's state hash`);
  const verify = relayer(['verify', ...args]);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  return { events: got.length, state_hash: summary.summary.state_hash };
}

/** Deletes every topic of a test's prefix (each market's set and the registry), and their groups. */
export async function deletePrefixed(brokers: string, prefix: string): Promise<void> {
  const { createKafka } = await import('../../src/store/kafka/client.js');
  const { kafkaConfig } = await import('../../src/store/kafka/config.js');
  const { silentLogger } = await import('../../src/infra/logger.js');
  const admin = createKafka(kafkaConfig({ kafka: brokers })!, silentLogger()).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
  } catch {
    /* best effort: the names are unique anyway */
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
