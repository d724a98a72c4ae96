/**
 * CLI failures: one line `chunkmill: <message> [code]`, maybe a `hint:` line, no stack trace
 * without --debug, nothing on stdout; exit 1 for data and runtime errors, 2 for usage errors.
 */
import { existsSync } from 'node:fs';
import { expect, test } from 'vitest';
import { CLI_FIXTURES, FIXTURES, runCli, type CliResult } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const SALES = CLI_FIXTURES + 'sales.csv';
const tmp = tempDir('chunkmill-cli-errors-');

/** The error line, checked for the one-line format; returns the lines after it. */
function expectError(r: CliResult, code: number, errorCode: string, message: RegExp): string[] {
  expect(r.stdout).toBe('');
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(new RegExp(`^chunkmill: .+ \\[${errorCode}\\]$`));
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return lines.slice(1);
}

test('a missing file: exit 1, ERR_FILE_NOT_FOUND naming the file', async () => {
  const r = await runCli(['aggregate', tmp.dir + '/nope.csv', '--count']);
  expectError(r, 1, 'ERR_FILE_NOT_FOUND', /nope\.csv/);
});

test('an unknown column: exit 1, the flag named, the columns listed, and a did-you-mean', async () => {
  const r = await runCli(['aggregate', SALES, '-g', 'regoin', '--count']);
  const rest = expectError(
    r,
    1,
    'ERR_UNKNOWN_COLUMN',
    /^chunkmill: Unknown column "regoin" in --group-by \(.*\); the columns are: "order_id", "region"/,
  );
  expect(rest).toEqual(['hint: did you mean "region"?']);
  const mean = await runCli(['aggregate', SALES, '-g', 'Region', '--count']);
  expect(expectError(mean, 1, 'ERR_UNKNOWN_COLUMN', /"Region" in --group-by/)).toEqual([
    'hint: did you mean "region"?',
  ]);
});

test('an unknown measure column is named by its flag, on both aggregate paths', { timeout: 30_000 }, async () => {
  for (const extra of [[], ['--median', 'amount']]) {
    const r = await runCli(['aggregate', SALES, '-g', 'region', '--mean', 'amuont', ...extra]);
    const rest = expectError(r, 1, 'ERR_UNKNOWN_COLUMN', /^chunkmill: Unknown column "amuont" in --mean[ ;]/);
    expect(rest).toEqual(['hint: did you mean "amount"?']);
    expect(r.stderr).not.toMatch(/aggregate\.measures/);
  }
});

test('an unknown column in a file with another delimiter: the hint names the delimiter', async () => {
  // --no-sniff: sniffing reads it with ';' (sniff.test.ts); the hint is for when it is off.
  const r = await runCli(['aggregate', FIXTURES + 'semicolon.csv', '-g', 'land', '--no-sniff']);
  const rest = expectError(r, 1, 'ERR_UNKNOWN_COLUMN', /"land"/);
  expect(rest).toEqual([`hint: the header has no "," but has ";": try --delimiter ';'`]);
});

test('an unclosed quote: exit 1, with the file and the line where the quote opened', async () => {
  const r = await runCli(['aggregate', CLI_FIXTURES + 'unclosed-quote.csv', '--count']);
  expectError(r, 1, 'ERR_CSV_UNCLOSED_QUOTE', /unclosed-quote\.csv:3\b/);
});

test('a bad number: line and column in the message, the hint in CLI terms', async () => {
  const r = await runCli(['aggregate', CLI_FIXTURES + 'bad-number.csv', '--sum', 'amount']);
  const rest = expectError(r, 1, 'ERR_CSV_BAD_NUMBER', /"abc".*bad-number\.csv:3, column "amount"/);
  expect(rest.join('\n')).toMatch(/^hint: .*--on-bad-number skip/);
});

test('--debug adds the stack trace', async () => {
  const r = await runCli(['aggregate', CLI_FIXTURES + 'bad-number.csv', '--sum', 'amount', '--debug']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^chunkmill: .*\[ERR_CSV_BAD_NUMBER\]\n/);
  expect(r.stderr).toMatch(/^\s+at /m);
});

test.each([
  [['--workers', '0'], /--workers.*'0' is invalid/],
  [['--workers', 'abc'], /--workers.*'abc' is invalid/],
  [['--chunk-size', '8XB'], /--chunk-size.*'8XB' is invalid/],
  [['--chunk-size', '0'], /--chunk-size.*'0' is invalid/],
  [['--delimiter', 'ab'], /--delimiter.*'ab' is invalid/],
  [['--quote', ''], /--quote.*is invalid/],
  [['--format', 'xml'], /--format.*'xml' is invalid.*table, csv, json, ndjson|Allowed choices/],
  [['--frobnicate'], /unknown option '--frobnicate'/],
  [['--group-by', 'a,,b'], /--group-by.*is invalid/],
  [['--count', '--count'], /--count is given twice/],
  [['--delimiter', ';', '--quote', ';'], /delimiter and the quote character are both/],
])('a bad option value %j: exit 2, ERR_USAGE, before any work', async (args, message) => {
  const r = await runCli(['aggregate', SALES, ...args]);
  expectError(r, 2, 'ERR_USAGE', message);
});

test('a usage error has a hint pointing at the command help', async () => {
  const r = await runCli(['aggregate', SALES, '--workers', '-3']);
  const rest = expectError(r, 2, 'ERR_USAGE', /--workers/);
  expect(rest).toEqual([`hint: run 'chunkmill aggregate --help' for usage and examples`]);
});

test('an option the engine rejects is a usage error too (exit 2)', async () => {
  const r = await runCli(['aggregate', SALES, '-g', 'count', '--count']);
  expectError(r, 2, 'ERR_INVALID_OPTION', /"count" is also a group-by column/);
});

test('an unknown command, and no command: exit 2', async () => {
  const unknown = await runCli(['aggregat', SALES]);
  expectError(unknown, 2, 'ERR_USAGE', /unknown command 'aggregat'.*aggregate/);
  const none = await runCli([]);
  expect(none.code).toBe(2);
  expect(none.stderr).toMatch(/^Usage: chunkmill/);
});

test('an --output that cannot be written: exit 1 before the job, ERR_OUTPUT', async () => {
  const r = await runCli(['aggregate', SALES, '--count', '-o', tmp.dir + '/no/such/dir/out.csv']);
  expectError(r, 1, 'ERR_OUTPUT', /no\/such\/dir\/out\.csv/);
});

test('a failed job leaves no --output file behind', async () => {
  const out = tmp.dir + '/partial.csv';
  const r = await runCli(['aggregate', CLI_FIXTURES + 'bad-number.csv', '--sum', 'amount', '-o', out]);
  expect(r.code).toBe(1);
  expect(existsSync(out)).toBe(false);
});
