/**
 * Expressions through the library: processDataset's aggregate.groupBy and where take the same
 * expression strings as the CLI, compiled once and evaluated in the workers; every chunk size and
 * worker count gives the serial result. The group-measures task takes them too, with stddev,
 * var, any quantile and mode merged exactly across chunks (Welford per chunk, Chan's merge).
 */
import { expect, test } from 'vitest';
import { count, groupMeasuresTask, processDataset, processSerial, stddev, sum, variance } from 'chunkmill';
import { substr } from '../../src/kinds/expr/eval.ts';
import { likeMatcher, regexRefusal } from '../../src/kinds/expr/regex.ts';
import { compareDecimal } from '../../src/kinds/filter/value-test.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { QUICK_MATRIX, runMatrix } from '../helpers/matrix.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const lines = ['ts,city,v'];
for (let i = 0; i < 300; i++) {
  const ts =
    i % 17 === 0
      ? ''
      : `2023-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 27) + 1).padStart(2, '0')}${i % 2 ? ` ${String(i % 24).padStart(2, '0')}:15` : ''}`;
  lines.push(
    `${ts},${['Köln', 'köln', '"Bonn, Rhein"', 'AACHEN'][i % 4]},${i % 13 === 0 ? '' : ((i * 7919) % 1000) / 10 - 20.1}`,
  );
}
const input = tmp.file('exprs.csv', lines.join('\n') + '\n');

test('aggregate groupBy expressions and where: every chunk size and worker count gives the serial rows', {
  timeout: 120_000,
}, async () => {
  const serial = await runMatrix(
    {
      input,
      aggregate: {
        groupBy: ['month(ts) as m', 'lower(substr(city, 1, 4))'],
        measures: { n: count(), total: sum('v') },
      },
      where: 'v * 2 between -10 and 150 or city like "%Rhein"',
    },
    QUICK_MATRIX,
  );
  // The oracle: the same figures computed here, row by row.
  const want = new Map<string, number>();
  for (const line of lines.slice(1)) {
    const [, ts, city, v] = /^([^,]*),("[^"]*"|[^,]*),(.*)$/.exec(line)!;
    const town = city!.replaceAll('"', '');
    if (!((v !== '' && Number(v) * 2 >= -10 && Number(v) * 2 <= 150) || town.endsWith('Rhein'))) continue;
    const key = `${ts === '' ? '' : String(Number(ts!.slice(5, 7)))}|${town.slice(0, 4).toLowerCase()}`;
    want.set(key, (want.get(key) ?? 0) + 1);
  }
  const got = new Map(serial.rows.map((r) => [`${r.m}|${r['lower(substr(city, 1, 4))']}`, r.n]));
  expect(got).toEqual(want);
  expect(Object.keys(serial.rows[0]!)).toEqual(['m', 'lower(substr(city, 1, 4))', 'n', 'total']);
});

test('the group-measures task: expression keys, stddev/var by a stable merge, any quantile, mode', {
  timeout: 60_000,
}, async () => {
  const params = {
    groupBy: ["date_trunc('year', ts) as y", 'upper(city)'],
    measures: [
      { name: 'sd', kind: 'stddev' as const, column: 'v' },
      { name: 'var', kind: 'variance' as const, column: 'v' },
      { name: 'q', kind: 'quantile' as const, column: 'v', q: 0.37 },
      { name: 'mode', kind: 'mode' as const, column: 'city' },
    ],
  };
  const serial = (await processSerial({ input, task: groupMeasuresTask, params })).value;
  for (const [chunkSize, workers] of [
    [7, 3],
    [64, 2],
  ] as const) {
    const { value } = await processDataset({ input, task: groupMeasuresTask, params, chunkSize, workers }).result;
    expect(value.length).toBe(serial.length);
    value.forEach((row, i) => {
      const s = serial[i]!;
      expect([row.y, row['upper(city)'], row.q, row.mode]).toEqual([s.y, s['upper(city)'], s.q, s.mode]);
      // The merge order differs from the serial fold: equal to ~1 ulp, not bit for bit.
      expect(Math.abs((row.sd as number) - (s.sd as number))).toBeLessThan(1e-12 * Math.abs(s.sd as number));
    });
  }
  // Large values with a small spread: the naive sum of squares would cancel to garbage.
  const shifted = tmp.file('shifted.csv', `v\n${[4, 7, 13, 16].map((x) => 1e9 + x).join('\n')}\n`);
  const { value } = await processDataset({
    input: shifted,
    task: groupMeasuresTask,
    params: { groupBy: [], measures: [{ name: 'var', kind: 'variance', column: 'v' }] },
    chunkSize: 12,
    workers: 2,
  }).result;
  expect(value[0]!.var).toBe(30);
});

test('stddev() and variance() in the byte-level aggregate: the task figures, at every chunking, stable on shifted data', {
  timeout: 120_000,
}, async () => {
  const params = {
    groupBy: ['upper(city)'],
    measures: [
      { name: 'sd', kind: 'stddev' as const, column: 'v' },
      { name: 'var', kind: 'variance' as const, column: 'v' },
    ],
  };
  const task = (await processSerial({ input, task: groupMeasuresTask, params })).value;
  for (const [chunkSize, workers] of [
    [1, 3],
    [7, 2],
    [64, 3],
    [1 << 20, 1],
  ] as const) {
    const { rows } = await processDataset({
      input,
      aggregate: { groupBy: ['upper(city)'], measures: { sd: stddev('v'), var: variance('v'), n: count() } },
      chunkSize,
      workers,
    }).result;
    expect(rows.map((r) => r['upper(city)'])).toEqual(task.map((r) => r['upper(city)']));
    rows.forEach((r, i) => {
      for (const k of ['sd', 'var'] as const)
        expect(Math.abs((r[k] as number) - (task[i]![k] as number))).toBeLessThan(1e-12 * (task[i]![k] as number));
    });
  }
  const shifted = tmp.file('shifted-agg.csv', `g,v\n${[4, 7, 13, 16].map((x) => `a,${1e9 + x}`).join('\n')}\nb,5\n`);
  const { rows } = await processDataset({
    input: shifted,
    aggregate: { groupBy: ['g'], measures: { var: variance('v'), sd: stddev('v') } },
    chunkSize: 13,
    workers: 2,
  }).result;
  expect(rows).toEqual([
    { g: 'a', var: 30, sd: Math.sqrt(30) },
    { g: 'b', var: null, sd: null },
  ]);
});

test('coded errors from the library: the option path, the character, a did-you-mean', async () => {
  const error = await rejectionOf(
    processDataset({ input, aggregate: { groupBy: ['lowr(city)'], measures: { n: count() } } }).result,
  );
  expect(error).toMatchObject({
    code: 'ERR_INVALID_OPTION',
    option: 'aggregate.groupBy[0]',
    hint: expect.stringMatching(/^did you mean lower\(\)\?/),
  });
  expect(error.message).toContain('unknown function lowr() (character 1)');
  const where = await rejectionOf(
    processDataset({ input, where: 'month(ts) = "x"', aggregate: { measures: { n: count() } } }).result,
  );
  expect(where).toMatchObject({ code: 'ERR_INVALID_OPTION', option: 'where' });
  expect(where.message).toContain('this is a number: compare it with a number');
});

test('helpers: substr as DuckDB, like without backtracking blow-up, regex refusals, exact decimals', () => {
  expect([substr('hello', 0, 2), substr('hello', -3, undefined), substr('hello', -3, 2), substr('a😀b', 2, 1)]).toEqual(
    ['h', 'llo', 'll', '😀'],
  );
  expect(likeMatcher('a%b_')('axxbc')).toBe(true);
  expect(likeMatcher('%😀_')('x😀y')).toBe(true);
  expect(likeMatcher('a%a%a%a%a%b')('a'.repeat(5000))).toBe(false); // linear-ish, not exponential
  expect(regexRefusal('(ab|c)+')).toMatchObject({ at: 6 });
  expect(regexRefusal('[(+)]+x\\d{2,5}')).toBeNull();
  expect(regexRefusal('a{1,}b{2,}c+d*e*')).toMatchObject({ reason: expect.stringContaining('unbounded') });
  expect(compareDecimal('9007199254740993', '9007199254740992')).toBe(1);
  expect(compareDecimal('-9007199254740993.0', '-9007199254740993')).toBe(0);
  expect(compareDecimal('-9007199254740994', '-9007199254740993')).toBe(-1);
});
