/**
 * The group-measures task reduces records from their bytes (src/kinds/builtin/group-measures-bytes.ts);
 * its results must equal those of its own reduce() on row strings (the same module run as an
 * unrecognised copy, fixtures/tasks/group-measures-generic.mjs), and its quantiles and distinct
 * counts those of the obvious sort and Set: random values with many repeats, negatives, -0 and 0,
 * decimals, empty fields, quoted keys and values (with doubled quotes, one text written two ways),
 * multi-byte UTF-8, one key or two; at several chunk sizes x worker counts; many distinct values
 * in a chunk; and a field that is not UTF-8.
 */
import { writeFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { groupMeasuresTask, processDataset, processSerial, type GroupMeasuresParams, type GroupRow } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { rng } from '../helpers/random-csv.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const generic = new URL('../../fixtures/tasks/group-measures-generic.mjs', import.meta.url).href;

/** Key texts; '"a"' and 'a' are one text written two ways, as are '"q""x"' and a bare q"x is not used. */
const KEYS = ['a', '"a"', 'b', '', '"q""x"', 'Zürich', '東京', '"c,d"'];
// 'x""y' (bare) and '"x""""y"' are one text, x""y: one counted by its bytes, one by its text.
const TAGS = ['t0', 't1', '"t1"', 'x""y', '"x""y"', '"x""""y"', '', 'é', '😀', '"1,5"', '7', '07'];

/** The text a CSV field stands for. */
const textOf = (field: string) => (field.startsWith('"') ? field.slice(1, -1).replaceAll('""', '"') : field);

interface Made {
  path: string;
  rows: { k1: string; k2: string; x: string; tag: string }[];
}

function randomFile(name: string, seed: number, rows: number): Made {
  const random = rng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const lines = ['k1,k2,x,tag'];
  const made: Made['rows'] = [];
  for (let r = 0; r < rows; r++) {
    const k1 = pick(KEYS);
    const k2 = random() < 0.5 ? 'p' : '"p"';
    const u = random();
    // Repeats (a few hundred integers), -0 and 0, decimals, large magnitudes, empty fields.
    const x =
      u < 0.08
        ? ''
        : u < 0.12
          ? '-0'
          : u < 0.16
            ? '0'
            : u < 0.6
              ? String(Math.floor(random() * 300) - 150)
              : u < 0.9
                ? (random() * 2000 - 1000).toFixed(Math.floor(random() * 4))
                : String(Math.floor(random() * 2 ** 52) * (random() < 0.5 ? -1 : 1));
    const tag = pick(TAGS);
    lines.push([k1, k2, x, tag].join(','));
    made.push({ k1: textOf(k1), k2: textOf(k2), x, tag: textOf(tag) });
  }
  const path = `${tmp.dir}/${name}.csv`;
  writeFileSync(path, lines.join('\n') + '\n');
  return { path, rows: made };
}

const measures: GroupMeasuresParams['measures'] = [
  { name: 'n', kind: 'count' },
  { name: 'tags', kind: 'distinct', column: 'tag' },
  { name: 'xs', kind: 'distinct', column: 'x' },
  { name: 'med', kind: 'quantile', column: 'x', q: 0.5 },
  { name: 'p0', kind: 'quantile', column: 'x', q: 0 },
  { name: 'p37', kind: 'quantile', column: 'x', q: 0.37 },
  { name: 'p100', kind: 'quantile', column: 'x', q: 1 },
  { name: 'total', kind: 'sum', column: 'x' },
  { name: 'top', kind: 'mode', column: 'tag' },
];

type Options = { chunkSize?: number; workers?: number };
async function run(input: string, task: string, params: GroupMeasuresParams, o: Options = {}): Promise<GroupRow[]> {
  const job =
    o.chunkSize === undefined
      ? processSerial({ input, task, params })
      : processDataset({ input, task, params, chunkSize: o.chunkSize, workers: o.workers ?? 2 }).result;
  return ((await job) as { value: GroupRow[] }).value;
}

/** Type-7 quantile, the slow obvious way: the oracle. */
function quantileOf(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!);
}

test.each([
  ['one key', ['k1']],
  ['two keys', ['k1', 'k2']],
])(
  'random values, %s: reduce()’s results at every chunking, and the oracle’s',
  { timeout: 300_000 },
  async (_, groupBy) => {
    const { path, rows } = randomFile(`random-${groupBy.length}`, 11 + groupBy.length, 2500);
    const params: GroupMeasuresParams = { groupBy, measures };
    const want = await run(path, generic, params);
    expect(await run(path, groupMeasuresTask.url, params)).toStrictEqual(want);
    for (const [chunkSize, workers] of [
      [7, 3],
      [64, 2],
      [4096, 1],
      [1 << 20, 2],
    ] as const)
      expect(
        await run(path, groupMeasuresTask.url, params, { chunkSize, workers }),
        `${chunkSize} x ${workers}`,
      ).toStrictEqual(want);
    expect(await run(path, generic, params, { chunkSize: 64, workers: 2 })).toStrictEqual(want);
    // The oracle: each group's rows in the test's own hands.
    const keyOf = (r: (typeof rows)[number]) => groupBy.map((k) => r[k as 'k1' | 'k2']);
    expect(want.map((g) => groupBy.map((k) => g[k]))).toStrictEqual([
      ...new Map(rows.map((r) => [JSON.stringify(keyOf(r)), keyOf(r)])).values(),
    ]);
    for (const g of want) {
      const mine = rows.filter((r) => JSON.stringify(keyOf(r)) === JSON.stringify(groupBy.map((k) => g[k])));
      const xs = mine.filter((r) => r.x !== '').map((r) => Number(r.x));
      expect(g.n).toBe(mine.length);
      expect(g.tags).toBe(new Set(mine.map((r) => r.tag).filter((t) => t !== '')).size);
      expect(g.xs).toBe(new Set(mine.map((r) => r.x).filter((t) => t !== '')).size);
      for (const [name, q] of [
        ['med', 0.5],
        ['p0', 0],
        ['p37', 0.37],
        ['p100', 1],
      ] as const) {
        const expected = quantileOf(xs, q);
        // == on purpose: of -0 and 0 the oracle's sort and the selection may pick either.
        expect(g[name] === expected, `${JSON.stringify(g)} ${name}: ${g[name]} vs ${expected}`).toBe(true);
      }
    }
  },
);

test('many distinct (group, value) pairs in a chunk: the same counts', {
  timeout: 120_000,
}, async () => {
  const path = `${tmp.dir}/unique.csv`;
  const lines = ['g,id'];
  for (let i = 0; i < 70_000; i++) lines.push(`${i % 3},${i % 5 === 0 ? i - 5 : i}`);
  writeFileSync(path, lines.join('\n') + '\n');
  const params: GroupMeasuresParams = { groupBy: ['g'], measures: [{ name: 'ids', kind: 'distinct', column: 'id' }] };
  const want = await run(path, generic, params);
  expect(want).toEqual(
    [
      { g: '0', ids: 23_334 },
      { g: '1', ids: 23_333 },
      { g: '2', ids: 23_333 },
    ].map((r, k) => ({
      ...r,
      ids: new Set(
        lines
          .slice(1)
          .filter((_, i) => i % 3 === k)
          .map((l) => l.split(',')[1]),
      ).size,
    })),
  );
  expect(await run(path, groupMeasuresTask.url, params)).toStrictEqual(want);
  expect(await run(path, groupMeasuresTask.url, params, { chunkSize: 200_000, workers: 2 })).toStrictEqual(want);
});

test.each([
  ['a key', 'k', ['k', 'k2']],
  ['two keys, one holding 0xff', 'k', ['k2', 'k']],
  ['a distinct value', 'v', ['k']],
])('a field that is not UTF-8 (%s): the same error at the same place', async (_, column, groupBy) => {
  const input = `${tmp.dir}/bad-${column}-${groupBy.length}.csv`;
  const bad = column === 'k' && groupBy[0] === 'k2' ? [0x61, 0xff] : [0xc3, 0x28];
  const [k, v] = column === 'k' ? [Buffer.from(bad), Buffer.from('x')] : [Buffer.from('a'), Buffer.from(bad)];
  writeFileSync(
    input,
    Buffer.concat([Buffer.from('k,k2,v\na,b,1\nc,d,2\n'), k, Buffer.from(',b,'), v, Buffer.from('\n')]),
  );
  const params: GroupMeasuresParams = { groupBy, measures: [{ name: 'vs', kind: 'distinct', column: 'v' }] };
  const [fast, slow] = [
    await rejectionOf(run(input, groupMeasuresTask.url, params)),
    await rejectionOf(run(input, generic, params)),
  ];
  expect(fast.code).toBe('ERR_CSV_INVALID_UTF8');
  expect(fast.toData()).toEqual(slow.toData());
});
