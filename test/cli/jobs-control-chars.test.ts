/**
 * `chunkmill jobs list` through the real binary, on a store holding a job whose name carries
 * terminal control characters (ESC sequences that recolour and clear the screen, NUL, a bell, a
 * C1 CSI, a right-to-left override): the table shows each as an escape (\x1b, \x00, \u202e), so
 * nothing reaches the terminal as a command. The CSV a program reads keeps the name as data (its
 * escape sequences as they are; @fast-csv/format drops a NUL, as it always has).
 */
import { expect, test } from 'vitest';
import { openQueue } from 'chunkmill';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();

test('jobs list -f table escapes control characters in a job name; -f csv keeps them as data', async () => {
  const input = tmp.file('in.csv', 'k\na\n');
  const store = `${tmp.dir}/jobs.db`;
  const name = 'evil\x1b[31mred\x1b[2J\x00\x07\x9b1m\u202Egnp.exe';
  const queue = openQueue(store);
  try {
    await queue.add({ input, aggregate: { measures: { n: { kind: 'count' } } } }, { name });
  } finally {
    await queue.close();
  }
  const table = await runCli(['jobs', 'list', '--store', store, '-f', 'table']);
  expect(table).toMatchObject({ code: 0, stderr: '' });
  expect(table.stdout).toContain('evil\\x1b[31mred\\x1b[2J\\x00\\x07\\x9b1m\\u202egnp.exe');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for them is the test
  expect(table.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
  const csv = await runCli(['jobs', 'list', '--store', store, '-f', 'csv']);
  expect(csv.code).toBe(0);
  expect(csv.stdout).toContain('evil\x1b[31mred\x1b[2J\x07\x9b1m\u202Egnp.exe');
});
