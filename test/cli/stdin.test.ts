/** `-` (or no file) reads stdin, for every command; progress on stdin has no total, so no % and no ETA. */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { CLI_FIXTURES, runCli } from '../helpers/cli.ts';

const SALES = CLI_FIXTURES + 'sales.csv';
const TEXT = readFileSync(SALES);

test('aggregate - and aggregate with no file give what the file gives', async () => {
  const args = ['-g', 'region', '--count', '--sum', 'amount'];
  const fromFile = await runCli(['aggregate', SALES, ...args]);
  for (const input of [['-'], []]) {
    const r = await runCli(['aggregate', ...input, ...args], { input: TEXT });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(fromFile.stdout);
  }
});

test('small chunks over stdin on two workers: the same figures', async () => {
  const fromFile = await runCli(['aggregate', SALES, '-g', 'product', '--mean', 'amount']);
  const r = await runCli(['aggregate', '-', '-g', 'product', '--mean', 'amount', '--chunk-size', '16', '-w', '2'], {
    input: TEXT,
  });
  expect(r.stdout).toBe(fromFile.stdout);
});

test('stats, convert and run read stdin too', { timeout: 30_000 }, async () => {
  for (const args of [
    ['stats', '-f', 'json'],
    ['convert', '--to', 'ndjson'],
    ['run', '--task', CLI_FIXTURES + 'region-task.mjs'],
  ]) {
    const [command, ...rest] = args;
    const fromFile = await runCli([command!, SALES, ...rest]);
    const r = await runCli([command!, '-', ...rest], { input: TEXT });
    expect(r.code, args.join(' ')).toBe(0);
    expect(r.stdout, args.join(' ')).toBe(fromFile.stdout);
  }
});

test('--progress on stdin: bytes, rows and rate, no percentage or ETA', async () => {
  const r = await runCli(['aggregate', '-', '--count', '--progress'], { input: TEXT });
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/^[\d.]+ k?B \| [\d,]+ rows \| [\d.]+ MB\/s$/m);
  expect(r.stderr).not.toMatch(/%|ETA/);
});

test('a data error on stdin names the line', async () => {
  const r = await runCli(['aggregate', '-', '--sum', 'amount'], { input: 'region,amount\nnorth,1\nsouth,abc\n' });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^chunkmill: .*"abc".*:3\b.*\[ERR_CSV_BAD_NUMBER\]$/m);
});
