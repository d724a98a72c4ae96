/**
 * The progress bar: on stderr when stderr is a terminal (a pseudo-terminal from util-linux
 * `script`), never when piped unless --progress or CHUNKMILL_PROGRESS=1 asks, never on stdout.
 */
import { beforeAll, expect, test } from 'vitest';
import { generate } from '../../support/generate.ts';
import { runCli, runCliInPty } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir('chunkmill-cli-progress-');
let input = '';
// Small chunks, so the job lasts long enough for several progress events.
const ARGS = () => ['aggregate', input, '-g', 'region', '--count', '--chunk-size', '4KiB', '--workers', '2'];
/** What a drawn bar holds: a percentage, bytes of a total, rows, a rate and an ETA. */
const BAR = /\d+% \| [\d.]+ [kM]?B \/ [\d.]+ [kM]?B \| [\d,]+ rows \| [\d.]+ MB\/s \| ETA (\d+:\d\d|--:--)/;

beforeAll(async () => {
  input = tmp.dir + '/sales.csv';
  await generate(input, 'sales', { bytes: 1_000_000, seed: 7 });
}, 60_000);

test('on a terminal: the bar (bytes, %, rows, MB/s, ETA), then a summary, and a table on stdout', async () => {
  const r = await runCliInPty(ARGS());
  expect(r.code).toBe(0);
  expect(r.output).toMatch(BAR);
  expect(r.output).toMatch(/100% \| 1\.0 MB \/ 1\.0 MB/);
  expect(r.output).toMatch(/chunkmill: [\d,]+ rows, 1\.0 MB in [\d.]+ s \([\d.]+ MB\/s\)/);
  expect(r.output).toMatch(/┌─+┬/); // stdout is a terminal too: table by default
});

test('piped: no bar, no summary, stderr empty, CSV on stdout', async () => {
  const r = await runCli(ARGS());
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(/^region,count\n/);
});

test('on a terminal with --quiet, --no-progress or CHUNKMILL_PROGRESS=0: no bar', { timeout: 30_000 }, async () => {
  for (const [extra, env] of [
    [['--quiet'], {}],
    [['--no-progress'], {}],
    [[], { CHUNKMILL_PROGRESS: '0' }],
  ] as const) {
    const r = await runCliInPty([...ARGS(), ...extra], env);
    expect(r.code).toBe(0);
    expect(r.output, JSON.stringify({ extra, env })).not.toMatch(/ETA|MB\/s/);
    expect(r.output).toMatch(/┌─+┬/);
  }
});

test('forced when piped, by --progress or CHUNKMILL_PROGRESS=1: bar lines on stderr, stdout unchanged', {
  timeout: 30_000,
}, async () => {
  const plain = await runCli(ARGS());
  for (const [extra, env] of [
    [['--progress'], {}],
    [[], { CHUNKMILL_PROGRESS: '1' }],
  ] as const) {
    const r = await runCli([...ARGS(), ...extra], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(BAR);
    expect(r.stderr).toMatch(/100% \| 1\.0 MB \/ 1\.0 MB/);
    // Not a terminal: whole lines, no cursor movement.
    expect(r.stderr).not.toContain('\x1b[');
    expect(r.stdout).toBe(plain.stdout);
  }
});

test('--quiet wins over CHUNKMILL_PROGRESS=1', async () => {
  const r = await runCli([...ARGS(), '--quiet'], { env: { CHUNKMILL_PROGRESS: '1' } });
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
});

test('an error on a terminal: the bar is cleared before the error line', async () => {
  const bad = tmp.file('bad.csv', 'region,amount\nnorth,1\nsouth,abc\n');
  const r = await runCliInPty(['aggregate', bad, '--sum', 'amount', '--format', 'csv']);
  expect(r.code).toBe(1);
  // The error starts a line of its own (after the bar's clear-line sequence or a newline).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's escape sequences are what is matched
  expect(r.output).toMatch(/(^|\n|\x1b\[2K|\x1b\[0K|\r)chunkmill: .*\[ERR_CSV_BAD_NUMBER\]/);
});
