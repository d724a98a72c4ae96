/**
 * Every option's bad value is ERR_INVALID_OPTION naming that option (`error.option` and the
 * message), found before anything starts: processDataset returns a Job whose `result` rejects
 * (no throw, no `start`), and processSerial rejects the same way.
 */
import { expect, test } from 'vitest';
import { count, processDataset, processSerial, sum, type Job, type ProcessOptions } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { record, settle } from '../helpers/events.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const input = tmp.file('ok.csv', 'region,amount\nnorth,1\n');
const base = { input, aggregate: { groupBy: ['region'], measures: { n: count(), total: sum('amount') } } };

type Case = [label: string, options: unknown, option: string];

const withCsv = (csv: unknown) => ({ ...base, csv });
const withAggregate = (aggregate: unknown) => ({ ...base, aggregate });

const CASES: Case[] = [
  ['options not an object', null, 'options'],
  ['input missing', { aggregate: base.aggregate }, 'input'],
  ['input a number', { ...base, input: 42 }, 'input'],
  ['input empty', { ...base, input: '' }, 'input'],
  ['input a URL of another scheme', { ...base, input: new URL('ftp://example.com/x.csv') }, 'input'],
  ['workers 0', { ...base, workers: 0 }, 'workers'],
  ['workers negative', { ...base, workers: -2 }, 'workers'],
  ['workers fractional', { ...base, workers: 1.5 }, 'workers'],
  ['workers a string', { ...base, workers: '2' }, 'workers'],
  ['workers NaN', { ...base, workers: NaN }, 'workers'],
  ['workers Infinity', { ...base, workers: Infinity }, 'workers'],
  ['chunkSize 0', { ...base, chunkSize: 0 }, 'chunkSize'],
  ['chunkSize fractional', { ...base, chunkSize: 0.5 }, 'chunkSize'],
  ['chunkSize negative', { ...base, chunkSize: -8 }, 'chunkSize'],
  ['csv a string', withCsv('comma'), 'csv'],
  ['csv.delimiter empty', withCsv({ delimiter: '' }), 'csv.delimiter'],
  ['csv.delimiter two characters', withCsv({ delimiter: ',,' }), 'csv.delimiter'],
  ['csv.delimiter non-ASCII', withCsv({ delimiter: '§' }), 'csv.delimiter'],
  ['csv.delimiter LF', withCsv({ delimiter: '\n' }), 'csv.delimiter'],
  ['csv.delimiter CR', withCsv({ delimiter: '\r' }), 'csv.delimiter'],
  ['csv.delimiter a number', withCsv({ delimiter: 44 }), 'csv.delimiter'],
  ['csv.quote LF', withCsv({ quote: '\n' }), 'csv.quote'],
  ['csv.quote two characters', withCsv({ quote: "''" }), 'csv.quote'],
  ['csv.quote equal to the delimiter', withCsv({ delimiter: ';', quote: ';' }), 'csv.quote'],
  ['csv.header a string', withCsv({ header: 'yes' }), 'csv.header'],
  ['aggregate missing', { input }, 'aggregate'],
  ['aggregate a string', withAggregate('sum'), 'aggregate'],
  ['aggregate.groupBy a string', withAggregate({ groupBy: 'region', measures: { n: count() } }), 'aggregate.groupBy'],
  [
    'aggregate.groupBy holding a number',
    withAggregate({ groupBy: [1], measures: { n: count() } }),
    'aggregate.groupBy',
  ],
  ['aggregate.measures missing', withAggregate({ groupBy: ['region'] }), 'aggregate.measures'],
  ['aggregate.measures empty', withAggregate({ measures: {} }), 'aggregate.measures'],
  [
    'a measure of an unknown kind',
    withAggregate({ measures: { m: { kind: 'median', column: 'amount' } } }),
    'aggregate.measures.m',
  ],
  ['a measure that is not an object', withAggregate({ measures: { m: 'count' } }), 'aggregate.measures.m'],
  ['sum() without a column', withAggregate({ measures: { s: { kind: 'sum' } } }), 'aggregate.measures.s'],
  [
    'a measure with a field no measure reads',
    withAggregate({ measures: { n: { kind: 'count', foo: 'bar' } } }),
    'aggregate.measures.n.foo',
  ],
  [
    'count() with a column it would not read',
    withAggregate({ measures: { n: { kind: 'count', column: 'amount' } } }),
    'aggregate.measures.n.column',
  ],
  [
    'a measure named like a group-by column',
    withAggregate({ groupBy: ['region'], measures: { region: count() } }),
    'aggregate.measures.region',
  ],
  ['onBadRow unknown', { ...base, onBadRow: 'ignore' }, 'onBadRow'],
  ['onBadNumber unknown', { ...base, onBadNumber: 'zero' }, 'onBadNumber'],
  ['onQuoteMismatch unknown', { ...base, onQuoteMismatch: 'fail' }, 'onQuoteMismatch'],
  ['maxRecordSize 0', { ...base, maxRecordSize: 0 }, 'maxRecordSize'],
  ['maxRecordSize fractional', { ...base, maxRecordSize: 10.5 }, 'maxRecordSize'],
  ['maxRecordSize above 1 GiB', { ...base, maxRecordSize: 2 ** 31 }, 'maxRecordSize'],
  ['a misspelt csv option', { ...base, csv: { delimeter: ';' } }, 'csv.delimeter'],
  ['workerResourceLimits not an object', { ...base, workerResourceLimits: 64 }, 'workerResourceLimits'],
  [
    'workerResourceLimits with an unknown limit',
    { ...base, workerResourceLimits: { maxHeapMb: 64 } },
    'workerResourceLimits.maxHeapMb',
  ],
  [
    'workerResourceLimits a negative size',
    { ...base, workerResourceLimits: { maxOldGenerationSizeMb: -1 } },
    'workerResourceLimits.maxOldGenerationSizeMb',
  ],
  [
    'a misspelt aggregate key',
    { ...base, aggregate: { groupby: ['g'], measures: { n: count() } } },
    'aggregate.groupby',
  ],
  ['progressInterval negative', { ...base, progressInterval: -1 }, 'progressInterval'],
  ['progressInterval NaN', { ...base, progressInterval: NaN }, 'progressInterval'],
  ['progressInterval Infinity', { ...base, progressInterval: Infinity }, 'progressInterval'],
  ['progressInterval a string', { ...base, progressInterval: '100' }, 'progressInterval'],
  ['signal not an AbortSignal', { ...base, signal: { aborted: false } }, 'signal'],
  ['an unknown option (a typo)', { ...base, chunksize: 1024 }, 'chunksize'],
];

test.each(CASES)('%s -> option "%s"', { timeout: 30_000 }, async (_label, options, option) => {
  let job: Job<unknown> | undefined;
  expect(() => (job = processDataset(options as ProcessOptions))).not.toThrow();
  const events = record(job!);
  const error = await rejectionOf(job!.result);
  await settle(10);
  expect(error.code).toBe('ERR_INVALID_OPTION');
  expect(error.option).toBe(option);
  expect(error.message).toContain(`"${option}"`);
  expect(events.map((e) => e.name)).toEqual(['error']);

  const serial = await rejectionOf(processSerial(options as ProcessOptions));
  expect({ code: serial.code, option: serial.option }).toEqual({ code: 'ERR_INVALID_OPTION', option });
});

test('the valid base options work (so each case above fails for its one bad value)', { timeout: 30_000 }, async () => {
  const { rows } = await processDataset({ ...base, workers: 1, chunkSize: 1, maxRecordSize: 1024, progressInterval: 0 })
    .result;
  expect(rows).toEqual([{ region: 'north', n: 1, total: 1 }]);
});
