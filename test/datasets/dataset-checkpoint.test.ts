/**
 * Checkpoint/resume and verify: 'content' over a dataset of local files. A job over a glob killed
 * with SIGKILL part-way (a real child process) resumes from its journal and returns exactly the
 * uninterrupted result; the journal's key covers every file, in order, so a file changed, added
 * or removed since is ERR_CHECKPOINT_MISMATCH, as a changed single file is. verify: 'content'
 * checks each chunk against its own file.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { count, processDataset, processSerial, sum } from 'chunkmill';
import type { InputIdentity } from '../../src/exec/protocol.ts';
import { rangeCrcAsync } from '../../src/input/range-crc.ts';
import { ContentCheck } from '../../src/schedule/content-check.ts';
import { generate } from '../../support/generate.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { settle } from '../helpers/events.ts';
import { killPartWay } from '../helpers/checkpoint-kill.ts';
import { journalEntries as entries } from '../helpers/jobs.ts';
import { distinctRuns } from '../helpers/matrix.ts';
import { startS3 } from '../helpers/s3.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const task = new URL('../../fixtures/tasks/slow-sum.mjs', import.meta.url);
const parts = join(tmp.dir, 'parts');
const glob = join(parts, 'day-*.csv');
const aggregate = { groupBy: ['region'], measures: { n: count(), amount: sum('amount') } };

beforeAll(async () => {
  mkdirSync(parts);
  // ~0.9 MB each: ~42 chunks of 64 KiB over the three.
  for (const i of [1, 2, 3]) await generate(join(parts, `day-${i}.csv`), 'sales', { rows: 20_000, seed: i });
}, 60_000);

test('kill -9 part-way through a dataset, then resume: done chunks are skipped, the result is exact', {
  timeout: 120_000,
}, async () => {
  const journal = join(tmp.dir, 'dataset.journal');
  const { held, before } = await killPartWay(glob, journal, join(tmp.dir, 'dataset.gate'));

  held.open();
  const params = { column: 'amount', msPerChunk: 20, gate: held.path }; // the journal's options
  const options = { input: glob, task, params, workers: 2, chunkSize: 64 << 10, checkpoint: journal };
  const resumed = await processDataset(options).result;
  const uninterrupted = await processSerial({ input: glob, task, params: { column: 'amount' } });
  expect(resumed.value).toStrictEqual(uninterrupted.value);
  expect((resumed.value as { rows: number }).rows).toBe(60_000);
  expect(resumed.stats.chunksResumed).toBeGreaterThanOrEqual(before - 1);
  expect(resumed.stats.chunksResumed).toBeLessThan(resumed.stats.chunks);
  expect(resumed.stats.chunks).toBeGreaterThan(40); // the chunks of all three files
});

/** Runs the aggregate over `input` with the journal, cancelled after `n` merged chunks. */
async function cancelAfter(input: string | string[], journal: string, n: number): Promise<void> {
  const job = processDataset({ input, aggregate, workers: 2, chunkSize: 32 << 10, checkpoint: journal });
  let merged = 0;
  job.on('chunk', () => ++merged === n && job.cancel());
  expect((await rejectionOf(job.result)).code).toBe('ABORT_ERR');
  await settle(100);
  expect(entries(journal)).toBeGreaterThanOrEqual(n);
}

test('an aggregate over a list of files, cancelled part-way, resumes to the exact rows', {
  timeout: 60_000,
}, async () => {
  const journal = join(tmp.dir, 'list.journal');
  const input = [1, 2, 3].map((i) => join(parts, `day-${i}.csv`)).reverse(); // a list, in its own order
  await cancelAfter(input, journal, 40);
  const resumed = await processDataset({ input, aggregate, workers: 3, chunkSize: 32 << 10, checkpoint: journal })
    .result;
  expect(resumed.rows).toStrictEqual((await processSerial({ input, aggregate })).rows);
  expect(resumed.stats.chunksResumed).toBeGreaterThanOrEqual(40);
  // The same files in another order are another dataset (its chunks are numbered otherwise).
  await cancelAfter(input, journal, 5);
  const reordered = await rejectionOf(
    processDataset({ input: [...input].reverse(), aggregate, chunkSize: 32 << 10, checkpoint: journal }).result,
  );
  expect(reordered).toMatchObject({ code: 'ERR_CHECKPOINT_MISMATCH', option: 'checkpoint', file: journal });
});

test('a file changed, added or removed since the journal was written is ERR_CHECKPOINT_MISMATCH', {
  timeout: 90_000,
}, async () => {
  const journal = join(tmp.dir, 'changed.journal');
  const options = { input: glob, aggregate, workers: 2, chunkSize: 32 << 10, checkpoint: journal };
  const refused = async () => {
    const e = await rejectionOf(processDataset(options).result);
    expect(e).toMatchObject({ code: 'ERR_CHECKPOINT_MISMATCH', option: 'checkpoint', file: journal });
    expect(e.hint).toMatch(/delete it to start over/);
    expect(entries(journal)).toBeGreaterThan(0); // refused, not overwritten
  };
  await cancelAfter(glob, journal, 5);
  const added = join(parts, 'day-4.csv');
  // A new match of the glob: day 1's header and first record.
  writeFileSync(added, `${readFileSync(join(parts, 'day-1.csv'), 'utf8').split('\n', 2).join('\n')}\n`);
  await refused();
  rmSync(added);
  const third = join(parts, 'day-3.csv');
  const away = join(tmp.dir, 'day-3.csv');
  renameSync(third, away); // a match gone (a rename keeps its mtime, so it can come back as it was)
  await refused();
  renameSync(away, third);
  // As it was: the journal fits again, so the refusals above were the changes'.
  const resumed = await processDataset(options).result;
  expect(resumed.rows).toStrictEqual((await processSerial({ input: glob, aggregate })).rows);
  expect(resumed.stats.chunksResumed).toBeGreaterThanOrEqual(5);
  await cancelAfter(glob, journal, 5);
  const second = join(parts, 'day-2.csv');
  utimesSync(second, new Date(), new Date(Date.now() + 5_000)); // the second file "changed"
  await refused();
});

test('checkpoint refuses a dataset read as streams, naming the option', async () => {
  const gz = join(tmp.dir, 'zipped-*.csv.gz');
  writeFileSync(join(tmp.dir, 'zipped-1.csv.gz'), (await import('node:zlib')).gzipSync('region,amount\nnorth,1\n'));
  const e = await rejectionOf(processDataset({ input: gz, aggregate, checkpoint: join(tmp.dir, 'gz.journal') }).result);
  expect(e).toMatchObject({ code: 'ERR_INVALID_OPTION', option: 'checkpoint' });
  expect(e.message).toContain('read as streams');
});

test("verify: 'content' over a dataset gives the serial rows at every chunk size and worker count", {
  timeout: 120_000,
}, async () => {
  const small = [1, 2].map((i) =>
    tmp.file(`v-${i}.csv`, `region,amount\r\n${'north,1\r\n"so\nuth",2\r\n'.repeat(20 * i)}east,"3"\r\n`),
  );
  const expected = await processSerial({ input: small, aggregate });
  const total = small.reduce((n, p) => n + readFileSync(p).length, 0);
  for (const { chunkSize, workers } of distinctRuns(total, [1, 7, 64, 1 << 20], [1, 3])) {
    const run = await processDataset({ input: small, aggregate, verify: 'content', chunkSize, workers }).result;
    expect(run.rows, `chunkSize ${chunkSize}, workers ${workers}`).toStrictEqual(expected.rows);
  }
});

test("verify: 'content' compares each chunk with its own file, and names the file whose copy differs", async () => {
  // More files than are kept open at once: the first ones are closed and opened again.
  const files = Array.from({ length: 12 }, (_, i) => tmp.file(`c-${i}.csv`, `a,b\n${i},${'x'.repeat(i + 1)}\n`));
  const sources: InputIdentity[] = [];
  const crcs: number[] = [];
  for (const path of files) {
    const handle = await open(path, 'r');
    const { size, mtimeMs } = await handle.stat();
    crcs.push(await rangeCrcAsync(handle, 0, size));
    await handle.close();
    sources.push({ path, size, mtimeMs });
  }
  const check = new ContentCheck(sources);
  try {
    for (const round of [0, 1])
      for (const [i, crc] of crcs.entries()) await check.check(i + round, i, 0, sources[i]!.size, crc);
    // File 5's bytes as file 6 has them: another copy.
    const other = await rejectionOf(check.check(6, 5, 0, sources[5]!.size, crcs[6]));
    expect(other).toMatchObject({ code: 'ERR_FILE_CHANGED', file: files[5], byteOffset: 0 });
    expect(other.message).toContain(`Chunk 6 of ${files[5]}`);
    // A file that changed since it was planned, when it is opened again.
    utimesSync(files[0]!, new Date(), new Date(Date.now() + 5_000));
    const changed = await rejectionOf(check.check(0, 0, 0, sources[0]!.size, crcs[0]));
    expect(changed).toMatchObject({ code: 'ERR_FILE_CHANGED', file: files[0] });
    expect(changed.message).toContain('changed while it was being processed');
  } finally {
    await check.close();
  }
});

test('objects: a glob of S3 objects resumes from its journal; an object replaced since is a mismatch', {
  timeout: 120_000,
}, async () => {
  const s3 = await startS3();
  try {
    await s3.createBucket('days');
    for (const i of [1, 2, 3]) await s3.putObject('days', `d/day-${i}.csv`, readFileSync(join(parts, `day-${i}.csv`)));
    const input = 's3://days/d/day-*.csv';
    const journal = join(tmp.dir, 's3.journal');
    const options = { input, aggregate, workers: 2, chunkSize: 32 << 10, checkpoint: journal, s3: s3.settings };
    const cancel = async (n: number) => {
      const job = processDataset(options);
      let merged = 0;
      job.on('chunk', () => ++merged === n && job.cancel());
      expect((await rejectionOf(job.result)).code).toBe('ABORT_ERR');
      await settle(100);
      expect(entries(journal)).toBeGreaterThanOrEqual(n);
    };
    await cancel(20);
    const resumed = await processDataset(options).result;
    expect(resumed.rows).toStrictEqual((await processSerial({ input: glob, aggregate })).rows);
    expect(resumed.stats.chunksResumed).toBeGreaterThanOrEqual(20);
    await cancel(5);
    // Another version of the second object: another ETag, the same name and size.
    const text = readFileSync(join(parts, 'day-2.csv'), 'utf8');
    const edited = text.replace(',ok\n', ',OK\n');
    expect(edited).not.toBe(text);
    await s3.putObject('days', 'd/day-2.csv', edited);
    const e = await rejectionOf(processDataset(options).result);
    expect(e).toMatchObject({ code: 'ERR_CHECKPOINT_MISMATCH', option: 'checkpoint', file: journal });
  } finally {
    await s3.stop();
  }
});
