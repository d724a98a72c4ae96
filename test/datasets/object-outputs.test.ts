/**
 * A job's outputs as objects (a real s3rver on loopback, behind a logging proxy): a transform's
 * `output.path` and its `rejects` file given as s3:// URLs hold exactly the bytes the same job
 * writes to local files (processDataset and processSerial), through a multipart upload; a
 * transform that throws midway after a part was sent, or a job cancelled then, aborts its upload
 * and leaves no object; a queued job keeps its s3:// output as given and the engine writes it
 * with the credentials of its own environment; an http:// output is a coded error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createEngine, openQueue, processDataset, processSerial, type TransformResult } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { waitForState } from '../helpers/jobs.ts';
import { startLoggingProxy, type LoggingProxy } from '../helpers/logging-proxy.ts';
import { awsEnv, setEnv, startS3, type TestS3 } from '../helpers/s3.ts';
import { TASKS_DIR } from '../helpers/server.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const SELECT = join(TASKS_DIR, 'select.mjs');
const FAIL_AT = join(TASKS_DIR, 'fail-at.mjs');
let s3: TestS3;
/** In front of s3rver: every request the object server was sent through it, as `METHOD /path?query`. */
let proxy: LoggingProxy;
let log: string[] = [];
/** The `s3` option that reaches s3rver through the proxy. */
let settings: TestS3['settings'];
let restoreEnv = () => {};
/** ~9 MB of sales and two records with a wrong field count: its NDJSON takes two 8 MiB parts. */
let input: string;

beforeAll(async () => {
  s3 = await startS3();
  await s3.createBucket('out');
  proxy = await startLoggingProxy(s3.endpoint);
  log = proxy.log;
  settings = { ...s3.settings, endpoint: proxy.url };
  const sales = join(tmp.dir, 'sales.csv');
  await generate(sales, 'sales', { rows: 200_000, seed: 7 });
  const lines = readFileSync(sales, 'utf8').split('\n');
  lines.splice(1000, 0, 'short,row');
  lines.splice(150_000, 0, 'one,two,three');
  input = tmp.file('with-bad.csv', lines.join('\n'));
  // The engine's host: its own environment reaches s3rver directly (not through the proxy).
  restoreEnv = setEnv(awsEnv(s3.endpoint));
}, 60_000);

afterAll(async () => {
  restoreEnv();
  await proxy?.close();
  await s3?.stop();
});

const transform = { transform: SELECT, onBadRow: 'report' as const, workers: 2, chunkSize: 1 << 20 };

test("processDataset: an s3:// output and rejects file hold the bytes of a local job's files", {
  timeout: 120_000,
}, async () => {
  const local = await processDataset({
    ...transform,
    input,
    output: { path: join(tmp.dir, 'rows.ndjson') },
    rejects: join(tmp.dir, 'rejects.csv'),
  }).result;
  const expected = readFileSync(join(tmp.dir, 'rows.ndjson'));
  expect(expected.length).toBeGreaterThan(8 << 20);
  expect(local.stats.rowsRejected).toBe(2);

  const before = log.length;
  const remote: TransformResult = await processDataset({
    ...transform,
    input,
    output: { path: 's3://out/rows.ndjson' },
    rejects: 's3://out/rejects.csv',
    s3: settings,
  }).result;
  expect(remote).toMatchObject({ rowsIn: local.rowsIn, rowsOut: local.rowsOut, bytesWritten: local.bytesWritten });
  expect((await s3.getObject('out', 'rows.ndjson'))?.equals(expected)).toBe(true);
  expect((await s3.getObject('out', 'rejects.csv'))?.equals(readFileSync(join(tmp.dir, 'rejects.csv')))).toBe(true);
  // The output went as a multipart upload (through the `s3` option's endpoint), the small rejects as one PUT.
  const sent = log.slice(before);
  expect(sent).toContainEqual(expect.stringMatching(/^PUT \/out\/rows\.ndjson\?partNumber=2&/));
  expect(sent).toContainEqual(expect.stringMatching(/^POST \/out\/rows\.ndjson\?uploadId=/));
  expect(sent).toContain('PUT /out/rejects.csv');
});

test('a transform that throws after a part was sent leaves no object, and no rejects object either', {
  timeout: 120_000,
}, async () => {
  // The throwing row is near the end: the rows before it pass 8 MiB of NDJSON first.
  const lines = readFileSync(input, 'utf8').split('\n');
  lines.splice(190_000, 0, 'BOOM,2026-01-01,x,y,1,1,z');
  const bad = tmp.file('boom.csv', lines.join('\n'));
  const before = log.length;
  const error = await rejectionOf(
    processDataset({
      ...transform,
      transform: FAIL_AT,
      params: { at: 'BOOM' },
      input: bad,
      output: { path: 's3://out/failed.ndjson' },
      rejects: 's3://out/failed-rejects.csv',
      s3: settings,
    }).result,
  );
  expect(error.code).toBe('ERR_TASK_FAILED');
  expect(error.message).toContain('bad row BOOM');
  expect(log.slice(before)).toContainEqual(expect.stringMatching(/^PUT \/out\/failed\.ndjson\?partNumber=1&/));
  expect(await s3.getObject('out', 'failed.ndjson')).toBeNull();
  expect(await s3.getObject('out', 'failed-rejects.csv')).toBeNull();
  // Nor does a completion of the upload ever go out: it is aborted instead.
  expect(log.slice(before)).not.toContainEqual(expect.stringMatching(/^POST \/out\/failed\.ndjson\?uploadId=/));
  expect(log.slice(before)).toContainEqual(expect.stringMatching(/^DELETE \/out\/failed\.ndjson\?uploadId=/));
});

test('a job cancelled after a part was sent aborts the upload and leaves no object', { timeout: 120_000 }, async () => {
  // Output far beyond what the upload holds (a part being filled and two in flight, 24 MiB): when
  // part 1 reaches the server the job cannot have merged its last chunk, and the cancel, made
  // before part 1 is forwarded, lands while chunks still run. (With `input`'s 24 MiB of output a
  // loaded machine let every chunk merge first, and the job ended as it was cancelled.)
  const big = join(tmp.dir, 'big.csv');
  await generate(big, 'sales', { rows: 700_000, seed: 8 });
  const before = log.length;
  const job = processDataset({
    ...transform,
    onBadRow: 'skip',
    input: big,
    output: { path: 's3://out/cancelled.ndjson' },
    s3: settings,
  });
  proxy.onRequest = (line) => {
    if (line.startsWith('PUT /out/cancelled.ndjson?partNumber=1&')) job.cancel();
  };
  try {
    expect((await rejectionOf(job.result)).code).toBe('ABORT_ERR');
  } finally {
    proxy.onRequest = () => {};
  }
  const sent = log.slice(before);
  expect(sent).toContainEqual(expect.stringMatching(/^DELETE \/out\/cancelled\.ndjson\?uploadId=/));
  expect(sent).not.toContainEqual(expect.stringMatching(/^POST \/out\/cancelled\.ndjson\?uploadId=/));
  expect(await s3.getObject('out', 'cancelled.ndjson')).toBeNull();
});

test('a job cancelled while its last part is on its way (every chunk merged) aborts the upload: no object', {
  timeout: 120_000,
}, async () => {
  // The output's last part, short of 8 MiB, is sent only once the transform's output ends, that
  // is once every chunk was merged and the job is making its object. The cancel comes as that
  // part reaches the server, before its answer, so before the upload could be completed.
  const { bytesWritten: size } = await processDataset({
    ...transform,
    onBadRow: 'skip',
    input,
    output: { path: join(tmp.dir, 'late.ndjson') },
  }).result;
  expect(size % (8 << 20)).not.toBe(0);
  const last = Math.ceil(size / (8 << 20));
  const before = log.length;
  const job = processDataset({
    ...transform,
    onBadRow: 'skip',
    input,
    output: { path: 's3://out/late.ndjson' },
    s3: settings,
  });
  let merged = 0;
  job.on('chunk', () => merged++);
  let mergedAtCancel = -1;
  proxy.onRequest = (line) => {
    if (line.startsWith(`PUT /out/late.ndjson?partNumber=${last}&`)) {
      mergedAtCancel = merged;
      job.cancel();
    }
  };
  try {
    expect((await rejectionOf(job.result)).code).toBe('ABORT_ERR');
  } finally {
    proxy.onRequest = () => {};
  }
  // Every chunk was merged before the cancel: none came after it.
  expect(mergedAtCancel).toBeGreaterThan(0);
  expect(merged).toBe(mergedAtCancel);
  const sent = log.slice(before);
  expect(sent).not.toContainEqual(expect.stringMatching(/^POST \/out\/late\.ndjson\?uploadId=/));
  expect(sent).toContainEqual(expect.stringMatching(/^DELETE \/out\/late\.ndjson\?uploadId=/));
  expect(await s3.getObject('out', 'late.ndjson')).toBeNull();
});

test('a queued job keeps its s3:// output as given; the engine writes it with its own credentials', {
  timeout: 120_000,
}, async () => {
  const store = join(tmp.dir, 'jobs.db');
  const queue = openQueue(store);
  const engine = await createEngine({ store, workers: 2 });
  try {
    const added = await queue.add({
      ...transform,
      input,
      output: { path: 's3://out/queued.ndjson' },
      rejects: 's3://out/queued-rejects.csv',
    });
    expect(added.spec).toMatchObject({
      output: { path: 's3://out/queued.ndjson' },
      rejects: 's3://out/queued-rejects.csv',
    });
    const done = await waitForState(queue, added.id, ['succeeded', 'failed'], 100_000);
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.result).toMatchObject({ kind: 'transform', output: 's3://out/queued.ndjson' });
    expect((await s3.getObject('out', 'queued.ndjson'))?.equals(readFileSync(join(tmp.dir, 'rows.ndjson')))).toBe(true);
    expect((await s3.getObject('out', 'queued-rejects.csv'))?.equals(readFileSync(join(tmp.dir, 'rejects.csv')))).toBe(
      true,
    );
  } finally {
    await engine.close();
    await queue.close();
  }
});

test('processSerial writes an s3:// output and rejects file as it writes local ones', { timeout: 60_000 }, async () => {
  const small = tmp.file('small.csv', 'k,v\na,1\nshort\nb,2\n');
  const options = { transform: SELECT, input: small, onBadRow: 'report' as const };
  await processSerial({ ...options, output: { path: join(tmp.dir, 's.csv') }, rejects: join(tmp.dir, 's-rej.csv') });
  await processSerial({ ...options, output: { path: 's3://out/s.csv' }, rejects: 's3://out/s-rej.csv', s3: settings });
  expect((await s3.getObject('out', 's.csv'))?.toString()).toBe(readFileSync(join(tmp.dir, 's.csv'), 'utf8'));
  expect((await s3.getObject('out', 's-rej.csv'))?.toString()).toBe(readFileSync(join(tmp.dir, 's-rej.csv'), 'utf8'));
  expect(readFileSync(join(tmp.dir, 's-rej.csv'), 'utf8')).toBe('line,fields,record\n3,1,short\n');
});

test('an http:// output is a coded error naming the URL, and nothing is written', async () => {
  const error = await rejectionOf(
    processDataset({ transform: SELECT, input, output: { path: 'http://127.0.0.1:1/x.csv' } }).result,
  );
  expect(error.code).toBe('ERR_OBJECT_URL');
  expect(error.message).toContain('http://127.0.0.1:1/x.csv');
});
