/**
 * A transform's chunk outputs go round in buffers (kinds/output/output-buffers.ts): written to a
 * file, a buffer comes back to the coordinator and carries a later chunk's output, and the file
 * is the serial run's byte for byte; a caller's stream that keeps the chunks it is given (a
 * PassThrough read later) gets buffers that are never reused under it.
 */
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, test } from 'vitest';
import { processDataset, processSerial } from 'chunkmill';
import { take } from '../../dist/kinds/output/output-buffers.js';
import { randomCsv, rng } from '../helpers/random-csv.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const select = new URL('../../fixtures/tasks/select.mjs', import.meta.url);
const input = tmp.file('in.csv', randomCsv(rng(41), { rows: 3000 }).text);
/** Small chunks: dozens of outputs per job, so buffers come back while the job still runs. */
const job = { input, transform: select, chunkSize: 4096, workers: 2 } as const;

function drainKept(): number {
  let n = 0;
  while (take() !== undefined) n++;
  return n;
}

test('to a file: written buffers come back and carry later chunks; the bytes are the serial run’s', {
  timeout: 60_000,
}, async () => {
  await processSerial({ input, transform: select, output: { path: `${tmp.dir}/serial.ndjson`, format: 'ndjson' } });
  const expected = readFileSync(`${tmp.dir}/serial.ndjson`, 'utf8');
  drainKept();
  const path = `${tmp.dir}/pool.ndjson`;
  const result = await processDataset({ ...job, output: { path, format: 'ndjson' } }).result;
  expect(readFileSync(path, 'utf8')).toBe(expected);
  expect(result.rowsOut).toBeGreaterThan(2000);
  // The job's last outputs came back after its workers took the earlier ones: some are kept now.
  expect(drainKept()).toBeGreaterThan(0);
});

test('to a caller’s stream that keeps the chunks: nothing comes back, and every chunk read late is intact', {
  timeout: 60_000,
}, async () => {
  await processSerial({ input, transform: select, output: { path: `${tmp.dir}/serial2.ndjson`, format: 'ndjson' } });
  const expected = readFileSync(`${tmp.dir}/serial2.ndjson`, 'utf8');
  drainKept();
  // A PassThrough calls back once a chunk is in its buffer, and its reader gets the chunk itself:
  // read only after the job, a reused buffer would show later chunks' bytes here.
  const stream = new PassThrough({ highWaterMark: 1 << 30 });
  const result = await processDataset({ ...job, output: { stream, format: 'ndjson' } }).result;
  const chunks: Buffer[] = [];
  stream.end();
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  expect(Buffer.concat(chunks).toString('utf8')).toBe(expected);
  expect(result.rowsOut).toBeGreaterThan(2000);
  expect(drainKept()).toBe(0);
});

test('kept buffers are dropped a second after the last one came back', { timeout: 60_000 }, async () => {
  drainKept();
  await processDataset({ ...job, output: { path: `${tmp.dir}/again.ndjson`, format: 'ndjson' } }).result;
  await sleep(1_500);
  expect(drainKept()).toBe(0);
});
