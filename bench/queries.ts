/**
 * The queries every configuration runs, and the answers they are checked against.
 *
 *   sales: per region, count(*) and sum(amount)        (the engine, serial, every peer, DuckDB)
 *   wide:  per c0 (1000 groups), count(*) and sum(c1..c19)          (the engine and serial only)
 *
 * Two levels of agreement:
 *   - engine configurations (any worker count, serial) must return *identical* rows: same groups
 *     in the same order, bit-identical sums (the engine's sums are exact, so order cannot matter);
 *   - peers must match the engine's answer on the same file: the same rows, the same per-group
 *     counts, and sums equal to the cent. Peers add integer cents (amounts have 2 decimals), so a
 *     peer's total cannot drift by float rounding and a mismatch is a real parse difference.
 */
import { count, sum, type AggregateSpec, type MeasureSpec } from 'chunkmill';
import type { Kind } from './data.ts';

export const SALES_QUERY = {
  groupBy: ['region'],
  measures: { orders: count(), revenue: sum('amount') },
} satisfies AggregateSpec<'region', Record<string, MeasureSpec>>;

const wideMeasures: Record<string, MeasureSpec> = { rows: count() };
for (let c = 1; c < 20; c++) wideMeasures[`sum_c${c}`] = sum(`c${c}`);

export const WIDE_QUERY = { groupBy: ['c0'], measures: wideMeasures } satisfies AggregateSpec<
  'c0',
  Record<string, MeasureSpec>
>;

export function queryFor(kind: Kind): AggregateSpec {
  if (kind === 'flights') throw new Error('the flights data is for stats (versus.ts), not a group-by');
  return kind === 'sales' ? SALES_QUERY : WIDE_QUERY;
}

export function describeQuery(kind: Kind): string {
  return kind === 'sales'
    ? 'count(*), sum(amount) GROUP BY region (8 groups)'
    : 'count(*), sum(c1..c19) GROUP BY c0 (1000 groups)';
}

export interface GroupTotal {
  count: number;
  /** Sum of the amounts in cents. */
  cents: number;
}

/** The sales answer in a form every parser can produce. */
export interface Answer {
  rows: number;
  groups: Record<string, GroupTotal>;
}

/** Accumulates the sales answer from field text: what each peer does per record. */
export class Tally {
  rows = 0;
  private readonly groups = new Map<string, GroupTotal>();

  add(region: string | undefined, amount: string | undefined): void {
    this.rows++;
    const key = String(region);
    let g = this.groups.get(key);
    if (g === undefined) {
      g = { count: 0, cents: 0 };
      this.groups.set(key, g);
    }
    g.count++;
    g.cents += Math.round(Number(amount) * 100);
  }

  answer(): Answer {
    return { rows: this.rows, groups: Object.fromEntries(this.groups) };
  }
}

/** The engine's sales rows as an Answer (sums rounded to the cent). */
export function engineAnswer(rows: readonly Record<string, unknown>[], rowCount: number): Answer {
  const groups: Record<string, GroupTotal> = {};
  for (const r of rows) {
    groups[String(r.region)] = { count: Number(r.orders), cents: Math.round(Number(r.revenue) * 100) };
  }
  return { rows: rowCount, groups };
}

/** Null when the answers agree; otherwise a short account of the first differences. */
export function compareAnswers(got: Answer, want: Answer): string | null {
  const problems: string[] = [];
  if (got.rows !== want.rows)
    problems.push(`${got.rows.toLocaleString('en-US')} rows, expected ${want.rows.toLocaleString('en-US')}`);
  const keys = new Set([...Object.keys(want.groups), ...Object.keys(got.groups)]);
  for (const key of keys) {
    const g = got.groups[key];
    const w = want.groups[key];
    if (w === undefined) problems.push(`extra group ${JSON.stringify(key)} (${g!.count} rows)`);
    else if (g === undefined) problems.push(`missing group ${JSON.stringify(key)}`);
    else if (g.count !== w.count) problems.push(`${key}: count ${g.count}, expected ${w.count}`);
    else if (g.cents !== w.cents)
      problems.push(`${key}: sum ${(g.cents / 100).toFixed(2)}, expected ${(w.cents / 100).toFixed(2)}`);
  }
  if (problems.length === 0) return null;
  return problems.slice(0, 3).join('; ') + (problems.length > 3 ? `; and ${problems.length - 3} more` : '');
}
