/**
 * earlyPoolThreads (cli/early-pool.ts): the threads main() starts before a command loads, read from
 * its arguments as commander will read them; anything it cannot be sure of starts none.
 */
import { availableParallelism } from 'node:os';
import { expect, test } from 'vitest';
import { earlyPoolThreads } from '../../dist/cli/early-pool.js';

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
