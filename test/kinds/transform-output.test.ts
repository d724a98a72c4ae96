/**
 * Transforms write their rows in exactly the input order, whatever the chunk size and worker
 * count: the output file is byte-identical to the serial run's, in CSV, NDJSON and JSON, for
 * filters, maps and one-to-many rows, to a file or to a caller's stream.
 */
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { parseString } from '@fast-csv/parse';
import { expect, test } from 'vitest';
import { processDataset, processSerial, type TransformOptions } from 'chunkmill';
import { loadFixture } from '../helpers/fixtures.ts';
import { tempDir } from '../helpers/tmp.ts';
import { processOnWarmPool } from '../helpers/warm-pools.ts';

const tmp = tempDir();
const select = new URL('../../fixtures/tasks/select.mjs', import.meta.url);
const arrays = new URL('../../fixtures/tasks/arrays.mjs', import.meta.url);
const MATRIX = [
  [1, 1],
  [7, 3],
  [64, 2],
  [100_000, 2],
] as const;

async function expectSameBytes(
  options: Omit<TransformOptions, 'output'>,
  format: 'csv' | 'ndjson' | 'json',
  label: string,
): Promise<string> {
  const serialPath = `${tmp.dir}/${label}.serial.${format}`;
  const serial = await processSerial({ ...options, output: { path: serialPath, format } });
  const expected = readFileSync(serialPath, 'utf8');
  expect(serial.bytesWritten).toBe(Buffer.byteLength(expected));
  for (const [chunkSize, workers] of MATRIX) {
    const path = `${tmp.dir}/${label}.${chunkSize}.${workers}.${format}`;
    // A warm pool per thread count (test/helpers/warm-pools.ts): the same job without a pool's start
    // and end per run; the caller's-stream test below runs processDataset with a pool of its own.
    const result = await processOnWarmPool({ ...options, chunkSize, workers, output: { path, format } }).result;
    expect(readFileSync(path, 'utf8'), `chunkSize ${chunkSize}, workers ${workers}`).toBe(expected);
    expect(result.rowsOut).toBe(serial.rowsOut);
    expect(result.rowsIn).toBe(serial.rowsIn);
    expect(result.bytesWritten).toBe(serial.bytesWritten);
  }
  return expected;
}

test.each(['quoted-newlines-crlf', 'escaped-quotes', 'utf8-keys', 'blank-lines'])(
  '%s: identity to CSV, NDJSON and JSON',
  { timeout: 120_000 },
  async (name) => {
    const f = loadFixture(name);
    const options = { input: f.path, csv: f.spec.csv, transform: select };
    const csv = await expectSameBytes(options, 'csv', name);
    // The CSV written parses back (with the reference parser) to the input's records.
    const input = await records(readFileSync(f.path, 'utf8'), f.spec.csv.delimiter);
    expect(await records(csv)).toStrictEqual(input);
    const ndjson = await expectSameBytes(options, 'ndjson', name);
    const objects = ndjson
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, string>);
    expect(objects.map((o) => Object.values(o))).toStrictEqual(input.slice(1));
    const json = await expectSameBytes(options, 'json', name);
    expect(JSON.parse(json)).toStrictEqual(objects);
  },
);

test('filter and one-to-many: only rows with a non-empty column, each twice', { timeout: 120_000 }, async () => {
  const lines = ['k,v', ...Array.from({ length: 500 }, (_, i) => `k${i},${i % 3 === 0 ? '' : `"v ${i}, ""q"""`}`)];
  const input = tmp.file('filter.csv', lines.join('\r\n'));
  const csv = await expectSameBytes(
    { input, transform: select, params: { keep: ['v', 'k'], where: 'v', twice: true } },
    'csv',
    'filter',
  );
  const out = await records(csv);
  expect(out[0]).toEqual(['v', 'k']);
  const kept = Array.from({ length: 500 }, (_, i) => i).filter((i) => i % 3 !== 0);
  expect(out.slice(1)).toStrictEqual(
    kept.flatMap((i) => [
      [`v ${i}, "q"`, `k${i}`],
      [`v ${i}, "q"`, `k${i}`],
    ]),
  );
});

test('array rows with declared columns, some rows giving two', { timeout: 120_000 }, async () => {
  const input = tmp.file('words.csv', 'w\n' + ['a', 'abcd', 'xy', 'hello', ''].join('\n') + '\n');
  const csv = await expectSameBytes({ input, transform: arrays }, 'csv', 'arrays');
  expect(csv).toBe('field,length\na,1\nabcd,4\nABCD,-1\nxy,2\nhello,5\nHELLO,-1\n'); // the blank line is no record
});

test('no output rows: CSV gets just the declared header, JSON an empty array', { timeout: 60_000 }, async () => {
  const input = tmp.file('none.csv', 'k,v\na,\nb,\n');
  expect(await expectSameBytes({ input, transform: select, params: { where: 'v' } }, 'csv', 'none')).toBe('');
  expect(await expectSameBytes({ input, transform: select, params: { where: 'v' } }, 'json', 'none')).toBe('[\n]\n');
  expect(await expectSameBytes({ input: tmp.file('empty.csv', ''), transform: arrays }, 'csv', 'empty')).toBe(
    'field,length\n',
  );
});

test("to a caller's stream, which is left open", { timeout: 60_000 }, async () => {
  const input = tmp.file('s.csv', 'k\n' + Array.from({ length: 1000 }, (_, i) => `${i}\n`).join(''));
  const stream = new PassThrough();
  const parts: Buffer[] = [];
  stream.on('data', (b: Buffer) => parts.push(b));
  const result = await processDataset({
    input,
    transform: select,
    workers: 2,
    chunkSize: 500,
    output: { stream, format: 'ndjson' },
  }).result;
  expect(stream.writableEnded).toBe(false);
  const text = Buffer.concat(parts).toString();
  expect(text).toBe(Array.from({ length: 1000 }, (_, i) => `{"k":"${i}"}\n`).join(''));
  expect(result).toMatchObject({ rowsIn: 1000, rowsOut: 1000, bytesWritten: Buffer.byteLength(text) });
});

function records(text: string, delimiter = ','): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const rows: string[][] = [];
    parseString<string[], string[]>(text.replace(/^\uFEFF/, ''), { delimiter })
      .on('error', reject)
      .on('data', (r: string[]) => {
        if (r.length > 0) rows.push(r);
      })
      .on('end', () => resolve(rows));
  });
}
