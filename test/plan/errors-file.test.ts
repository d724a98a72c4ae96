/**
 * Input errors, before any work starts: a missing file is ERR_FILE_NOT_FOUND, a directory is
 * ERR_NOT_A_FILE; both name the file, carry no line, reject `result` (never throw from
 * processDataset), emit `error` and no `start`; serial and parallel agree.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';
import { count, processDataset, processSerial, type ProcessOptions } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { record, settle } from '../helpers/events.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const aggregate = { measures: { n: count() } };

async function expectInputError(options: ProcessOptions, code: string, file: string): Promise<void> {
  const job = processDataset({ ...options, workers: 2, chunkSize: 3 });
  const events = record(job);
  const error = await rejectionOf(job.result);
  await settle();
  expect(error.code).toBe(code);
  expect(error.file).toBe(file);
  expect(error.line).toBeUndefined();
  expect(error.byteOffset).toBeUndefined();
  expect(error.message).toContain(file);
  expect(events.map((e) => e.name)).toEqual(['error']);
  expect(events[0]!.payload).toBe(error);

  const serial = await rejectionOf(processSerial(options));
  expect({ code: serial.code, file: serial.file, line: serial.line }).toEqual({ code, file, line: undefined });
}

test('a missing file: ERR_FILE_NOT_FOUND', { timeout: 30_000 }, async () => {
  const path = join(tmp.dir, 'does-not-exist.csv');
  await expectInputError({ input: path, aggregate }, 'ERR_FILE_NOT_FOUND', path);
});

test('a missing file given as a file: URL names the path', { timeout: 30_000 }, async () => {
  const path = join(tmp.dir, 'nor-this.csv');
  await expectInputError({ input: pathToFileURL(path), aggregate }, 'ERR_FILE_NOT_FOUND', path);
});

test('a missing directory on the way: ERR_FILE_NOT_FOUND', { timeout: 30_000 }, async () => {
  const path = join(tmp.dir, 'no-such-dir', 'x.csv');
  await expectInputError({ input: path, aggregate }, 'ERR_FILE_NOT_FOUND', path);
});

test('a directory as input: ERR_NOT_A_FILE', { timeout: 30_000 }, async () => {
  await expectInputError({ input: tmp.dir, aggregate }, 'ERR_NOT_A_FILE', tmp.dir);
});

test('processDataset() itself never throws for a bad input', () => {
  expect(() => processDataset({ input: join(tmp.dir, 'missing.csv'), aggregate }).result.catch(() => {})).not.toThrow();
});
