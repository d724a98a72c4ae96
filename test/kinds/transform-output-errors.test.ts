/**
 * Output failures and limits: a closed stream, a stream that fails mid-job, output keys that
 * change (CSV needs one header) each get a coded error and leave no worker behind; a slow
 * destination holds the job back (backpressure) instead of buffering the whole output.
 */
import { Writable } from 'node:stream';
import { expect, test } from 'vitest';
import { processDataset, processSerial } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { baseline, expectNoWorkersLeft } from '../helpers/threads.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const select = new URL('../../fixtures/tasks/select.mjs', import.meta.url);
const input = tmp.file(
  'rows.csv',
  'k,v\n' + Array.from({ length: 20_000 }, (_, i) => `${i},${'x'.repeat(40)}\n`).join(''),
);

test('a stream that is already closed: ERR_OUTPUT before any work', { timeout: 30_000 }, async () => {
  const stream = new Writable({ write: (_c, _e, cb) => cb() });
  stream.end();
  const error = await rejectionOf(
    processDataset({ input, transform: select, output: { stream, format: 'ndjson' } }).result,
  );
  expect(error).toMatchObject({
    code: 'ERR_OUTPUT',
    option: 'output.stream',
    message: 'The output stream is already closed',
  });
});

test('a stream that fails mid-job: ERR_OUTPUT with its message, and the pool is shut down', {
  timeout: 30_000,
}, async () => {
  let writes = 0;
  const stream = new Writable({
    write: (_c, _e, cb) => (++writes === 3 ? cb(new Error('disk full')) : cb()),
  });
  stream.on('error', () => {}); // the caller's own listener; the job reports the failure too
  const before = baseline();
  const error = await rejectionOf(
    processDataset({ input, transform: select, workers: 2, chunkSize: 4096, output: { stream, format: 'csv' } }).result,
  );
  expect(error.code).toBe('ERR_OUTPUT');
  expect(error.message).toMatch(/disk full/);
  await expectNoWorkersLeft(before);
});

test('an output path in a missing directory: ERR_OUTPUT naming it', { timeout: 30_000 }, async () => {
  const path = `${tmp.dir}/no/such/dir/out.csv`;
  const error = await rejectionOf(processSerial({ input, transform: select, output: { path } }));
  expect(error).toMatchObject({ code: 'ERR_OUTPUT', option: 'output.path', file: path });
});

test('object keys that change between rows: ERR_TRANSFORM_OUTPUT, serial and parallel', {
  timeout: 30_000,
}, async () => {
  const transform = new URL('../../fixtures/tasks/changing-keys.mjs', import.meta.url);
  const serial = await rejectionOf(processSerial({ input, transform, output: { path: `${tmp.dir}/k.csv` } }));
  expect(serial.code).toBe('ERR_TRANSFORM_OUTPUT');
  expect(serial.hint).toMatch(/columns/);
  const parallel = await rejectionOf(
    processDataset({ input, transform, workers: 2, chunkSize: 8192, output: { path: `${tmp.dir}/k2.csv` } }).result,
  );
  expect(parallel.code).toBe('ERR_TRANSFORM_OUTPUT');
});

test('a slow destination: output waiting in memory stays bounded by the reorder window', {
  timeout: 60_000,
}, async () => {
  let maxBuffered = 0;
  let written = 0;
  const stream = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _e, cb) {
      written += chunk.length;
      setTimeout(cb, 5);
    },
  });
  const chunkSize = 8192;
  const job = processDataset({ input, transform: select, workers: 2, chunkSize, output: { stream, format: 'ndjson' } });
  job.on('chunk', () => (maxBuffered = Math.max(maxBuffered, stream.writableLength)));
  const result = await job.result;
  expect(written).toBe(result.bytesWritten);
  // Each chunk's output is about 1.3x its input here. Without backpressure the whole output
  // (~1.2 MB) would pile up; with it, at most the in-flight tasks and the reorder window do
  // (2 workers x (2 + 4) chunks).
  const bound = 2 * (2 + 4) * chunkSize * 1.5;
  expect(result.bytesWritten).toBeGreaterThan(4 * bound);
  expect(maxBuffered).toBeLessThan(bound);
});
