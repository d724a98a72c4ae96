/** `chunkmill convert` end to end (the select transform on the engine's ordered output). */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { CLI, CLI_FIXTURES, runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const SALES = CLI_FIXTURES + 'sales.csv';
const tmp = tempDir('chunkmill-cli-convert-');

// fixtures/cli/sales.csv as parsed: quotes removed, "" undone, the embedded newline kept.
const OBJECTS = [
  { order_id: '1', region: 'north', product: 'widget', amount: '10.5', note: 'ok' },
  { order_id: '2', region: 'south', product: 'gadget', amount: '3', note: 'fragile, handle with care' },
  { order_id: '3', region: 'north', product: 'gadget', amount: '', note: '' },
  { order_id: '4', region: 'Zürich', product: 'widget', amount: '7.25', note: 'said "rush"' },
  { order_id: '5', region: 'south', product: 'widget', amount: '-2', note: 'line one\nline two' },
  { order_id: '6', region: 'north', product: 'widget', amount: '100', note: 'ok' },
  { order_id: '7', region: '東京', product: 'gizmo', amount: '0.5', note: '' },
];

test('--to ndjson: one object per row, in input order, values the field text', async () => {
  const r = await runCli(['convert', SALES, '--to', 'ndjson']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.split('\n');
  expect(lines.pop()).toBe('');
  expect(lines.map((l) => JSON.parse(l))).toEqual(OBJECTS);
});

test('input order holds for tiny chunks on two workers', async () => {
  const r = await runCli(['convert', SALES, '--to', 'ndjson', '--chunk-size', '8', '--workers', '2']);
  expect(
    r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l)),
  ).toEqual(OBJECTS);
});

test('--to json: one array of the same objects', async () => {
  const r = await runCli(['convert', SALES, '--to', 'json']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual(OBJECTS);
});

test('--to csv --select: those columns, in that order, re-quoted where needed', async () => {
  const r = await runCli(['convert', SALES, '--to', 'csv', '--select', 'note,order_id']);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(
    'note,order_id\nok,1\n"fragile, handle with care",2\n,3\n"said ""rush""",4\n"line one\nline two",5\nok,6\n,7\n',
  );
});

test('--select with ndjson keeps only those keys', async () => {
  const r = await runCli(['convert', SALES, '--to', 'ndjson', '-s', 'region']);
  expect(
    r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l)),
  ).toEqual(OBJECTS.map((o) => ({ region: o.region })));
});

test('a semicolon file re-encoded as comma CSV', async () => {
  const r = await runCli(['convert', CLI_FIXTURES + '../semicolon.csv', '-d', ';', '--to', 'csv']);
  expect(r.stdout).toBe('land,notiz,menge\nDE,a;b,10\nFR,"x,y",20\nDE,a;b,30\nDE,"x,y",1\nFR,"x,y",2\n');
});

test('--output: the format follows the extension when --to is left out', async () => {
  const out = tmp.dir + '/sales.ndjson';
  const r = await runCli(['convert', SALES, '-o', out]);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('');
  expect(
    readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l)),
  ).toEqual(OBJECTS);
});

test('no --to and no --output: NDJSON', async () => {
  const r = await runCli(['convert', SALES]);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe((await runCli(['convert', SALES, '--to', 'ndjson'])).stdout);
});

test('an --output extension that names no format is a usage error; a bad --select is reported before it', async () => {
  const r = await runCli(['convert', SALES, '-o', tmp.dir + '/out.txt']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(
    /^chunkmill: no output format: --output .*out\.txt has no extension that names one \[ERR_USAGE\]$/m,
  );
  const both = await runCli(['convert', SALES, '-o', tmp.dir + '/out.txt', '--select', 'region,amnt']);
  expect(both.code).toBe(2);
  expect(both.stderr.split('\n').slice(0, 2)).toEqual([
    'chunkmill: --select: unknown column "amnt"; the columns are "order_id", "region", "product", "amount", "note" [ERR_USAGE]',
    'hint: did you mean "amount"?',
  ]);
});

test('an unknown --select column: exit 1, the columns listed, no output', async () => {
  const r = await runCli(['convert', SALES, '--to', 'csv', '--select', 'region,amnt']);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^chunkmill: Unknown column "amnt" in --select; .*"amount".*\[ERR_UNKNOWN_COLUMN\]$/m);
  expect(r.stderr).toMatch(/^hint: did you mean "amount"\?$/m);
});

test('a reader that leaves early (| head): no error message', async () => {
  const big = tmp.file('many.csv', 'k,v\n' + 'abc,1\n'.repeat(300_000));
  const errors = tmp.dir + '/err.txt';
  // Through sh, so stdout is a real pipe that head closes after 100 bytes.
  const child = spawn('sh', [
    '-c',
    `"${process.execPath}" "${CLI}" convert "${big}" --to ndjson 2>"${errors}" | head -c 100 >/dev/null`,
  ]);
  await new Promise((resolve) => child.on('close', resolve));
  expect(readFileSync(errors, 'utf8')).toBe('');
});
