/**
 * `chunkmill aggregate` end to end: the built CLI on fixture files, every output format, the
 * column naming and order of the measure flags, and the CSV options.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { CLI_FIXTURES, FIXTURES, runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const SALES = CLI_FIXTURES + 'sales.csv';
const tmp = tempDir('chunkmill-cli-aggregate-');

// Worked out by hand from fixtures/cli/sales.csv; an empty amount counts as a row, not a value.
const EXPECTED_CSV = [
  'region,count,sum_amount,mean_amount,min_amount,max_amount',
  'north,3,110.5,55.25,10.5,100',
  'south,2,1,0.5,-2,3',
  'Zürich,1,7.25,7.25,7.25,7.25',
  '東京,1,0.5,0.5,0.5,0.5',
  '',
].join('\n');
const MEASURES = ['--count', '--sum', 'amount', '--mean', 'amount', '--min', 'amount', '--max', 'amount'];

test('CSV to a pipe by default: group columns, then one column per flag', async () => {
  const r = await runCli(['aggregate', SALES, '--group-by', 'region', ...MEASURES]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(EXPECTED_CSV);
});

test('the same figures for every chunk size and worker count', async () => {
  for (const extra of [
    ['--chunk-size', '16', '--workers', '2'],
    ['--chunk-size', '1KiB', '-w', '1'],
  ]) {
    const r = await runCli(['aggregate', SALES, '-g', 'region', ...MEASURES, ...extra]);
    expect(r.stdout, extra.join(' ')).toBe(EXPECTED_CSV);
  }
});

test('columns follow the flags in the order given', async () => {
  const r = await runCli([
    'aggregate',
    SALES,
    '-g',
    'region',
    '--max',
    'amount',
    '--count',
    '--sum',
    'order_id',
    '--min',
    'order_id',
  ]);
  expect(r.code).toBe(0);
  expect(r.stdout.split('\n').slice(0, 2)).toEqual([
    'region,max_amount,count,sum_order_id,min_order_id',
    'north,100,3,10,1',
  ]);
});

test('JSON is one array of objects; NDJSON one object per line; nulls for groups without values', async () => {
  const json = await runCli(['aggregate', SALES, '-g', 'product', '--count', '--sum', 'amount', '--format', 'json']);
  expect(json.code).toBe(0);
  const expected = [
    { product: 'widget', count: 4, sum_amount: 115.75 },
    { product: 'gadget', count: 2, sum_amount: 3 },
    { product: 'gizmo', count: 1, sum_amount: 0.5 },
  ];
  expect(JSON.parse(json.stdout)).toEqual(expected);
  const nd = await runCli(['aggregate', SALES, '-g', 'product', '--count', '--sum', 'amount', '-f', 'ndjson']);
  expect(
    nd.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l)),
  ).toEqual(expected);

  const nulls = await runCli(['aggregate', SALES, '-g', 'order_id', '--mean', 'amount', '-f', 'json']);
  expect(JSON.parse(nulls.stdout)[2]).toEqual({ order_id: '3', mean_amount: null });
});

test('table: aligned box, numbers right-aligned, wide characters padded', async () => {
  const r = await runCli(['aggregate', SALES, '-g', 'region', '--count', '--sum', 'amount', '--format', 'table']);
  expect(r.code).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^┌─+┬/);
  expect(lines.find((l) => l.includes('region'))).toMatch(/^│ region │ count │ sum_amount │$/);
  expect(lines).toContain('│ north  │     3 │      110.5 │');
  // 東京 is two columns wide on a terminal: one space of padding fewer than a 2-letter name would get.
  expect(lines).toContain('│ 東京   │     1 │        0.5 │');
});

test('no --group-by gives one row; no measure flag means --count', async () => {
  const total = await runCli(['aggregate', SALES, '--sum', 'amount', '--count']);
  expect(total.stdout).toBe('sum_amount,count\n119.25,7\n');
  const counted = await runCli(['aggregate', SALES, '-g', 'product']);
  expect(counted.stdout).toBe('product,count\nwidget,4\ngadget,2\ngizmo,1\n');
});

test('--no-header names columns 1, 2, ...; CSV output quotes a key holding a newline', async () => {
  const r = await runCli(['aggregate', FIXTURES + 'no-header.csv', '--no-header', '-g', '1', '--sum', '2']);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('1,sum_2\n"x\ny",4\nz,2\n');
});

test('--delimiter: a semicolon file, and a tab spelled "tab" or \\t', async () => {
  const semi = await runCli([
    'aggregate',
    FIXTURES + 'semicolon.csv',
    '--delimiter',
    ';',
    '-g',
    'land,notiz',
    '--sum',
    'menge',
  ]);
  expect(semi.stdout).toBe('land,notiz,sum_menge\nDE,a;b,40\nFR,"x,y",22\nDE,"x,y",1\n');
  for (const d of ['tab', '\\t']) {
    const tabs = await runCli(['aggregate', CLI_FIXTURES + 'tabs.tsv', '-d', d, '-g', 'k', '--sum', 'v']);
    expect(tabs.stdout, d).toBe('k,sum_v\na,4\nb,2\n');
  }
});

test('--quote: another quote character', async () => {
  const path = tmp.file('single.csv', "k,v\n'a,b',1\n'a,b',2\nc,3\n");
  const r = await runCli(['aggregate', path, '--quote', "'", '-g', 'k', '--sum', 'v']);
  expect(r.stdout).toBe('k,sum_v\n"a,b",3\nc,3\n');
});

test('--output writes the file and nothing to stdout; the format follows --format', async () => {
  const out = tmp.dir + '/totals.json';
  const r = await runCli(['aggregate', SALES, '-g', 'product', '--count', '-o', out, '-f', 'json']);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('');
  expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual([
    { product: 'widget', count: 4 },
    { product: 'gadget', count: 2 },
    { product: 'gizmo', count: 1 },
  ]);
});

test('--on-bad-number skip and --on-bad-row skip reach the engine', async () => {
  const badNumber = await runCli([
    'aggregate',
    CLI_FIXTURES + 'bad-number.csv',
    '-g',
    'region',
    '--sum',
    'amount',
    '--on-bad-number',
    'skip',
  ]);
  expect(badNumber.stdout).toBe('region,sum_amount\nnorth,1\nsouth,\n');
  const path = tmp.file('ragged.csv', 'k,v\na,1\nb,2,extra\na,3\n');
  const badRow = await runCli(['aggregate', path, '-g', 'k', '--sum', 'v', '--on-bad-row', 'skip']);
  expect(badRow.stdout).toBe('k,sum_v\na,4\n');
  const failing = await runCli(['aggregate', path, '-g', 'k', '--sum', 'v']);
  expect(failing.code).toBe(1);
  expect(failing.stderr).toMatch(/ragged\.csv:3.*\[ERR_CSV_FIELD_COUNT\]/);
});

test('--memory-budget: the same output within it; past it, the coded error names the flag', async () => {
  const within = await runCli(['aggregate', SALES, '-g', 'region', ...MEASURES, '--memory-budget', '512MiB']);
  expect(within.code).toBe(0);
  expect(within.stdout).toBe(EXPECTED_CSV);

  const lines = ['id,tag'];
  for (let i = 0; i < 5_000; i++) lines.push(`${i},t${i % 3}`);
  const path = tmp.file('ids.csv', `${lines.join('\n')}\n`);
  const past = await runCli(['aggregate', path, '-g', 'id,tag', '--memory-budget', '1MiB', '-w', '2']);
  expect(past.code).toBe(1);
  expect(past.stdout).toBe('');
  const [first, hint, ...rest] = past.stderr.split('\n');
  expect(first).toMatch(
    /^chunkmill: Over the memory budget at chunk 0: that chunk alone has [\d,]+ groups, which need more than 1 MiB, the job's budget \(set by --memory-budget; at most [\d.]+ [MG]iB, half of the [\d.]+ [MG]iB heap limit\) \(.*ids\.csv:\d+, byte \d+\) \[ERR_MEMORY_BUDGET\]$/,
  );
  expect(hint).toBe('hint: group by fewer or coarser columns, or raise --memory-budget');
  expect(rest).toEqual(['']);

  const tooSmall = await runCli(['aggregate', path, '-g', 'id', '--memory-budget', '1KiB']);
  expect(tooSmall.code).toBe(2);
  expect(tooSmall.stderr).toMatch(
    /^chunkmill: --memory-budget: expected an integer from 1048576 to \d+, got 1024 \[ERR_INVALID_OPTION\]/,
  );
  const exact = await runCli(['aggregate', path, '-g', 'id', '--median', 'tag', '--memory-budget', '1GiB']);
  expect(exact.code).toBe(2);
  expect(exact.stderr).toMatch(/^chunkmill: --memory-budget applies to --count, --sum, --mean, --min and --max/);
});
