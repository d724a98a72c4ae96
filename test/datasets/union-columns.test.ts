/**
 * unionColumns: a dataset whose files' headers differ (reordered, missing and extra columns) is
 * read as DuckDB's union_by_name reads it. The reference is the serial parse of one CSV written
 * here with the united header, every field a file lacks written empty: the parallel runs over
 * chunk sizes x worker counts (aggregate, filter, task, transform), processSerial and the CLI
 * must all give its answer. Without the option, the header error is what it was. Real threads on
 * real files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { processDataset, processSerial, type AggregateResult, type TaskResult } from 'chunkmill';
import { runCli } from '../helpers/cli.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { distinctRuns } from '../helpers/matrix.ts';
import { rng } from '../helpers/random-csv.ts';
import { startS3, type TestS3 } from '../helpers/s3.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const UNITED = ['k', 'v', 't', 'x', 'y', 'z'];
const KEYS = ['a', 'b,c', 'q"q', 'line\nbreak', '東京', '', 'x y'];
const TEXTS = ['', 'plain', 'with,comma', 'say "hi"', 'two\r\nlines', 'é€😀', ' '];

function field(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A value for a column: keys and texts with delimiters, quotes and line breaks; numbers or empty. */
function value(random: () => number, column: string): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  if (column === 'k') return pick(KEYS);
  if (column === 't') return pick(TEXTS);
  return random() < 0.2 ? '' : String(Math.floor(random() * 2001) - 1000);
}

/** The files: [name, columns, rows, line end]; the united columns are k, v, t, then x, y, z as they first appear. */
const SHAPES: [string, string[], number, string][] = [
  ['p-1.csv', ['k', 'v', 't'], 30, '\n'],
  ['p-2.csv', ['t', 'k', 'v'], 25, '\r\n'], // reordered
  ['p-3.csv', [], 0, '\n'], // empty: no header, nothing
  ['p-4.csv', ['k', 't'], 20, '\n'], // v missing
  ['p-5.csv', ['v', 'x', 'k', 't'], 35, '\r\n'], // x new, order changed
  ['p-6.csv', ['k', 'y'], 0, '\n'], // a header alone: y is a column with no value
  ['p-7.csv', ['z', 'k', 'x'], 15, '\n'], // z new; v, t, y missing
  ['p-8.csv', ['k', 'v', 't'], 10, '\n'], // the first's columns again: read as it is
];

const random = rng(19);
const united: string[] = [`${UNITED.join(',')}\n`];
const names = SHAPES.map(([name, columns, rows, end]) => {
  if (columns.length === 0) return tmp.file(name, '');
  let text = columns.join(',') + end;
  for (let r = 0; r < rows; r++) {
    const record = new Map(columns.map((c) => [c, value(random, c)]));
    text += columns.map((c) => field(record.get(c)!)).join(',') + end;
    united.push(`${UNITED.map((c) => field(record.get(c) ?? '')).join(',')}\n`);
  }
  return tmp.file(name, text);
});
const reference = tmp.file('united.csv', united.join(''));
const total = names.reduce((n, p) => n + readFileSync(p).length, 0);

const aggregate = {
  groupBy: ['k', 't'],
  measures: {
    n: { kind: 'count' },
    s: { kind: 'sum', column: 'v' },
    hi: { kind: 'max', column: 'v' },
    sx: { kind: 'sum', column: 'x' },
    mx: { kind: 'mean', column: 'x' },
    lo: { kind: 'min', column: 'z' },
  },
} as const;
const rowsTask = new URL('../../fixtures/tasks/rows-in-order.mjs', import.meta.url);
const select = new URL('../../fixtures/tasks/select.mjs', import.meta.url);

describe('unionColumns reads the files as one CSV with the united header would read', () => {
  test('aggregates, with and without a filter, over chunk sizes x worker counts', { timeout: 180_000 }, async () => {
    for (const where of [undefined, 'x is empty or v > 0']) {
      const filter = where === undefined ? {} : { where };
      const expected = (await processSerial({ input: reference, aggregate, ...filter })) as AggregateResult;
      expect(expected.stats.rows).toBe(135);
      const serial = (await processSerial({
        input: names,
        aggregate,
        unionColumns: true,
        ...filter,
      })) as AggregateResult;
      expect(serial.rows).toStrictEqual(expected.rows);
      const runs =
        where === undefined
          ? distinctRuns(total, [1, 7, 64, 4096, 1 << 20], [1, 2, 3])
          : [{ chunkSize: 16, workers: 3 }];
      for (const { chunkSize, workers } of runs) {
        const job = processDataset({ input: names, aggregate, unionColumns: true, chunkSize, workers, ...filter });
        let columns: readonly string[] = [];
        job.on('start', (s) => (columns = s.columns));
        const parallel = await job.result;
        expect(parallel.rows, `chunkSize ${chunkSize}, workers ${workers}`).toStrictEqual(expected.rows);
        expect([parallel.stats.rows, parallel.stats.rowsFiltered]).toStrictEqual([
          expected.stats.rows,
          expected.stats.rowsFiltered,
        ]);
        expect(columns).toStrictEqual(UNITED);
      }
    }
  });

  test("a task's rows and a transform's output are the united file's", { timeout: 120_000 }, async () => {
    const expected = (await processSerial({ input: reference, task: rowsTask })) as TaskResult;
    const serial = await processSerial({ input: names, task: rowsTask, unionColumns: true });
    expect((expected.value as { rows: number }).rows).toBe(135);
    expect(serial.value).toStrictEqual(expected.value);
    for (const { chunkSize, workers } of distinctRuns(total, [5, 300, 1 << 20], [1, 3])) {
      const run = await processDataset({ input: names, task: rowsTask, unionColumns: true, chunkSize, workers }).result;
      expect(run.value, `chunkSize ${chunkSize}, workers ${workers}`).toStrictEqual(expected.value);
    }
    const want = join(tmp.dir, 'want.csv');
    await processSerial({ input: reference, transform: select, output: { path: want } });
    for (const workers of [1, 3]) {
      const got = join(tmp.dir, `got-${workers}.csv`);
      const output = { path: got };
      await processDataset({ input: names, transform: select, output, unionColumns: true, chunkSize: 40, workers })
        .result;
      expect(readFileSync(got, 'utf8')).toBe(readFileSync(want, 'utf8'));
    }
  });

  test('a bad row of a remapped file is judged by its own header, and named in it', { timeout: 60_000 }, async () => {
    const first = tmp.file('b-1.csv', 'k,v\na,1\n');
    const bad = tmp.file('b-2.csv', 'v,x\n2,3\n4,5,6\n7,8\n');
    const input = [first, bad];
    for (const workers of [1, 2]) {
      const error = await rejectionOf(processDataset({ input, aggregate: sums, unionColumns: true, workers }).result);
      expect([error.code, error.file, error.line]).toStrictEqual(['ERR_CSV_FIELD_COUNT', bad, 3]);
      expect(error.message).toContain('Expected 2 fields, found 3');
      const skipped = await processDataset({ input, aggregate: sums, unionColumns: true, workers, onBadRow: 'skip' })
        .result;
      expect(skipped.rows).toStrictEqual([{ n: 3, v: 10, x: 11 }]);
      expect(skipped.stats.rowsRejected).toBe(1);
    }
  });
});

const sums = {
  measures: { n: { kind: 'count' }, v: { kind: 'sum', column: 'v' }, x: { kind: 'sum', column: 'x' } },
} as const;

let s3: TestS3 | undefined;
afterAll(() => s3?.stop());

describe('objects', () => {
  test('a glob of objects in S3 (whose chunks parse with their parity summary)', { timeout: 120_000 }, async () => {
    s3 = await startS3();
    await s3.createBucket('union');
    for (const path of names) await s3.putObject('union', `parts/${path.split('/').pop()}`, readFileSync(path));
    const expected = (await processSerial({ input: reference, aggregate })) as AggregateResult;
    const input = 's3://union/parts/p-*.csv';
    const serial = await processSerial({ input, aggregate, unionColumns: true, s3: s3.settings });
    expect(serial.rows).toStrictEqual(expected.rows);
    for (const { chunkSize, workers } of [
      { chunkSize: 9, workers: 3 },
      { chunkSize: 1 << 20, workers: 2 },
    ]) {
      const options = { input, aggregate, unionColumns: true, s3: s3.settings, chunkSize, workers };
      const parallel = await processDataset(options).result;
      expect(parallel.rows, `chunkSize ${chunkSize}, workers ${workers}`).toStrictEqual(expected.rows);
    }
  });
});

describe('without unionColumns, and where it cannot apply', () => {
  test('a header that differs is the error it was, its hint naming the option', async () => {
    const error = await rejectionOf(processDataset({ input: [names[0]!, names[1]!], aggregate, workers: 2 }).result);
    expect([error.code, error.file, error.columnIndex]).toStrictEqual(['ERR_CSV_HEADER', names[1], 1]);
    expect(error.message).toBe(
      `The columns of ${names[1]} differ from the first file's (${names[0]}) at column 1: "t" where the first has "k"`,
    );
    expect(error.hint).toContain('unionColumns: true');
  });

  test('refused with a coded error naming it: a dataset read as streams, a stream, a value not boolean', async () => {
    const gz = [names[0]!, names[3]!].map((p, i) => tmp.file(`g-${i}.csv.gz`, gzipSync(readFileSync(p))));
    const streamed = await rejectionOf(processDataset({ input: gz, aggregate, unionColumns: true }).result);
    expect([streamed.code, streamed.option]).toStrictEqual(['ERR_INVALID_OPTION', 'unionColumns']);
    expect(streamed.message).toContain('read as streams');
    const array = await rejectionOf(processDataset({ input: [{ k: 'a' }], aggregate, unionColumns: true }).result);
    expect([array.code, array.option]).toStrictEqual(['ERR_INVALID_OPTION', 'unionColumns']);
    const word = await rejectionOf(processDataset({ input: names, aggregate, unionColumns: 'yes' as never }).result);
    expect([word.code, word.option]).toStrictEqual(['ERR_INVALID_OPTION', 'unionColumns']);
  });
});

describe('the CLI', () => {
  test('--union-columns, and the hint that names it', { timeout: 60_000 }, async () => {
    const args = ['-g', 'k', '--count', '--sum', 'v', '--sum', 'x', '--sort', 'k'];
    const expected = await runCli(['aggregate', reference, ...args]);
    expect(expected.code, expected.stderr).toBe(0);
    const united = await runCli(['aggregate', ...names, ...args, '--union-columns', '--chunk-size', '32', '-w', '2']);
    expect([united.code, united.stdout], united.stderr).toStrictEqual([0, expected.stdout]);
    const converted = await runCli(['convert', reference, '--to', 'csv', '--select', 'k,x,z']);
    const union = await runCli(['convert', ...names, '--to', 'csv', '--select', 'k,x,z', '--union-columns']);
    expect([union.code, union.stdout], union.stderr).toStrictEqual([0, converted.stdout]);
    const refused = await runCli(['aggregate', ...names, ...args]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--union-columns');
    expect(refused.stderr).not.toContain('unionColumns');
  });
});
