/**
 * Many files as one dataset (a list, a glob, gzip parts): the answer is the serial parse of the
 * files concatenated (headers not repeated), at every chunk size and worker count; a header that
 * differs names the file and column; an error names the file and the line within it. Real
 * threads on real files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { processDataset, processSerial, type AggregateResult, type ProcessOptions } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { distinctRuns } from '../helpers/matrix.ts';
import { HEADER, randomCsv, rng } from '../helpers/random-csv.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const aggregate = {
  groupBy: ['k', 't'],
  measures: { n: { kind: 'count' }, s: { kind: 'sum', column: 'v' }, hi: { kind: 'max', column: 'v' } },
} as const;
const header = `${HEADER.join(',')}\n`;

/** Five parts of random CSV (quoted newlines, CRLF, multi-byte text), one of them header-only. */
const parts = [0, 1, 2, 3, 4].map((i) => {
  const body = i === 3 ? '' : randomCsv(rng(100 + i), { rows: 40 + 17 * i }).text.slice(header.length);
  return header + body;
});
const names = parts.map((text, i) => tmp.file(`part-${String(i).padStart(2, '0')}.csv`, text));
const whole = tmp.file('whole.csv', header + parts.map((p) => p.slice(header.length)).join(''));
const gzNames = parts.map((text, i) => {
  const path = join(tmp.dir, `gz-${i}.csv.gz`);
  writeFileSync(path, gzipSync(text));
  return path;
});

async function expectLikeWhole(input: ProcessOptions['input'], chunkSizes: number[], workers: number[]) {
  const reference = (await processSerial({ input: whole, aggregate })) as AggregateResult;
  expect(reference.stats.rows).toBeGreaterThan(250); // the parts hold data
  const serial = (await processSerial({ input, aggregate })) as AggregateResult;
  expect(serial.rows).toStrictEqual(reference.rows);
  const total = parts.reduce((n, p) => n + Buffer.byteLength(p), 0);
  for (const { chunkSize, workers: w } of distinctRuns(total, chunkSizes, workers)) {
    const job = processDataset({ input, aggregate, chunkSize, workers: w });
    let bytesTotal: number | null = -1;
    job.on('start', (s) => (bytesTotal = s.bytesTotal));
    const parallel = await job.result;
    expect(parallel.rows, `chunkSize ${chunkSize}, workers ${w}`).toStrictEqual(reference.rows);
    expect(parallel.stats.rows).toBe(reference.stats.rows);
    if (JSON.stringify(input).includes('.gz"'))
      expect(bytesTotal).toBeNull(); // a stream's size is not known ahead
    else expect(bytesTotal).toBe(total);
  }
}

describe('a dataset of local files equals the serial parse of their concatenation', () => {
  test('a list of files', { timeout: 120_000 }, async () => {
    await expectLikeWhole(names, [1, 7, 64, 4096, 1 << 20], [1, 2, 3]);
  });

  test('a glob, taken sorted by name', { timeout: 120_000 }, async () => {
    await expectLikeWhole(join(tmp.dir, 'part-*.csv'), [3, 256, 1 << 20], [1, 3]);
  });

  test('gzip parts (one stream after another)', { timeout: 120_000 }, async () => {
    await expectLikeWhole(join(tmp.dir, 'gz-*.csv.gz'), [64, 4096], [1, 3]);
    await expectLikeWhole(gzNames, [1 << 20], [2]);
  });
});

describe('a dataset refuses what would be a wrong answer', () => {
  test('a file whose header differs names the file and the first column that differs', async () => {
    const other = tmp.file('other.csv', 'k,value,t\na,1,2\n');
    for (const run of [
      () => processSerial({ input: [names[0]!, other], aggregate }),
      () => processDataset({ input: [names[0]!, other], aggregate, workers: 2 }).result,
    ]) {
      const error = await rejectionOf(run());
      expect(error.code).toBe('ERR_CSV_HEADER');
      expect(error.file).toBe(other);
      expect(error.columnIndex).toBe(2);
      expect(error.message).toContain('"value" where the first has "v"');
    }
  });

  test('a data error names the file it is in and the line within that file', async () => {
    const good = tmp.file('e-1.csv', 'k,v,t\na,1,2\nb,2,3\n');
    const bad = tmp.file('e-2.csv', 'k,v,t\na,1,2\nb,"x"y,3\n');
    for (const chunkSize of [1, 5, 1 << 20]) {
      const error = await rejectionOf(processDataset({ input: [good, bad], aggregate, chunkSize, workers: 2 }).result);
      expect(error.code).toBe('ERR_CSV_INVALID_CLOSING_QUOTE');
      expect(error.file).toBe(bad);
      expect(error.line).toBe(3);
    }
    const serial = await rejectionOf(processSerial({ input: [good, bad], aggregate }));
    expect([serial.file, serial.line]).toStrictEqual([bad, 3]);
    const gz = [good, bad].map((p) => {
      writeFileSync(`${p}.gz`, gzipSync(readFileSync(p)));
      return `${p}.gz`;
    });
    const zipped = await rejectionOf(processDataset({ input: gz, aggregate, workers: 2 }).result);
    expect([zipped.code, zipped.file, zipped.line]).toStrictEqual(['ERR_CSV_INVALID_CLOSING_QUOTE', gz[1], 3]);
  });

  test('a glob that matches nothing is an error naming it', async () => {
    const pattern = join(tmp.dir, 'nothing-*.csv');
    const error = await rejectionOf(processDataset({ input: pattern, aggregate }).result);
    expect([error.code, error.file]).toStrictEqual(['ERR_FILE_NOT_FOUND', pattern]);
  });
});
