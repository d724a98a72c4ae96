/**
 * UTF-16 files (#24 --encoding): read by their byte order mark on their own, or with --encoding
 * utf-16le / utf-16be, they give exactly the answer of the same text in UTF-8, sniffing included,
 * through the real binary and the library (workers and chunk sizes of the stream path).
 */
import { expect, test } from 'vitest';
import { processDataset, processSerial } from 'chunkmill';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const text = 'city;amount\r\nKöln;1\r\n"Zürich\nOst";2\r\nKöln;3\r\n😀;4\r\n東京;5\r\n';
const le = Buffer.from(text, 'utf16le');
const be = Buffer.from(le).swap16();
const utf8 = tmp.file('utf8.csv', text);
const withBomLe = tmp.file('le-bom.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), le]));
const withBomBe = tmp.file('be-bom.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), be]));
const bareLe = tmp.file('le.csv', le);
const args = ['-g', 'city', '--count', '--sum', 'amount'];

test('a UTF-16 file with a BOM reads as its UTF-8 twin, its delimiter sniffed', { timeout: 60_000 }, async () => {
  const expected = await runCli(['aggregate', utf8, ...args]);
  expect(expected.code, expected.stderr).toBe(0);
  expect(expected.stdout).toBe('city,count,sum_amount\nKöln,2,4\n"Zürich\nOst",1,2\n😀,1,4\n東京,1,5\n');
  for (const file of [withBomLe, withBomBe]) {
    const r = await runCli(['aggregate', file, ...args]);
    expect([file, r.code, r.stdout], r.stderr).toStrictEqual([file, 0, expected.stdout]);
  }
  const named = await runCli(['aggregate', bareLe, '--encoding', 'utf-16le', '-d', ';', ...args]);
  expect([named.code, named.stdout], named.stderr).toStrictEqual([0, expected.stdout]);
  // Without a BOM and without the flag it is not UTF-8: refused, with a hint, never read as bytes.
  const refused = await runCli(['aggregate', bareLe, '-d', ';', ...args]);
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain('UTF-16');
});

test('the library: every chunk size and worker count, and processSerial, agree', { timeout: 60_000 }, async () => {
  const aggregate = {
    groupBy: ['city'],
    measures: { n: { kind: 'count' }, s: { kind: 'sum', column: 'amount' } },
  } as const;
  const csv = { delimiter: ';' };
  const reference = await processSerial({ input: utf8, csv, aggregate });
  expect((await processSerial({ input: withBomBe, csv, aggregate })).rows).toStrictEqual(reference.rows);
  for (const chunkSize of [1, 5, 64]) {
    for (const workers of [1, 2]) {
      const { rows } = await processDataset({ input: withBomLe, csv, aggregate, chunkSize, workers }).result;
      expect(rows, `chunkSize ${chunkSize}, workers ${workers}`).toStrictEqual(reference.rows);
    }
  }
  const explicit = await processDataset({ input: bareLe, csv, aggregate, encoding: 'utf-16le', workers: 2 }).result;
  expect(explicit.rows).toStrictEqual(reference.rows);
});
