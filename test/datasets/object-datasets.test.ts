/**
 * Datasets of objects (a real s3rver and a real HTTP server on loopback): one object, a glob of
 * objects and gzip parts in a bucket, and an HTTP object with and without Range support, each give
 * the answer of the same bytes as one local file, at every chunk size and worker count. Workers
 * read their own ranges from the server; the coordinator downloads nothing but headers.
 */
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { processDataset, processSerial, statsTask, type AggregateResult, type ProcessOptions } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { startHttpObjects, type HttpObjects } from '../helpers/http-objects.ts';
import { distinctRuns } from '../helpers/matrix.ts';
import { HEADER, randomCsv, rng } from '../helpers/random-csv.ts';
import { startS3, type TestS3 } from '../helpers/s3.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const aggregate = {
  groupBy: ['k', 't'],
  measures: { n: { kind: 'count' }, s: { kind: 'sum', column: 'v' }, hi: { kind: 'max', column: 'v' } },
} as const;
const header = `${HEADER.join(',')}\n`;
/** Parts of random CSV, each ending its last record (so that their concatenation is CSV too). */
const parts = [0, 1, 2, 3].map((i) => {
  const text = header + randomCsv(rng(200 + i), { rows: 60 + 11 * i }).text.slice(header.length);
  return text.endsWith('\n') ? text : `${text}\n`;
});
const wholeText = header + parts.map((p) => p.slice(header.length)).join('');
const whole = tmp.file('whole.csv', wholeText);

let s3: TestS3;
let http: HttpObjects;
let plainHttp: HttpObjects;
let reference: AggregateResult;

beforeAll(async () => {
  s3 = await startS3();
  await s3.createBucket('data');
  await s3.putObject('data', 'whole.csv', wholeText);
  for (const [i, p] of parts.entries()) {
    await s3.putObject('data', `parts/day-${i}.csv`, p);
    await s3.putObject('data', `zipped/day-${i}.csv.gz`, gzipSync(p));
  }
  await s3.putObject('data', 'parts/notes.txt', 'not part of the glob');
  http = await startHttpObjects(tmp.dir);
  plainHttp = await startHttpObjects(tmp.dir, { ranges: false });
  reference = (await processSerial({ input: whole, aggregate })) as AggregateResult;
}, 60_000);
afterAll(async () => {
  await Promise.all([s3?.stop(), http?.stop(), plainHttp?.stop()]);
});

async function expectLikeWhole(options: Omit<ProcessOptions, 'aggregate'>, chunkSizes: number[], workers: number[]) {
  const serial = (await processSerial({ ...options, aggregate } as ProcessOptions)) as AggregateResult;
  expect(serial.rows).toStrictEqual(reference.rows);
  for (const run of distinctRuns(wholeText.length, chunkSizes, workers)) {
    const parallel = await processDataset({ ...options, aggregate, ...run } as ProcessOptions).result;
    expect(parallel.rows, `chunkSize ${run.chunkSize}, workers ${run.workers}`).toStrictEqual(reference.rows);
    expect(parallel.stats.rows).toBe(reference.stats.rows);
  }
}

describe('objects give the answer of the local file', () => {
  test('one object in S3', { timeout: 120_000 }, async () => {
    expect(reference.stats.rows).toBeGreaterThan(200);
    // 13-byte chunks: most records (~100 bytes) cross several, and each chunk is a ranged GET of its
    // own from s3rver (5-byte chunks took 29 s of a CI run for the same cases).
    await expectLikeWhole({ input: 's3://data/whole.csv', s3: s3.settings }, [13, 1 << 20], [1, 3]);
  });

  test('a glob of objects, sorted by key', { timeout: 120_000 }, async () => {
    await expectLikeWhole({ input: 's3://data/parts/day-*.csv', s3: s3.settings }, [13], [3]);
  });

  test('gzip parts in S3', { timeout: 120_000 }, async () => {
    await expectLikeWhole({ input: 's3://data/zipped/*.csv.gz', s3: s3.settings }, [64, 1 << 20], [2]);
  });

  test('an object over HTTP with Range support', { timeout: 120_000 }, async () => {
    await expectLikeWhole({ input: http.url('/whole.csv') }, [11], [3]);
    // Workers asked for ranges: more than one ranged GET of the object, and no plain GET of it.
    expect(http.log.some((l) => /^GET \/whole\.csv \d+-\d+$/.test(l))).toBe(true);
  });

  test('an aggregate reads each byte of an object once: the parse comes with the parity summary', {
    timeout: 60_000,
  }, async () => {
    // ~3.5 MB of the bench's sales data (quoted fields, some holding line breaks): the header's one
    // GET (64 KiB) and the records' tails are small beside it. (On the random CSV above, where
    // most bytes lie inside quoted fields, most guesses are wrong: each such chunk is read again.)
    const bigPath = join(tmp.dir, 'big.csv');
    await generate(bigPath, 'sales', { rows: 80_000, seed: 3 });
    const big = readFileSync(bigPath);
    const from = http.log.length;
    const sales = {
      groupBy: ['region'],
      measures: { n: { kind: 'count' }, s: { kind: 'sum', column: 'amount' } },
    } as const;
    const options = { input: http.url('/big.csv'), aggregate: sales, workers: 2, chunkSize: 512 << 10 };
    const { rows } = await processDataset(options).result;
    expect(rows).toStrictEqual((await processSerial({ ...options, input: bigPath })).rows);
    const fetched = http.log
      .slice(from)
      .map((l) => /^GET \/big\.csv (\d+)-(\d+)$/.exec(l))
      .reduce((sum, m) => sum + (m === null ? 0 : Number(m[2]) - Number(m[1]) + 1), 0);
    // Two passes would fetch the object twice; one pass fetches it once, plus the header's GET,
    // the tails of records that cross a chunk's end, and the chunks whose parse was guessed wrong.
    expect(fetched).toBeGreaterThan(big.length);
    expect(fetched).toBeLessThan(big.length * 1.3);
  });

  test('a dataset of files of one chunk each reads each file once: no parity pass, its start is known', {
    timeout: 60_000,
  }, async () => {
    // Not an aggregate (which fetches a chunk once for both phases anyway): the statistics task.
    const names = parts.map((p, i) => {
      tmp.file(`once-${i}.csv`, p);
      return http.url(`/once-${i}.csv`);
    });
    const size = parts.reduce((sum, p) => sum + Buffer.byteLength(p), 0);
    const from = http.log.length;
    const options = { input: names, task: statsTask, params: {}, workers: 2, chunkSize: 1 << 20 };
    const { value } = await processDataset(options).result;
    expect(value).toStrictEqual((await processSerial({ ...options, input: whole })).value);
    const fetched = http.log
      .slice(from)
      .map((l) => /^GET \/once-\d\.csv (\d+)-(\d+)$/.exec(l))
      .reduce((sum, m) => sum + (m === null ? 0 : Number(m[2]) - Number(m[1]) + 1), 0);
    // Each small file whole for its header (one 64 KiB GET covers it), then once for its parse;
    // with a parity pass before the parse, three times.
    expect(fetched).toBeGreaterThan(1.8 * size);
    expect(fetched).toBeLessThan(2.5 * size);
  });

  test('an HTTP server that ignores Range: read as one stream, with a warning', { timeout: 60_000 }, async () => {
    const job = processDataset({ input: plainHttp.url('/whole.csv'), aggregate, workers: 2, chunkSize: 100 });
    const warnings: string[] = [];
    job.on('warning', (w) => warnings.push(w.code));
    expect((await job.result).rows).toStrictEqual(reference.rows);
    expect(warnings).toContain('WARN_NO_RANGES');
  });

  test('a list mixing local files and objects', { timeout: 60_000 }, async () => {
    const local = parts.map((p, i) => tmp.file(`local-${i}.csv`, p));
    await expectLikeWhole(
      { input: [local[0]!, 's3://data/parts/day-1.csv', http.url('/local-2.csv'), local[3]!], s3: s3.settings },
      [64],
      [2],
    );
  });
});

describe('faults name the URL', () => {
  test('a missing key', async () => {
    const error = await rejectionOf(processDataset({ input: 's3://data/nope.csv', s3: s3.settings, aggregate }).result);
    expect(error.code).toBe('ERR_OBJECT_NOT_FOUND');
    expect(error.message).toContain('s3://data/nope.csv');
  });

  test('bad credentials, without the secret in the message', async () => {
    const secret = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';
    const settings = { ...s3.settings, credentials: { accessKeyId: 'NOPE', secretAccessKey: secret } };
    const error = await rejectionOf(processDataset({ input: 's3://data/whole.csv', s3: settings, aggregate }).result);
    expect(error.code).toBe('ERR_OBJECT_AUTH');
    expect(error.message).toContain('s3://data/whole.csv');
    expect(JSON.stringify({ ...error, message: error.message, hint: error.hint })).not.toContain(secret);
  });

  test('an object that changes during the job is ERR_FILE_CHANGED naming its URL', { timeout: 60_000 }, async () => {
    const path = join(tmp.dir, 'changing.csv');
    writeFileSync(path, wholeText);
    const job = processDataset({ input: http.url('/changing.csv'), aggregate, workers: 2, chunkSize: 1000 });
    job.on('start', () => {
      // After the plan took its identity, before any worker reads: new bytes, a new ETag.
      writeFileSync(path, wholeText.replace(/a/g, 'b'));
      utimesSync(path, new Date(), new Date(Date.now() + 5_000));
    });
    const error = await rejectionOf(job.result);
    expect(error.code).toBe('ERR_FILE_CHANGED');
    expect(error.message).toContain(http.url('/changing.csv'));
  });

  test('a storm of 503s is retried and the answer is still right', { timeout: 60_000 }, async () => {
    http.slowDown(3);
    const result = await processDataset({ input: http.url('/whole.csv'), aggregate, workers: 2, chunkSize: 500 })
      .result;
    expect(result.rows).toStrictEqual(reference.rows);
    expect(readFileSync(whole, 'utf8')).toBe(wholeText);
  });
});
