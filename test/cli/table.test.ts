/**
 * The table format: compact (a rule under the header only), numbers rounded for reading, and
 * fitted to the terminal's width: long text cut with …, or one block per row when even that is
 * too wide. CSV, JSON and NDJSON keep every digit.
 */
import stringWidth from 'string-width';
import { expect, test } from 'vitest';
import { CLI_FIXTURES, runCli, runCliInPty } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const SALES = CLI_FIXTURES + 'sales.csv';
const tmp = tempDir('chunkmill-cli-table-');

test('one line per row, a rule under the header only; means rounded to 2 decimals in tables only', async () => {
  const input = tmp.file('m.csv', 'g,x\na,1\na,2\na,2\nb,0.000123456\n');
  const r = await runCli(['aggregate', input, '-g', 'g', '--count', '--mean', 'x', '-f', 'table']);
  expect(r.stdout).toBe(
    [
      '┌───┬───────┬──────────┐',
      '│ g │ count │   mean_x │',
      '├───┼───────┼──────────┤',
      '│ a │     3 │     1.67 │',
      '│ b │     1 │ 0.000123 │',
      '└───┴───────┴──────────┘',
      '',
    ].join('\n'),
  );
  const csv = await runCli(['aggregate', input, '-g', 'g', '--mean', 'x', '-f', 'csv']);
  expect(csv.stdout).toBe(`g,mean_x\na,${5 / 3}\nb,0.000123456\n`);
});

test('wider than COLUMNS: long text is cut with … and the table fits; numbers are never cut', {
  timeout: 30_000,
}, async () => {
  const r = await runCli(['stats', SALES, '-f', 'table'], { env: { COLUMNS: '90' } });
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines).toHaveLength(5 + 4);
  for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(90);
  expect(r.stdout).toContain('…');
  expect(lines.find((l) => l.startsWith('│ amount'))).toMatch(/│ -2 +│ 100 +│ +19\.88 │ +6 │/);
  const natural = await runCli(['stats', SALES, '-f', 'table']);
  expect(stringWidth(natural.stdout.split('\n')[0]!)).toBeGreaterThan(90);
});

test('too narrow for any table: one block per stats column, titled by its name', async () => {
  const r = await runCliInPty(['stats', SALES, '--no-progress'], { COLUMNS: '40' });
  expect(r.code).toBe(0);
  const out = r.output.replaceAll('\r\n', '\n');
  expect(out).toContain(
    '-[ amount ]-\n  type            number\n  count           6\n  empty           1\n  min             -2\n  max             100\n  mean            19.88\n',
  );
  expect(out).not.toContain('┌');
});
