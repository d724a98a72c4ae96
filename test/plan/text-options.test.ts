/**
 * The decimal and encoding options. decimal: ',' reads `1,5` as 1.5 in the workers (for every
 * chunk size and worker count), `1.5` then as no number; processSerial, which would read in the
 * caller's thread, takes '.' only (the separator is a per-thread setting). encoding: a Latin-1
 * file's records reach every sink as UTF-8, quoted, multi-line and rejected ones included.
 */
import { expect, test } from 'vitest';
import { count, processDataset, processSerial, sum } from 'chunkmill';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();

test("decimal ',' at every chunk size; a '.' is then no number; processSerial refuses it", {
  timeout: 120_000,
}, async () => {
  const input = tmp.file('comma.csv', 'g;v\na;1,5\nb;2,25\na;-0,5e1\nb;\na;1.5\n');
  for (const chunkSize of [1, 2, 7, 64, 4096]) {
    for (const workers of [1, 3]) {
      const { rows, stats } = await processDataset({
        input,
        chunkSize,
        workers,
        csv: { delimiter: ';' },
        decimal: ',',
        onBadNumber: 'skip',
        aggregate: { groupBy: ['g'], measures: { n: count(), s: sum('v') } },
      }).result;
      expect([rows, stats.valuesSkipped], `chunkSize ${chunkSize}, ${workers} workers`).toStrictEqual([
        [
          { g: 'a', n: 3, s: -3.5 },
          { g: 'b', n: 2, s: 2.25 },
        ],
        1, // 1.5
      ]);
    }
  }
  await expect(
    processSerial({ input, csv: { delimiter: ';' }, decimal: ',', aggregate: { measures: { n: count() } } }),
  ).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', option: 'decimal' });
});

test('encoding latin1: quoted fields, doubled quotes, reported bad rows, at every chunk size', {
  timeout: 120_000,
}, async () => {
  const text = 'k,v\n"K\xf6ln ""A""",1\n"M\xe1laga\nNord",2\nK\xf6ln,3,extra\n\xc9,4\n';
  const input = tmp.file('latin1-quoted.csv', Buffer.from(text, 'latin1'));
  const rejects = `${tmp.dir}/rejects.csv`;
  const options = {
    input,
    encoding: 'latin1' as const,
    onBadRow: 'report' as const,
    rejects,
    aggregate: { groupBy: ['k'], measures: { s: sum('v') } },
  };
  const serial = await processSerial(options);
  expect(serial.rows).toStrictEqual([
    { k: 'Köln "A"', s: 1 },
    { k: 'Málaga\nNord', s: 2 },
    { k: 'É', s: 4 },
  ]);
  for (const chunkSize of [1, 3, 7, 64]) {
    const { rows } = await processDataset({ ...options, chunkSize, workers: 2 }).result;
    expect(rows, `chunkSize ${chunkSize}`).toStrictEqual(serial.rows);
  }
  const { readFileSync } = await import('node:fs');
  expect(readFileSync(rejects, 'utf8')).toBe('line,fields,record\n5,3,"Köln,3,extra"\n');
});

test('encoding and decimal apply to CSV: an NDJSON input or records in memory with them are refused', async () => {
  const input = tmp.file('rows.ndjson', '{"a":"x"}\n');
  const measures = { n: count() };
  await expect(processDataset({ input, encoding: 'latin1', aggregate: { measures } }).result).rejects.toMatchObject({
    code: 'ERR_INVALID_OPTION',
    option: 'encoding',
  });
  await expect(
    processDataset({ input: [{ a: 'x' }], encoding: 'windows-1252', aggregate: { measures } }).result,
  ).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', option: 'encoding' });
  await expect(processDataset({ input, decimal: ',', aggregate: { measures } }).result).rejects.toMatchObject({
    code: 'ERR_INVALID_OPTION',
    option: 'decimal',
  });
});
