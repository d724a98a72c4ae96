/** `chunkmill stats` end to end (the stats task module on the engine's worker pool). */
import { expect, test } from 'vitest';
import { CLI_FIXTURES, runCli } from '../helpers/cli.ts';

const SALES = CLI_FIXTURES + 'sales.csv';

// Worked out by hand from fixtures/cli/sales.csv.
const EXPECTED = [
  {
    column: 'order_id',
    type: 'integer',
    count: 7,
    empty: 0,
    min: 1,
    max: 7,
    mean: 4,
    distinct: 7,
    distinct_exact: true,
  },
  {
    column: 'region',
    type: 'string',
    count: 7,
    empty: 0,
    min: 'Zürich',
    max: '東京',
    mean: null,
    distinct: 4,
    distinct_exact: true,
  },
  {
    column: 'product',
    type: 'string',
    count: 7,
    empty: 0,
    min: 'gadget',
    max: 'widget',
    mean: null,
    distinct: 3,
    distinct_exact: true,
  },
  {
    column: 'amount',
    type: 'number',
    count: 6,
    empty: 1,
    min: -2,
    max: 100,
    mean: 19.875,
    distinct: 6,
    distinct_exact: true,
  },
  {
    column: 'note',
    type: 'string',
    count: 5,
    empty: 2,
    min: 'fragile, handle with care',
    max: 'said "rush"',
    mean: null,
    distinct: 4,
    distinct_exact: true,
  },
];

test('JSON: one object per column', async () => {
  const r = await runCli(['stats', SALES, '--format', 'json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual(EXPECTED);
});

test('the same for tiny chunks on two workers', async () => {
  const r = await runCli(['stats', SALES, '-f', 'json', '--chunk-size', '16', '--workers', '2']);
  expect(JSON.parse(r.stdout)).toEqual(EXPECTED);
});

test('CSV by default when piped; NDJSON; table', async () => {
  const csv = await runCli(['stats', SALES]);
  expect(csv.stdout.split('\n').slice(0, 2)).toEqual([
    'column,type,count,empty,min,max,mean,distinct,distinct_exact',
    'order_id,integer,7,0,1,7,4,7,true',
  ]);
  const nd = await runCli(['stats', SALES, '-f', 'ndjson']);
  expect(
    nd.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l)),
  ).toEqual(EXPECTED);
  const table = await runCli(['stats', SALES, '-f', 'table']);
  expect(table.stdout).toMatch(/│ amount +│ number +│ +6 │ +1 │/);
});

test('--distinct-limit: above it, an estimate marked as such', async () => {
  const r = await runCli(['stats', SALES, '-f', 'json', '--distinct-limit', '3']);
  const byName = Object.fromEntries((JSON.parse(r.stdout) as typeof EXPECTED).map((c) => [c.column, c]));
  expect(byName.region).toMatchObject({ distinct: 4, distinct_exact: false });
  expect(byName.product).toMatchObject({ distinct: 3, distinct_exact: true });
});

test('an unclosed quote fails stats too, with its line', async () => {
  const r = await runCli(['stats', CLI_FIXTURES + 'unclosed-quote.csv']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^chunkmill: .*unclosed-quote\.csv:3.*\[ERR_CSV_UNCLOSED_QUOTE\]$/m);
});
