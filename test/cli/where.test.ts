/**
 * `--where` on every command (aggregate, convert, stats, run), through the real binary: the rows
 * it keeps, the syntax error with its caret (exit 2), and an unknown column named by the flag.
 */
import { expect, test } from 'vitest';
import { CLI_FIXTURES, runCli, simpleCsv } from '../helpers/cli.ts';

const SALES = CLI_FIXTURES + 'sales.csv';

test('aggregate --where: only the matching rows are grouped', async () => {
  const r = await runCli([
    'aggregate',
    SALES,
    '-g',
    'region',
    '--count',
    '--sum',
    'amount',
    '--where',
    'amount > 1 and product = "widget"',
  ]);
  expect(r.stderr).toBe('');
  expect(simpleCsv(r.stdout)).toEqual([
    ['region', 'count', 'sum_amount'],
    ['north', '2', '110.5'],
    ['Zürich', '1', '7.25'],
  ]);
});

test('convert --where keeps input order; stats --where profiles the kept rows; run --where feeds the task', {
  timeout: 30_000,
}, async () => {
  const convert = await runCli(['convert', SALES, '--where', 'amount is empty or region = "東京"', '-s', 'order_id']);
  expect(convert.stdout).toBe('{"order_id":"3"}\n{"order_id":"7"}\n');
  const stats = await runCli(['stats', SALES, '--where', 'not region = "north"', '-f', 'ndjson']);
  expect(JSON.parse(stats.stdout.split('\n')[0]!)).toMatchObject({ column: 'order_id', count: 4, min: 2, max: 7 });
  const run = await runCli(['run', SALES, '--task', CLI_FIXTURES + 'region-task.mjs', '--where', 'amount < 5']);
  expect(JSON.parse(run.stdout)).toEqual([
    { region: 'south', rows: 2, total: 1 },
    { region: '東京', rows: 1, total: 0.5 },
  ]);
});

test('a syntax error: exit 2, the flag named, the expression with a caret under the character', async () => {
  const r = await runCli(['aggregate', SALES, '--count', '--where', 'amount > and region = "north"']);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n').slice(0, 3)).toEqual([
    'chunkmill: --where: expected a number or a quoted text after >, found the keyword and (character 10) [ERR_INVALID_OPTION]',
    '  amount > and region = "north"',
    '           ^',
  ]);
});

test('an unknown column in --where: named by the flag, with a did-you-mean', async () => {
  const r = await runCli(['convert', SALES, '--where', 'Amount > 1']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(
    /^chunkmill: Unknown column "Amount" in --where \(.*sales\.csv\); the columns are: .*\[ERR_UNKNOWN_COLUMN\]$/m,
  );
  expect(r.stderr).toMatch(/^hint: did you mean "amount"\?$/m);
});

test('a value compared with a number that is not one: the line and column, the flag that skips it', async () => {
  const r = await runCli(['aggregate', CLI_FIXTURES + 'bad-number.csv', '--count', '--where', 'amount > 1']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(
    /^chunkmill: "abc" is not a number, but where compares amount with one \(.*bad-number\.csv:3, column "amount"/m,
  );
  expect(r.stderr).toMatch(/^hint: --on-bad-number skip reads such values as empty/m);
});
