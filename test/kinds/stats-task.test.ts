/**
 * The stats task's init / reduce / combine / finalize, driven by hand-built rows: types, counts,
 * ranges, exact means, and distinct counts that do not depend on how the rows were chunked.
 */
import { describe, expect, test } from 'vitest';
import type { Row, TaskContext } from 'chunkmill';
import statsTask, { type StatsAcc, type StatsResult } from '../../src/kinds/builtin/stats.ts';
import type { StatsParams } from '../../src/kinds/builtin/stats-params.ts';
import { addToSketch, estimate, mergeSketches, newSketch } from '../../src/kinds/builtin/hll.ts';

function ctx(columns: string[], params: StatsParams = {}): TaskContext<StatsParams | undefined> {
  return { params, columns, chunkIndex: 0, threadId: 0, log() {}, progress() {} };
}

function row(columns: string[], fields: string[]): Row {
  const index = (c: string | number) => (typeof c === 'number' ? c : columns.indexOf(c));
  return {
    length: fields.length,
    get: (c) => fields[index(c)]!,
    number: (c) => (fields[index(c)] === '' ? null : Number(fields[index(c)])),
    toObject: () => Object.fromEntries(columns.map((c, i) => [c, fields[i]!])),
    toArray: () => [...fields],
  };
}

/** Runs the task over `rows` split into chunks at `cuts`, each partial cloned as it would cross threads. */
function run(columns: string[], rows: string[][], cuts: number[] = [], params: StatsParams = {}): StatsResult {
  const c = ctx(columns, params);
  const bounds = [0, ...cuts, rows.length];
  const partials: StatsAcc[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    let acc = statsTask.init(c);
    for (let i = bounds[k]!; i < bounds[k + 1]!; i++) acc = statsTask.reduce(acc, row(columns, rows[i]!), c) ?? acc;
    partials.push(structuredClone(acc));
  }
  const combined = partials.reduce((a, b) => statsTask.combine(a, b));
  return statsTask.finalize!(combined, { params, columns });
}

const COLUMNS = ['id', 'price', 'name', 'blank', 'mixed'];
const ROWS = [
  ['3', '1.5', 'pear', '', '10'],
  ['1', '', 'apple', '', 'x'],
  ['2', '-2e1', 'fig', '', ' 7 '],
  ['10', '.25', 'apple', '', ''],
];

test('types, counts, empties, ranges and means per column', () => {
  const r = run(COLUMNS, ROWS);
  expect(r.rows).toBe(4);
  expect(r.columns).toEqual([
    { column: 'id', type: 'integer', count: 4, empty: 0, min: 1, max: 10, mean: 4, distinct: 4, distinctExact: true },
    {
      column: 'price',
      type: 'number',
      count: 3,
      empty: 1,
      min: -20,
      max: 1.5,
      mean: (1.5 - 20 + 0.25) / 3,
      distinct: 3,
      distinctExact: true,
    },
    // Strings compare by UTF-16 code units.
    {
      column: 'name',
      type: 'string',
      count: 4,
      empty: 0,
      min: 'apple',
      max: 'pear',
      mean: null,
      distinct: 3,
      distinctExact: true,
    },
    {
      column: 'blank',
      type: 'empty',
      count: 0,
      empty: 4,
      min: null,
      max: null,
      mean: null,
      distinct: 0,
      distinctExact: true,
    },
    // One text value makes the column a string column: text order, no mean.
    {
      column: 'mixed',
      type: 'string',
      count: 3,
      empty: 1,
      min: ' 7 ',
      max: 'x',
      mean: null,
      distinct: 3,
      distinctExact: true,
    },
  ]);
});

test('every chunking gives the same result (combine is associative; partials survive structured clone)', () => {
  const whole = run(COLUMNS, ROWS);
  for (const cuts of [[1], [2], [3], [1, 2, 3], [0, 0, 4]])
    expect(run(COLUMNS, ROWS, cuts), JSON.stringify(cuts)).toEqual(whole);
});

test('means come from exact sums: no drift with the order of additions', () => {
  const rows = [['1e16'], ['1'], ['-1e16'], ['1']];
  for (const cuts of [[], [1], [2], [3]]) expect(run(['v'], rows, cuts).columns[0]!.mean).toBe(0.5);
});

test('a column that is numeric in one chunk and text in another is a string column', () => {
  const rows = [['5'], ['40'], ['abc']];
  const r = run(['v'], rows, [2]);
  expect(r.columns[0]).toMatchObject({ type: 'string', min: '40', max: 'abc', mean: null });
});

describe('distinct counts', () => {
  const values = (n: number, prefix = 'v') => Array.from({ length: n }, (_, i) => [`${prefix}${i}`]);

  test('exact up to the limit, whatever the chunking', () => {
    const rows = [...values(50), ...values(50)]; // 50 distinct, each twice
    for (const cuts of [[], [25], [50], [10, 60, 90]]) {
      expect(run(['v'], rows, cuts, { distinctLimit: 50 }).columns[0]).toMatchObject({
        distinct: 50,
        distinctExact: true,
      });
    }
  });

  test('an estimate past the limit, the same for every chunking, within 3%', () => {
    const rows = values(20_000);
    const results = [[], [5_000], [19_990], [100, 200, 15_000]].map(
      (cuts) => run(['v'], rows, cuts, { distinctLimit: 1_000 }).columns[0]!,
    );
    for (const r of results) {
      expect(r.distinctExact).toBe(false);
      expect(r).toEqual(results[0]);
    }
    expect(Math.abs(results[0]!.distinct - 20_000) / 20_000).toBeLessThan(0.03);
  });

  test('one chunk past the limit and one below still give a sketch of the union', () => {
    const rows = [...values(30, 'a'), ...values(5, 'b')];
    const r = run(['v'], rows, [30], { distinctLimit: 20 }).columns[0]!;
    expect(r.distinctExact).toBe(false);
    expect(r.distinct).toBe(35); // linear counting is exact at this size
  });
});

describe('HyperLogLog', () => {
  test('merging sketches equals sketching the union', () => {
    const a = newSketch();
    const b = newSketch();
    const both = newSketch();
    for (let i = 0; i < 5_000; i++) {
      addToSketch(i % 3 === 0 ? a : b, `k${i}`);
      addToSketch(both, `k${i}`);
    }
    expect(mergeSketches(a, b)).toEqual(both);
  });

  test.each([100, 10_000, 300_000])('estimates %i distinct values within 3%', (n) => {
    const s = newSketch();
    for (let i = 0; i < n; i++) addToSketch(s, `user-${i * 7919}@example.com`);
    expect(Math.abs(estimate(s) - n) / n).toBeLessThan(0.03);
  });
});
