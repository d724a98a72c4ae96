/**
 * What the CLI does to a result before writing it: --sort (minus for descending, numbers as
 * numbers, empty cells last, ties in first-appearance order), --limit, --types for JSON, and the
 * exact extra measures (--distinct, --median, --p90), through the real binary.
 */
import { expect, test } from 'vitest';
import { CLI_FIXTURES, runCli, simpleCsv } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const SALES = CLI_FIXTURES + 'sales.csv';
const tmp = tempDir('chunkmill-cli-results-');

test('--sort -count,region: count descending, then region ascending (code point order); --limit after it', {
  timeout: 30_000,
}, async () => {
  const r = await runCli(['aggregate', SALES, '-g', 'region', '--count', '--sort', '-count,region']);
  expect(simpleCsv(r.stdout)).toEqual([
    ['region', 'count'],
    ['north', '3'],
    ['south', '2'],
    ['Zürich', '1'],
    ['東京', '1'],
  ]);
  const top = await runCli(['aggregate', SALES, '-g', 'region', '--count', '--sort', '-count', '--limit', '2']);
  expect(simpleCsv(top.stdout)).toEqual([
    ['region', 'count'],
    ['north', '3'],
    ['south', '2'],
  ]);
});

test('--sort on a measure puts empty cells last either way; numeric text sorts as numbers', {
  timeout: 30_000,
}, async () => {
  const input = tmp.file('hours.csv', 'hour,v\n10,1\n9,\n100,3\n9,2\n');
  const asc = await runCli(['aggregate', input, '-g', 'hour', '--sum', 'v', '--sort', 'hour']);
  expect(simpleCsv(asc.stdout).map((r) => r[0])).toEqual(['hour', '9', '10', '100']);
  const byNull = await runCli(['aggregate', input, '-g', 'hour', '--mean', 'v', '--sort', '-mean_v']);
  const desc = await runCli(['aggregate', SALES, '-g', 'order_id', '--max', 'amount', '--sort', '-max_amount']);
  expect(simpleCsv(byNull.stdout).map((r) => r[0])).toEqual(['hour', '100', '9', '10']);
  expect(simpleCsv(desc.stdout).map((r) => r[0])).toEqual(['order_id', '6', '1', '4', '2', '7', '5', '3']);
});

test('--sort on a column the result lacks: a usage error with a suggestion; stats sorts too', {
  timeout: 30_000,
}, async () => {
  const bad = await runCli(['aggregate', SALES, '-g', 'region', '--count', '--sort', 'Count']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toBe(
    'chunkmill: --sort: no column "Count" in the result; its columns are "region", "count" [ERR_USAGE]\nhint: did you mean "count"?\n',
  );
  const stats = await runCli(['stats', SALES, '--sort', '-distinct,column', '--limit', '2']);
  expect(simpleCsv(stats.stdout).map((r) => r[0])).toEqual(['column', 'order_id', 'amount']);
});

test('--types: group values that read as numbers are JSON numbers, empty ones null; the default stays text', {
  timeout: 30_000,
}, async () => {
  const input = tmp.file('codes.csv', 'zip,n\n007,1\n42,2\n,3\n3.50,4\n');
  const typed = await runCli(['aggregate', input, '-g', 'zip', '--sum', 'n', '-f', 'ndjson', '--types']);
  expect(typed.stdout).toBe(
    '{"zip":"007","sum_n":1}\n{"zip":42,"sum_n":2}\n{"zip":null,"sum_n":3}\n{"zip":3.5,"sum_n":4}\n',
  );
  const text = await runCli(['aggregate', input, '-g', 'zip', '--sum', 'n', '-f', 'json']);
  expect(JSON.parse(text.stdout).map((r: { zip: unknown }) => r.zip)).toEqual(['007', '42', '', '3.50']);
  const convert = await runCli(['convert', input, '--types']);
  expect(convert.stdout).toBe('{"zip":"007","n":1}\n{"zip":42,"n":2}\n{"zip":null,"n":3}\n{"zip":3.5,"n":4}\n');
  const csv = await runCli(['aggregate', input, '-g', 'zip', '--count', '--types']);
  expect(csv.code).toBe(2);
  expect(csv.stderr).toMatch(/^chunkmill: --types applies to --format json and ndjson \[ERR_USAGE\]$/m);
});

test('--distinct, --median, --p90: exact, next to the built-in measures, in flag order', {
  timeout: 30_000,
}, async () => {
  const r = await runCli([
    'aggregate',
    SALES,
    '-g',
    'product',
    '--median',
    'amount',
    '--count',
    '--distinct',
    'region',
    '--p90',
    'amount',
    '--sum',
    'amount',
    '--chunk-size',
    '16',
    '-w',
    '2',
  ]);
  expect(r.stderr).toBe('');
  // widget: 10.5, 7.25, -2, 100 -> sorted -2, 7.25, 10.5, 100; median (7.25 + 10.5) / 2, p90 at 2.7.
  expect(simpleCsv(r.stdout)).toEqual([
    ['product', 'median_amount', 'count', 'distinct_region', 'p90_amount', 'sum_amount'],
    ['widget', '8.875', '4', '3', String(10.5 + 0.7 * (100 - 10.5)), '115.75'],
    ['gadget', '3', '2', '2', '3', '3'],
    ['gizmo', '0.5', '1', '1', '0.5', '0.5'],
  ]);
});
