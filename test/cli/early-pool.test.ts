/**
 * earlyPoolThreads (cli/early-pool.ts): the threads main() starts before a command loads, read from
 * its arguments as commander will read them; anything it cannot be sure of starts none.
 */
import { availableParallelism } from 'node:os';
import { expect, test } from 'vitest';
import { earlyPoolThreads } from '../../dist/cli/early-pool.js';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();

test('the workers a local job will ask for: -w N, -wN, --workers N, --workers=N (the last one), or the cores', () => {
  expect(earlyPoolThreads(['aggregate', 'f.csv', '-g', 'k', '-w', '3'])).toBe(3);
  expect(earlyPoolThreads(['convert', 'f.csv', '-w5'])).toBe(5);
  expect(earlyPoolThreads(['stats', '--workers', '7', 'f.csv'])).toBe(7);
  expect(earlyPoolThreads(['run', 'f.csv', '--workers=2', '--task', 't.js'])).toBe(2);
  expect(earlyPoolThreads(['aggregate', 'f.csv', '-w', '3', '-w', '1'])).toBe(1);
  expect(earlyPoolThreads(['aggregate', 'f.csv', '-g', 'k'])).toBe(availableParallelism());
  // After `--` a "-w" is a file name.
  expect(earlyPoolThreads(['aggregate', '-w', '2', '--', '-w', '9'])).toBe(2);
});

test('none for commands without a local job, a cluster, help, or a value that is not a worker count', () => {
  for (const args of [
    [],
    ['--version'],
    ['-w', '2', 'aggregate', 'f.csv'],
    ['serve', '--data-dir', 'd'],
    ['worker', '--redis', 'redis://h'],
    ['submit', 'f.csv'],
    ['aggregate', 'f.csv', '--cluster', 'redis://h'],
    ['aggregate', 'f.csv', '--cluster=redis://h'],
    ['aggregate', '--help'],
    ['stats', 'f.csv', '-h'],
    ['aggregate', 'f.csv', '-w', '0'],
    ['aggregate', 'f.csv', '-w', 'two'],
    ['aggregate', 'f.csv', '--workers=1025'],
    ['aggregate', 'f.csv', '-w'],
  ])
    expect(earlyPoolThreads(args), args.join(' ')).toBeNull();
});

test('no more threads than the chunks its local files can make; the cores where the input cannot be sized', () => {
  const small = tmp.file('small.csv', 'k,v\na,1\n'); // 8 bytes
  const other = tmp.file('other.csv', 'k,v\nb,2\n');
  const big = tmp.file('big.csv', Buffer.alloc(5 << 20, 'a,1\n')); // 3 chunks of the 2 MiB default
  expect(earlyPoolThreads(['aggregate', small, '-g', 'k', '-w', '8'])).toBe(1);
  expect(earlyPoolThreads(['aggregate', small, other, '-w', '8'])).toBe(2); // a chunk per file at least
  expect(earlyPoolThreads(['aggregate', big, '-w', '8'])).toBe(3);
  expect(earlyPoolThreads(['aggregate', small, '-w', '8', '--chunk-size', '3'])).toBe(3);
  expect(earlyPoolThreads(['aggregate', '--chunk-size=2', '-w', '8', small])).toBe(4);
  expect(earlyPoolThreads(['aggregate', '-w', '2', '--', small])).toBe(1); // a file named after --
  // Names that are no file (flag values, a typo) do not count; a flag value that is a file errs high.
  expect(earlyPoolThreads(['stats', small, '--where', 'k = 1', '-w', '8'])).toBe(1);
  expect(earlyPoolThreads(['run', small, '--task', big, '-w', '8'])).toBe(4);
  // Not sized: stdin, globs, URLs, streams (gzip, NDJSON), no file at all.
  for (const input of ['-', `${tmp.dir}/*.csv`, 's3://b/k.csv', 'https://h/k.csv', 'missing.csv'])
    expect(earlyPoolThreads(['aggregate', small, input, '-w', '8']), input).toBe(input === 'missing.csv' ? 1 : 8);
  for (const name of ['in.csv.gz', 'in.ndjson', 'in.jsonl', 'in.json'])
    expect(earlyPoolThreads(['convert', tmp.file(name, '{}\n'), '-w', '8']), name).toBe(8);
  expect(earlyPoolThreads(['aggregate', '-w', '8'])).toBe(8);
  expect(earlyPoolThreads(['aggregate', small, '--chunk-size'])).toBeNull();
  expect(earlyPoolThreads(['aggregate', small, '--chunk-size', 'big'])).toBeNull();
});
