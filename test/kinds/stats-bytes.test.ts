/**
 * The built-in stats task reduces records from their bytes (src/kinds/builtin/stats-bytes.ts);
 * its results must equal those of its own reduce() on row strings (the same module run as an
 * unrecognised copy, fixtures/tasks/stats-generic.mjs): numbers with signs, decimals, exponents,
 * spaces and other whitespace, infinite values, text, empty and quoted fields with doubled quotes,
 * multi-byte UTF-8; exact sets and sketches; one chunk or many; and past the per-column cache.
 */
import { writeFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { processDataset, processSerial, statsTask, type StatsResult } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { processOnWarmPool } from '../helpers/warm-pools.ts';
import { rng } from '../helpers/random-csv.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const generic = new URL('../../fixtures/tasks/stats-generic.mjs', import.meta.url).href;
const VALUES = [
  '12',
  '-7',
  '+3',
  '007',
  '-0',
  '1.5',
  '.25',
  '5.',
  '-2e3',
  '1E-2',
  ' 42 ',
  '\t8',
  '1e999',
  '"9"',
  '"a""b"',
  'a"b',
  'x',
  'Zürich',
  '東京',
  '😀',
  '',
  '""',
  '"1,5"',
  '12345678901234567',
  '0x10',
  'NaN',
  '1_000',
  '"\u00a05"',
];

/** Numbers only (some of them written unusually), so the column stays numeric. */
const NUMBERS = [
  '-2e3',
  '1E-2',
  '5',
  ' 42 ',
  '\t8',
  '.25',
  '5.',
  '+3',
  '-0',
  '0.07',
  '12345678901234567',
  '"7"',
  '\u00a09',
];

function randomFile(name: string, seed: number, rows: number): string {
  const random = rng(seed);
  const lines = ['ints,mixed,text,nums,sci,big,exp'];
  for (let r = 0; r < rows; r++) {
    const pick = () => VALUES[Math.floor(random() * VALUES.length)]!;
    const int = random() < 0.1 ? '' : String(Math.floor(random() * 200) - 100);
    const num = random() < 0.1 ? '' : (random() * 1000 - 500).toFixed(Math.floor(random() * 4));
    const sci = NUMBERS[Math.floor(random() * NUMBERS.length)]!;
    const big = random() < 0.01 ? '1e999' : String(Math.floor(random() * 50));
    const exp = random() < 0.02 ? '-2E1' : String(Math.floor(random() * 9)); // a number only by its exponent
    lines.push([int, pick(), pick(), num, sci, big, exp].join(','));
  }
  const path = `${tmp.dir}/${name}.csv`;
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const stats = (input: string, task: string, params = {}, chunkSize?: number) =>
  (chunkSize === undefined
    ? processSerial({ input, task, params })
    : processDataset({ input, task, params, chunkSize, workers: 2 }).result) as Promise<{ value: StatsResult }>;

test('random values: the same profile as reduce(), in one chunk and in many', async () => {
  const input = randomFile('random', 5, 3000);
  for (const params of [{}, { distinctLimit: 20 }]) {
    const want = (await stats(input, generic, params)).value;
    expect((await stats(input, statsTask.url, params)).value).toEqual(want);
    expect((await stats(input, statsTask.url, params, 700)).value).toEqual(want);
  }
  const { value } = await stats(input, statsTask.url);
  expect(value.columns.map((c) => c.type)).toEqual([
    'integer',
    'string',
    'string',
    'number',
    'number',
    'number',
    'number',
  ]);
});

test('a column with more distinct values than the per-column cache holds', async () => {
  const path = `${tmp.dir}/unique.csv`;
  const lines = ['id,half'];
  for (let i = 0; i < 70_000; i++) lines.push(`${i * 7 - 3},${i % 2 === 0 ? i / 4 : 'odd'}`);
  writeFileSync(path, lines.join('\n') + '\n');
  for (const params of [{}, { distinctLimit: 100_000 }]) {
    expect((await stats(path, statsTask.url, params)).value).toEqual((await stats(path, generic, params)).value);
  }
});

test('a field that is not UTF-8: the same error at the same place', async () => {
  const input = `${tmp.dir}/bad.csv`;
  writeFileSync(input, Buffer.concat([Buffer.from('a,b\n1,x\n2,y'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]));
  const [fast, slow] = [await rejectionOf(stats(input, statsTask.url)), await rejectionOf(stats(input, generic))];
  expect(fast.code).toBe('ERR_CSV_INVALID_UTF8');
  expect(fast.toData()).toEqual(slow.toData());
});

test('repeated values: the exact mean, as adding each field would give it', async () => {
  // The byte path adds each distinct value times its count: 3 × (1 + 2^-52) rounds (by 2^-53), so
  // the product alone would give another mean; -0s only keep their sign; values too large or
  // too small for an exact product, and an integer beyond 2^53, repeated.
  const path = `${tmp.dir}/repeated.csv`;
  const rows = [
    ['1.0000000000000002', '-0', '1e300', '1e-300', '12345678901234567', '0.1'],
    ['1.0000000000000002', '-0', '1e300', '1e-300', '12345678901234567', '0.1'],
    ['1.0000000000000002', '-0', '1e300', '1e-300', '12345678901234567', '0.1'],
    ['-3', '-0', '-1e300', '-1e-300', '-1', '-0.3'],
  ];
  writeFileSync(path, ['near,zero,huge,tiny,big,tenth', ...rows.map((r) => r.join(','))].join('\n') + '\n');
  const { value } = await stats(path, statsTask.url);
  expect(value).toEqual((await stats(path, generic)).value);
  expect(value.columns.map((c) => c.mean)).toEqual([
    (3 * 2 ** -52) / 4,
    -0,
    2e300 / 4,
    2e-300 / 4,
    Number(3n * 12345678901234567n - 1n) / 4,
    2 ** -55 / 4, // 3 × 0.1 - 0.3 in doubles, exactly (the rounded product 0.30000000000000004 gives 2^-54)
  ]);
});

test("a thread's next chunks and jobs reuse its tables only under the same dialect", async () => {
  // One warm thread runs every chunk of three jobs: a value's type and number read under one
  // decimal option must not be reused under the other (`1,5` is text with '.', 1.5 with ',').
  const path = `${tmp.dir}/decimals.csv`;
  const lines = ['a;b'];
  for (let i = 0; i < 400; i++) lines.push(`${['1,5', '2.5', '7', '-3,25'][i % 4]};${i % 7},${i % 3}`);
  writeFileSync(path, lines.join('\n') + '\n');
  for (const decimal of ['.', ','] as const) {
    const options = { input: path, csv: { delimiter: ';' }, decimal, params: {}, chunkSize: 300 };
    const want = (await processDataset({ ...options, task: generic, workers: 1 }).result).value;
    for (let run = 0; run < 2; run++) {
      const { value } = await processOnWarmPool({ ...options, task: statsTask.url, workers: 1 }).result;
      expect(value).toEqual(want);
    }
  }
});
