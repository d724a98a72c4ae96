/**
 * Bare quotes inside unquoted fields (`5'11"`) break the quote parity that boundary resolution
 * relies on. The engine must never return a silently wrong answer: with onQuoteMismatch
 * 'sequential' (the default) it warns and re-parses sequentially, giving the serial result; with
 * 'error' it fails with ERR_CSV_QUOTE_MISMATCH wherever a chunk boundary follows an odd number of
 * bare quotes (and succeeds where none does).
 *
 * The chunk size x worker count loops run on the file's warm pools (test/helpers/warm-pools.ts: the
 * same jobs without a pool's start and end per run); the other runs use processDataset itself.
 */
import { expect, test } from 'vitest';
import { count, processDataset, processSerial, sum, type JobWarning } from 'chunkmill';
import { rejectionOf, where } from '../helpers/errors.ts';
import { payloads, record } from '../helpers/events.ts';
import { fixtureOptions, loadFixture } from '../helpers/fixtures.ts';
import { runMatrix } from '../helpers/matrix.ts';
import { rng } from '../helpers/random-csv.ts';
import { tempDir } from '../helpers/tmp.ts';
import { processOnWarmPool } from '../helpers/warm-pools.ts';

const tmp = tempDir();
const fixture = loadFixture('bare-quote');
// fixtures/bare-quote.csv: 'name,height,amount\n' 0-18 (line 1) | 'ann,5'4,1\n' 19-28 (2) |
// 'bob,5'11",2\n' 29-40 (3), its bare quote at byte 37 | 'cat,6'0,3\n' starts at 41 (4) | ...
// The quote count is odd from byte 37 until eve's bare quote at 74 evens it out again.
const CAT = { line: 4, byteOffset: 41 };

test('sequential fallback: a warning, then the serial (golden) rows', { timeout: 60_000 }, async () => {
  for (const chunkSize of [1, 2, 3, 7]) {
    for (const workers of [1, 3]) {
      const label = `chunkSize ${chunkSize}, workers ${workers}`;
      const job = processOnWarmPool(fixtureOptions(fixture, { chunkSize, workers }));
      const events = record(job);
      const { rows, stats } = await job.result;
      expect(rows, label).toStrictEqual(fixture.rows);
      const warnings = payloads<JobWarning>(events, 'warning');
      // One worker too: under a built-in aggregate its summaries come with the parses (file-scheduler.ts).
      expect(stats.sequentialFallback, label).toBe(true);
      expect(warnings, label).toHaveLength(1);
      // The first record whose start the parity got wrong: cat's.
      expect(warnings[0], label).toMatchObject({ code: 'WARN_QUOTE_MISMATCH', ...CAT });
      expect(events.at(-1)!.name, label).toBe('done');
    }
  }
});

test('one worker under a user task parses in order from the start: nothing to dispute', {
  timeout: 60_000,
}, async () => {
  // A user task is not run speculatively, so one worker has no boundary pass to dispute.
  const task = new URL('../../fixtures/tasks/rows-in-order.mjs', import.meta.url).href;
  const options = { input: fixture.path, csv: fixture.spec.csv, task };
  const serial = await processSerial(options);
  for (const chunkSize of [1, 2, 3, 7]) {
    const job = processOnWarmPool({ ...options, chunkSize, workers: 1 });
    const events = record(job);
    const { value, stats } = await job.result;
    const label = `chunkSize ${chunkSize}`;
    expect(value, label).toStrictEqual(serial.value);
    expect([stats.sequentialFallback, payloads(events, 'warning').length], label).toStrictEqual([false, 0]);
  }
});

test('no chunk boundary after an odd count: no fallback, no warning', { timeout: 60_000 }, async () => {
  // 64-byte chunks cut at byte 83, after both bob's and eve's bare quotes (even); one chunk: no cut.
  for (const chunkSize of [64, fixture.size]) {
    const job = processDataset(fixtureOptions(fixture, { chunkSize, workers: 2 }));
    const events = record(job);
    const { rows, stats } = await job.result;
    expect(rows).toStrictEqual(fixture.rows);
    expect(stats.sequentialFallback).toBe(false);
    expect(payloads(events, 'warning')).toHaveLength(0);
  }
});

test("onQuoteMismatch 'error': ERR_CSV_QUOTE_MISMATCH at the first disputed record", { timeout: 60_000 }, async () => {
  for (const chunkSize of [1, 2, 3, 7]) {
    for (const workers of [1, 2, 3]) {
      const job = processOnWarmPool(fixtureOptions(fixture, { chunkSize, workers, onQuoteMismatch: 'error' }));
      const events = record(job);
      const error = await rejectionOf(job.result);
      const label = `chunkSize ${chunkSize}, workers ${workers}`;
      expect(where(error), label).toStrictEqual({ code: 'ERR_CSV_QUOTE_MISMATCH', column: undefined, ...CAT });
      expect(error.file, label).toBe(fixture.path);
      expect(
        events.map((e) => e.name),
        label,
      ).not.toContain('done');
    }
  }
});

test("onQuoteMismatch 'error' where no boundary follows an odd count: the golden rows", {
  timeout: 60_000,
}, async () => {
  for (const chunkSize of [64, 4096]) {
    const { rows } = await processDataset(fixtureOptions(fixture, { chunkSize, workers: 2, onQuoteMismatch: 'error' }))
      .result;
    expect(rows).toStrictEqual(fixture.rows);
  }
  // The serial path has no boundaries to dispute.
  expect((await processSerial(fixtureOptions(fixture, { onQuoteMismatch: 'error' }))).rows).toStrictEqual(fixture.rows);
});

test('many bare quotes among quoted line breaks: the fallback equals serial everywhere', {
  timeout: 120_000,
}, async () => {
  // After an odd bare quote, parity is inverted: quoted LFs look like record starts and real
  // record starts look quoted. Mixed in: quoted notes with LF, CRLF, commas and doubled quotes.
  const random = rng(99);
  const notes = ['ok', '"a\nb"', '"x, ""y"""', '"p\r\nq"', '5\'11"', 'it"s', ''];
  let text = 'id,size,note,amount\n';
  for (let i = 1; i <= 150; i++) {
    const size = random() < 0.1 ? `${i % 7}'${i % 12}"` : `${i % 7}`;
    text += `${i},${size},${notes[Math.floor(random() * notes.length)]!},${i % 13}\n`;
  }
  const input = tmp.file('many-bare.csv', text);
  const serial = await runMatrix(
    { input, aggregate: { groupBy: ['size'], measures: { n: count(), s: sum('amount') } } },
    { chunkSizes: [5, 64, 333, 4096], workers: [1, 3] },
  );
  expect(serial.stats.rows).toBe(150);
});
