// The oracle: source messages in, index commands out (SPEC §14). Pure and deterministic: it reads
// raw messages with their source and local arrival time, and is stepped at the §8 step times; the
// same messages, arrival times and steps give the same commands, which is what makes a recording
// replay exactly (docs/feeds.md). No clock, no I/O: the live loop and the file replay both drive it.
//
// A message counts from the first step at or after its arrival (a message that arrives while a
// late step timer is still catching up is held back), so a replay need not know how late the live
// timers ran.
import { EXCHANGES } from './exchanges/index.js';
import type { Exchange, Parsed } from './exchanges/types.js';
import type { Emission, TickGate } from './gate.js';
import { indexAt, type Exclusion, type IndexResult, type IndexRule } from './index-price.js';

export interface OracleSource {
  name: string;
  exchange: string;
  symbol: string;
}

/** What the oracle knows of one source; `reconnects` is kept by the connection, the rest here. */
export interface SourceStats {
  exchange: string;
  symbol: string;
  last_price: number | null;
  /** Local arrival time (ms) of the last price. */
  last_at: number | null;
  messages: number;
  trades: number;
  /** Messages that could not be read (skipped). */
  dropped: number;
  reconnects: number;
  /** How the last step treated it. */
  state: 'used' | Exclusion;
  /** Times it went from used (or stale) to excluded, by reason. */
  excluded: Record<Exclusion, number>;
}

/** A change worth a status line and a log line: a source left out or back, the quorum lost or back. */
export type OracleNote =
  | { kind: 'excluded'; source: string; reason: Exclusion; price: number | null; index: number | null }
  | { kind: 'included'; source: string; price: number }
  | { kind: 'quorum_lost'; why: 'fresh' | 'agreeing'; used: number; quorum: number; excluded: Record<string, Exclusion> }
  | { kind: 'quorum_regained'; index: number; used: number; quorum: number };

/** A command the step decided, with the index it carries (its `sources` and `excluded`). */
export interface Sent {
  emission: Emission;
  index: IndexResult;
}

/** A step: the index at its end, the commands to send in order (at most one unless tick ms is 0), what changed. */
export interface StepOutcome {
  t: number;
  index: IndexResult;
  sent: Sent[];
  notes: OracleNote[];
}

interface Pending {
  name: string;
  price: number;
  at: number;
}

export class Oracle {
  readonly stats: Record<string, SourceStats> = {};
  private readonly exchanges = new Map<string, Exchange>();
  private readonly quotes = new Map<string, { price: number | null; at: number | null }>();
  private pending: Pending[] = [];
  /** A source delivered a trade since the last command (for the gate's heartbeat rule). */
  private delivered = false;
  private quorate = false;
  private everQuorate = false;
  private lastStep: number | null = null;
  lastIndex: IndexResult | null = null;

  constructor(
    sources: readonly OracleSource[],
    readonly rule: IndexRule,
    private readonly gate: TickGate,
  ) {
    if (sources.length === 0) throw new RangeError('an index needs at least one source');
    if (!Number.isInteger(rule.quorum) || rule.quorum < 1 || rule.quorum > sources.length) {
      throw new RangeError(`quorum must be an integer from 1 to the number of sources (${sources.length})`);
    }
    if (!(rule.maxDeviation >= 0) || !Number.isFinite(rule.maxDeviation)) throw new RangeError('max deviation must be a non-negative number');
    if (!(rule.staleMs >= 0) || !Number.isFinite(rule.staleMs)) throw new RangeError('source stale ms must be a non-negative number');
    for (const s of sources) {
      const ex = EXCHANGES[s.exchange];
      if (ex === undefined) throw new RangeError(`unknown exchange ${s.exchange}`);
      if (this.exchanges.has(s.name)) throw new RangeError(`two sources named ${s.name}`);
      this.exchanges.set(s.name, ex);
      this.quotes.set(s.name, { price: null, at: null });
      this.stats[s.name] = {
        exchange: s.exchange,
        symbol: s.symbol,
        last_price: null,
        last_at: null,
        messages: 0,
        trades: 0,
        dropped: 0,
        reconnects: 0,
        state: 'stale',
        excluded: { stale: 0, deviation: 0 },
      };
    }
  }

  /** A raw message of source `name` that arrived at `at` (arrival times must not go back). */
  message(name: string, text: string, at: number): Parsed {
    const ex = this.exchanges.get(name);
    if (ex === undefined) throw new RangeError(`unknown source ${name}`);
    const st = this.stats[name]!;
    st.messages++;
    const m = ex.parse(text);
    if (m.kind === 'malformed') st.dropped++;
    if (m.kind !== 'trade') return m;
    st.trades++;
    st.last_price = m.price;
    st.last_at = at;
    this.pending.push({ name, price: m.price, at });
    return m;
  }

  /**
   * The step at time `t` (steps must not go back). Like the single-source feed, which at one
   * instant first sends what was due and then reads a price arriving at that instant, it first
   * evaluates the index over the messages that arrived before `t`, then again with those that
   * arrived at `t` exactly (if any): so one source alone sends exactly what that feed sends.
   */
  step(t: number): StepOutcome {
    if (this.lastStep !== null && t < this.lastStep) throw new RangeError(`step ${t} before step ${this.lastStep}`);
    this.lastStep = t;
    const sent: Sent[] = [];
    this.apply((at) => at < t);
    let index = this.evaluate(t, sent);
    if (this.apply((at) => at <= t)) index = this.evaluate(t, sent);
    this.lastIndex = index;
    return { t, index, sent, notes: this.noteChanges(index) };
  }

  /** Moves the pending messages that pass `due` (a prefix: arrivals do not go back) into the quotes. */
  private apply(due: (at: number) => boolean): boolean {
    let i = 0;
    for (; i < this.pending.length && due(this.pending[i]!.at); i++) {
      const p = this.pending[i]!;
      this.quotes.set(p.name, { price: p.price, at: p.at });
      this.delivered = true;
    }
    if (i > 0) this.pending = this.pending.slice(i);
    return i > 0;
  }

  /** The index at `t` over the quotes as they are, offered to the gate when the quorum holds. */
  private evaluate(t: number, sent: Sent[]): IndexResult {
    const quotes = [...this.quotes].map(([name, q]) => ({ name, price: q.price, at: q.at }));
    const index = indexAt(quotes, t, this.rule);
    if (index.price !== null) {
      const emission = this.gate.offer(index.price, null, t, this.delivered);
      if (emission !== null) {
        this.delivered = false;
        sent.push({ emission, index });
      }
    }
    return index;
  }

  private noteChanges(index: IndexResult): OracleNote[] {
    const notes: OracleNote[] = [];
    for (const [name, st] of Object.entries(this.stats)) {
      const before: 'used' | Exclusion = st.state;
      const now: 'used' | Exclusion = name in index.excluded ? index.excluded[name]! : index.price === null ? before : 'used';
      if (now === before) continue;
      st.state = now;
      if (now === 'used') {
        // back after an exclusion is news; a source's first use is not
        if (st.excluded.stale + st.excluded.deviation > 0) notes.push({ kind: 'included', source: name, price: index.sources[name]! });
        continue;
      }
      const price = this.quotes.get(name)!.price;
      // a source not yet heard from starts stale: that is not news
      if (now === 'stale' && price === null) continue;
      st.excluded[now]++;
      notes.push({ kind: 'excluded', source: name, reason: now, price, index: index.price });
    }
    const quorate = index.price !== null;
    if (quorate !== this.quorate) {
      if (!quorate && this.everQuorate) {
        notes.push({ kind: 'quorum_lost', why: index.short!, used: Object.keys(index.sources).length, quorum: this.rule.quorum, excluded: index.excluded });
      }
      if (quorate) notes.push({ kind: 'quorum_regained', index: index.price!, used: Object.keys(index.sources).length, quorum: this.rule.quorum });
      this.quorate = quorate;
      this.everQuorate ||= quorate;
    }
    return notes;
  }
}

/** The first step time at or after `t` on the `stepMs` grid (steps sit on multiples of stepMs since the epoch). */
export function stepAtOrAfter(t: number, stepMs: number): number {
  return Math.ceil(t / stepMs) * stepMs;
}
