/**
 * Issue 24's silent wrong answers, through the real binary: each case once answered with exit 0
 * from data it misread or left out. Each test fails on the build before the fix.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { expect, test } from 'vitest';
import { CLI_FIXTURES, runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir('chunkmill-silent-');
// "Köln" in Latin-1: 0xf6 for ö, 4 bytes where the literal's UTF-8 has 5.
const LATIN1 = tmp.file(
  'latin1.csv',
  Buffer.concat([Buffer.from('name,amount,city\nAnna,10,K'), Buffer.from([0xf6]), Buffer.from('ln\nBob,20,Berlin\n')]),
);
const SEMI = 'name;amount;city\nAnna;10;Koeln\nBob;20;Berlin\n';

test('--where on a Latin-1 field: the group-by error (file, line, column, byte, hint), at every chunk size', {
  timeout: 60_000,
}, async () => {
  const groupBy = await runCli(['aggregate', LATIN1, '-g', 'city']);
  expect(groupBy.code).toBe(1);
  for (const chunk of ['7', '8MiB']) {
    for (const where of ['city = "Köln"', 'city > "A"', 'not city != "x"']) {
      const r = await runCli(['aggregate', LATIN1, '--count', '--where', where, '--chunk-size', chunk]);
      expect(r.code, `${where} at ${chunk}`).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(groupBy.stderr);
    }
  }
  expect(groupBy.stderr).toMatch(
    /^chunkmill: Invalid UTF-8 \(0xf6 0x6c 0x6e\) \(.*latin1\.csv:2, column "city", byte 26\) \[ERR_CSV_INVALID_UTF8\]\nhint: .*Latin-1/,
  );
  // A field the filter does not compare is not its to refuse (as a group-by on another column).
  const other = await runCli(['aggregate', LATIN1, '--count', '--where', 'name = "Anna"']);
  expect([other.code, other.stdout]).toEqual([0, 'count\n1\n']);
});

test('a ; file read with "," (--no-sniff): convert, aggregate and stats refuse the one-column header and name -d', async () => {
  const file = tmp.file('semi.csv', SEMI);
  const out = `${tmp.dir}/semi-out.ndjson`;
  for (const args of [
    ['convert', file, '-o', out],
    ['aggregate', file, '--count'],
    ['stats', file],
    ['convert', '-'],
  ]) {
    // Sniffing (sniff.test.ts) reads such a file with ';'; without it the header check stands.
    const r = await runCli([...args, '--no-sniff'], { input: SEMI });
    expect(r.code, args.join(' ')).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^chunkmill: The header was read as one column, "name;amount;city", which holds ";".*\[ERR_CSV_HEADER\]\nhint: --delimiter ';'/,
    );
  }
  expect(() => readFileSync(out)).toThrow(); // nothing left behind
  // Told the delimiter, it reads as it is asked: ';' the three columns, ',' the one.
  const right = await runCli(['aggregate', file, '-d', ';', '--sum', 'amount']);
  expect(right.stdout).toBe('sum_amount\n30\n');
  const one = await runCli(['convert', file, '-d', ',']);
  expect([one.code, one.stdout.split('\n')[0]]).toEqual([0, '{"name;amount;city":"Anna;10;Koeln"}']);
});

test('--on-bad-row skip and --on-bad-number skip say how many they dropped', async () => {
  const file = tmp.file('bad.csv', 'name,amount\nAnna,10\nBob,x\nCid\nDan,7\nEve,1,2\n');
  const r = await runCli(['aggregate', file, '--sum', 'amount', '--on-bad-row', 'skip', '--on-bad-number', 'skip']);
  expect([r.code, r.stdout]).toEqual([0, 'sum_amount\n17\n']);
  expect(r.stderr.split('\n')).toEqual([
    'chunkmill: warning: 2 rows with the wrong number of fields left out of the result; --on-bad-row report --rejects FILE lists them with their lines [WARN_ROWS_SKIPPED]',
    'chunkmill: warning: 1 value that is not a number was read as empty (--on-bad-number skip) [WARN_VALUES_SKIPPED]',
    '',
  ]);
  const stats = await runCli(['stats', file, '--on-bad-row', 'skip', '-f', 'json']);
  expect(stats.stderr).toMatch(/^chunkmill: warning: 2 rows with the wrong number/);
  const clean = await runCli(['aggregate', file, '--count', '--where', 'name = "Anna"', '--on-bad-row', 'skip']);
  expect(clean.stderr).toMatch(/2 rows/); // the filter runs after the field count: still counted
  const quiet = await runCli(['aggregate', file, '--count', '--on-bad-row', 'skip', '-q']);
  expect(quiet.stderr).toBe('');
});

test('aggregate and stats -o res.json write JSON (and .ndjson NDJSON); --format still wins', async () => {
  const file = tmp.file('plain.csv', 'g,v\na,1\nb,2\na,3\n');
  const json = `${tmp.dir}/res.json`;
  expect((await runCli(['aggregate', file, '-g', 'g', '--sum', 'v', '-o', json])).code).toBe(0);
  expect(JSON.parse(readFileSync(json, 'utf8'))).toEqual([
    { g: 'a', sum_v: 4 },
    { g: 'b', sum_v: 2 },
  ]);
  const nd = `${tmp.dir}/stats.NDJSON`;
  expect((await runCli(['stats', file, '-o', nd])).code).toBe(0);
  expect(readFileSync(nd, 'utf8').split('\n')[0]).toMatch(/^\{"column":"g","type":"string"/);
  const forced = `${tmp.dir}/forced.json`;
  await runCli(['aggregate', file, '--count', '-o', forced, '--format', 'csv']);
  expect(readFileSync(forced, 'utf8')).toBe('count\n3\n');
  const txt = `${tmp.dir}/res.txt`;
  await runCli(['aggregate', file, '--count', '-o', txt]);
  expect(readFileSync(txt, 'utf8')).toBe('count\n3\n'); // no format named: CSV, as before
});

test('hints in CLI terms: --header-names for a refused duplicate name, gunzip for a gzip stream, -d for a ; field count', async () => {
  const dup = await runCli(['aggregate', '-', '--count', '--header-names', 'error'], { input: 'a,a\n1,2\n' });
  expect(dup.stderr).toMatch(
    /\nhint: rename the column in the file, or let chunkmill rename it as DuckDB does \(--header-names rename/,
  );
  expect(dup.stderr).not.toMatch(/headerNames/);

  const gz = await runCli(['aggregate', '-', '--count'], { input: gzipSync(SEMI) });
  expect(gz.code).toBe(1);
  expect(gz.stderr).toMatch(
    /^chunkmill: This does not look like CSV text: it starts with the gzip signature \(<stream>:1, byte 0\) \[ERR_NOT_CSV\]\nhint: decompress it first \(gunzip -c/,
  );
  expect(gz.stderr).not.toMatch(/Latin-1/);
  const gzFile = await runCli(['aggregate', tmp.file('zipped.csv', gzipSync(SEMI)), '--count']);
  expect(gzFile.stderr).toMatch(/\nhint: name it \*\.gz to read it decompressed, or pipe it through gunzip -c\n/);

  // A decimal comma makes a ; file's rows two fields under a one-column header.
  const decimal = 'name;amount\nAnna;1,5\n';
  const hint = /\[ERR_CSV_FIELD_COUNT\]\nhint: the header has no "," but has ";": try --delimiter ';'\n$/;
  const task = CLI_FIXTURES + 'region-task.mjs';
  // --no-sniff: sniffing would read the file with ';' (sniff.test.ts); the hint is for when it is off.
  const fromStream = await runCli(['run', '-', '--task', task, '--no-sniff'], { input: decimal });
  expect(fromStream.stderr).toMatch(hint);
  const fromFile = await runCli([
    'aggregate',
    tmp.file('decimal.csv', decimal),
    '--count',
    '--no-header',
    '--no-sniff',
  ]);
  expect(fromFile.stderr).toMatch(hint);
});
