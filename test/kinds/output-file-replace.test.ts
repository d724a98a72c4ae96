/**
 * A job's output file (a transform's output.path, a rejects file) is written under a new name
 * beside it and takes its name only when the job succeeds: an existing file is never truncated.
 * A failed or cancelled job leaves no output and an existing file as it was; a succeeded one
 * replaces it whole, with its permissions. Unconfined (the library), a symlink is followed (the
 * file it names gets the output) and a device is written directly, as before.
 */
import { chmodSync, linkSync, lstatSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect, test } from 'vitest';
import { count, processDataset, processSerial } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const transform = new URL('../../fixtures/tasks/select.mjs', import.meta.url);
const GOOD = 'k,v\nx\n' + Array.from({ length: 20_000 }, (_, i) => `${i},${'v'.repeat(30)}\n`).join('');
const good = tmp.file('good.csv', GOOD);
const broken = tmp.file('broken.csv', `${GOOD}"never closed,1\n`);
const leftovers = () => readdirSync(tmp.dir).filter((name) => name.endsWith('.tmp'));

test('a job that fails midway: no output made, an existing file (output or rejects) kept byte for byte', {
  timeout: 60_000,
}, async () => {
  const fresh = join(tmp.dir, 'fresh.csv');
  const kept = tmp.file('kept.csv', 'precious\n');
  const keptRejects = tmp.file('kept-rejects.csv', 'precious rejects\n');
  const chunked = { workers: 2, chunkSize: 16 << 10, onBadRow: 'skip' } as const;
  for (const path of [fresh, kept]) {
    const parallel = await rejectionOf(
      processDataset({ input: broken, transform, output: { path }, ...chunked }).result,
    );
    expect(parallel.code).toBe('ERR_CSV_UNCLOSED_QUOTE');
    const serial = await rejectionOf(processSerial({ input: broken, transform, output: { path }, onBadRow: 'skip' }));
    expect(serial.code).toBe('ERR_CSV_UNCLOSED_QUOTE');
  }
  const rejects = await rejectionOf(
    processDataset({
      input: broken,
      aggregate: { measures: { n: count() } },
      ...chunked,
      onBadRow: 'report',
      rejects: keptRejects,
    }).result,
  );
  expect(rejects.code).toBe('ERR_CSV_UNCLOSED_QUOTE');
  expect(readdirSync(tmp.dir)).not.toContain('fresh.csv');
  expect(readFileSync(kept, 'utf8')).toBe('precious\n');
  expect(readFileSync(keptRejects, 'utf8')).toBe('precious rejects\n');
  expect(leftovers()).toEqual([]);
});

test('processSerial on a stream that breaks after its header: the existing file is kept', {
  timeout: 30_000,
}, async () => {
  const kept = tmp.file('stream-kept.csv', 'precious\n');
  const input = new Readable({
    read() {
      this.push('k,v\n0,a\n');
      this.destroy(new Error('the pipe broke'));
    },
  });
  const error = await rejectionOf(processSerial({ input, transform, output: { path: kept } }));
  expect(error.code).toBe('ERR_FILE_UNREADABLE');
  expect(readFileSync(kept, 'utf8')).toBe('precious\n');
  expect(leftovers()).toEqual([]);
});

test('a cancelled job: the existing file is kept, nothing is left beside it', { timeout: 60_000 }, async () => {
  const kept = tmp.file('cancelled.csv', 'precious\n');
  const job = processDataset({
    input: good,
    transform,
    output: { path: kept },
    onBadRow: 'skip',
    workers: 2,
    chunkSize: 4096,
  });
  job.on('chunk', () => job.cancel());
  expect((await rejectionOf(job.result)).code).toBe('ABORT_ERR');
  expect(readFileSync(kept, 'utf8')).toBe('precious\n');
  expect(leftovers()).toEqual([]);
});

test('a job that succeeds replaces the file whole, with the same bytes as a fresh one and its permissions', {
  timeout: 60_000,
}, async () => {
  const fresh = join(tmp.dir, 'new.csv');
  await processSerial({ input: good, transform, output: { path: fresh }, onBadRow: 'skip' });
  const replaced = tmp.file('replaced.csv', 'an old file, longer than the new one\n'.repeat(30_000));
  chmodSync(replaced, 0o640);
  const r = await processDataset({ input: good, transform, output: { path: replaced }, onBadRow: 'skip', workers: 2 })
    .result;
  expect(readFileSync(replaced)).toEqual(readFileSync(fresh));
  expect(r.bytesWritten).toBe(statSync(fresh).size);
  expect(statSync(replaced).mode & 0o777).toBe(0o640);
  expect(leftovers()).toEqual([]);
});

test('unconfined: a symlink is followed, a hard link keeps its old bytes, /dev/null is written directly', {
  timeout: 60_000,
}, async () => {
  const target = tmp.file('target.csv', 'old\n');
  const link = join(tmp.dir, 'link.csv');
  symlinkSync(target, link);
  await processSerial({ input: good, transform, output: { path: link }, onBadRow: 'skip' });
  expect(lstatSync(link).isSymbolicLink()).toBe(true);
  expect(readFileSync(target, 'utf8').startsWith('k,v\n0,')).toBe(true);

  // The output's name gets a new file; the other name still reaches the old one, unchanged.
  const one = tmp.file('one.csv', 'old\n');
  const other = join(tmp.dir, 'other.csv');
  linkSync(one, other);
  await processSerial({ input: good, transform, output: { path: one }, onBadRow: 'skip' });
  expect(readFileSync(other, 'utf8')).toBe('old\n');
  expect(readFileSync(one, 'utf8').startsWith('k,v\n0,')).toBe(true);

  const devNull = await processSerial({ input: good, transform, output: { path: '/dev/null' }, onBadRow: 'skip' });
  expect(devNull.bytesWritten).toBeGreaterThan(0);
  expect(leftovers()).toEqual([]);
});
