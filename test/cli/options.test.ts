/** The CLI's option parsers and progress text, as units: sizes, workers, characters, the env switch. */
import { InvalidArgumentError } from 'commander';
import { expect, test } from 'vitest';
import { parseChar, parseList, parseSize, parseWorkers } from '../../src/cli/flags.ts';
import { formatBytes, formatDuration, progressLine, wantProgress } from '../../src/cli/ui/progress.ts';
import { taskUrl } from '../../src/cli/commands/run.ts';

test('sizes: plain bytes, KiB/MiB/GiB (and K/M/G) as powers of 1024, KB/MB/GB as powers of 1000', () => {
  expect(parseSize('65536')).toBe(65536);
  expect(parseSize('8MiB')).toBe(8 << 20);
  expect(parseSize('8 mib')).toBe(8 << 20);
  expect(parseSize('512KiB')).toBe(512 << 10);
  expect(parseSize('1GiB')).toBe(1 << 30);
  expect(parseSize('2M')).toBe(2 << 20);
  expect(parseSize('1.5KiB')).toBe(1536);
  expect(parseSize('10KB')).toBe(10_000);
  expect(parseSize('3MB')).toBe(3_000_000);
  expect(parseSize('1B')).toBe(1);
  for (const bad of ['', '0', '-1', '8XB', 'MiB', '0.5', '1.0001KiB', '8 MiB extra']) {
    expect(() => parseSize(bad), bad).toThrow(InvalidArgumentError);
  }
});

test('workers: an integer from 1 to 1024', () => {
  expect(parseWorkers('4')).toBe(4);
  for (const bad of ['0', '-1', '1.5', 'abc', '', '1025'])
    expect(() => parseWorkers(bad), bad).toThrow(InvalidArgumentError);
});

test('characters: one ASCII character, tab spelled \\t or tab', () => {
  expect(parseChar(';')).toBe(';');
  expect(parseChar('\\t')).toBe('\t');
  expect(parseChar('TAB')).toBe('\t');
  for (const bad of ['', 'ab', 'é', '\n', '\r'])
    expect(() => parseChar(bad), JSON.stringify(bad)).toThrow(InvalidArgumentError);
});

test('column lists: comma-separated, no blanks', () => {
  expect(parseList('a,b c,d')).toEqual(['a', 'b c', 'd']);
  expect(() => parseList('a,,b')).toThrow(InvalidArgumentError);
});

test('progress: flags win over CHUNKMILL_PROGRESS, which wins over the terminal test', () => {
  expect(wantProgress(undefined, undefined, {}, true)).toBe(true);
  expect(wantProgress(undefined, undefined, {}, false)).toBe(false);
  expect(wantProgress(undefined, undefined, { CHUNKMILL_PROGRESS: '1' }, false)).toBe(true);
  expect(wantProgress(undefined, undefined, { CHUNKMILL_PROGRESS: '0' }, true)).toBe(false);
  expect(wantProgress(true, undefined, { CHUNKMILL_PROGRESS: '0' }, false)).toBe(true);
  expect(wantProgress(false, undefined, { CHUNKMILL_PROGRESS: '1' }, true)).toBe(false);
  expect(wantProgress(true, true, {}, true)).toBe(false); // --quiet wins
});

test('progress text: with a total a bar, %, bytes, rows, rate and ETA; without one (stdin) no %, no ETA', () => {
  const p = {
    bytesDone: 120_500_000,
    bytesTotal: 286_100_000,
    rowsDone: 1_234_567,
    elapsedMs: 400,
    bytesPerSec: 305_200_000,
    etaMs: 3_000,
  };
  expect(progressLine(p)).toBe(
    '████████░░░░░░░░░░░░  42% | 120.5 MB / 286.1 MB | 1,234,567 rows | 305.2 MB/s | ETA 0:03',
  );
  expect(progressLine({ ...p, bytesTotal: null, etaMs: null })).toBe('120.5 MB | 1,234,567 rows | 305.2 MB/s');
  // On a narrow terminal the bar goes, the figures stay.
  expect(progressLine(p, 60)).toBe(' 42% | 120.5 MB / 286.1 MB | 1,234,567 rows | 305.2 MB/s | ETA 0:03');
  expect(formatBytes(999)).toBe('999 B');
  expect(formatBytes(999_990)).toBe('1.0 MB');
  expect(formatBytes(2_500_000_000)).toBe('2.50 GB');
  expect(formatDuration(3_725_000)).toBe('1:02:05');
});

test('task paths resolve against the current directory; URLs pass through', () => {
  expect(taskUrl('./t.js')).toBe(new URL('t.js', `file://${process.cwd()}/`).href);
  expect(taskUrl('/abs/t.mjs')).toBe('file:///abs/t.mjs');
  expect(taskUrl('file:///x/t.js')).toBe('file:///x/t.js');
});
