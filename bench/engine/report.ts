// Results: one flat object per result with its target and whether it holds; printed as one JSON
// line each (--json) or as a cli-table3 table.
import Table from 'cli-table3';

export type Metrics = Record<string, number | string | boolean | null>;

export interface Target {
  metric: string;
  op: '>=' | '<=';
  value: number;
}

export interface Result extends Metrics {
  name: string;
  target: string;
  ok: boolean;
}

export function result(name: string, metrics: Metrics, t: Target): Result {
  const v = metrics[t.metric];
  if (typeof v !== 'number') throw new Error(`${name}: target metric ${t.metric} missing`);
  const ok = t.op === '>=' ? v >= t.value : v <= t.value;
  return { name, ...metrics, target: `${t.metric} ${t.op} ${t.value}`, ok };
}

/** Streams results as they complete: a JSON line each in JSON mode, a progress note otherwise. */
export class Reporter {
  readonly results: Result[] = [];

  private readonly started = Date.now();

  constructor(private readonly json: boolean) {}

  add(r: Result): void {
    this.results.push(r);
    if (this.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else this.note(`done ${r.name}`);
  }

  /** Progress for people (stderr, only on a terminal, never in JSON mode). */
  note(text: string): void {
    if (!this.json && process.stderr.isTTY) process.stderr.write(`  ${((Date.now() - this.started) / 1000).toFixed(1).padStart(5)} s  ${text}\n`);
  }

  /** The readable table (non-JSON mode) once every result is in. */
  finish(header: string): void {
    if (this.json) return;
    const table = new Table({ head: ['result', 'figures', 'target', 'ok'], style: { head: [], border: [] }, wordWrap: true, colWidths: [18, 62, 26, 6] });
    for (const r of this.results) {
      const figures = Object.entries(r)
        .filter(([k]) => k !== 'name' && k !== 'target' && k !== 'ok')
        .map(([k, v]) => `${k} ${format(v)}`)
        .join('\n');
      table.push([r.name, figures, r.target, r.ok ? 'yes' : 'NO']);
    }
    process.stdout.write(`${header}\n${table.toString()}\n`);
  }
}

function format(v: unknown): string {
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v) && Math.abs(v) >= 10_000) return v.toLocaleString('en-US');
  return String(v);
}
