/**
 * A user task sees every record exactly once, decoded as the reference parser decodes it, and
 * its accumulators are combined in input order: the task that collects every row's fields gives
 * @fast-csv/parse's records in the serial run, and the serial result for every chunk size and
 * worker count (the invariant of docs/architecture.md, Exact chunking, for user tasks).
 *
 * The parallel runs use the file's warm pools (test/helpers/warm-pools.ts: the same job, without a
 * pool that starts its threads and loads the task for each of 64 runs, ~1 s each in CI); a task
 * job on a pool of its own is tested in task-errors.test.ts and the other task tests.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { processSerial } from 'chunkmill';
import { fastCsvRecords } from '../helpers/fastcsv.ts';
import { FIXTURE_CASES, loadFixture } from '../helpers/fixtures.ts';
import { processOnWarmPool } from '../helpers/warm-pools.ts';

const task = new URL('../../fixtures/tasks/rows-in-order.mjs', import.meta.url);
interface Collected {
  rows: number;
  fields: string[][];
}

test.each(FIXTURE_CASES)('%s', { timeout: 60_000 }, async (name) => {
  const f = loadFixture(name);
  const serial = await processSerial({ input: f.path, csv: f.spec.csv, task });
  const collected = serial.value as Collected;
  expect(collected.rows).toBe(collected.fields.length);
  expect(serial.stats.rowsUsed).toBe(collected.rows);
  // The reference parser treats a bare quote inside a field differently (it is an error there).
  if (name !== 'bare-quote') {
    const text = readFileSync(f.path, 'utf8').replace(/^\uFEFF/, '');
    const records = await fastCsvRecords(text, f.spec.csv.delimiter);
    expect(collected.fields).toStrictEqual(f.spec.csv.header === false ? records : records.slice(1));
  }
  for (const [chunkSize, workers] of [
    [1, 2],
    [7, 3],
    [64, 1],
    [Math.max(1, f.size), 2],
  ] as const) {
    const parallel = await processOnWarmPool({ input: f.path, csv: f.spec.csv, task, chunkSize, workers }).result;
    expect(parallel.value, `chunkSize ${chunkSize}, workers ${workers}`).toStrictEqual(serial.value);
    expect(parallel.stats.rowsUsed).toBe(serial.stats.rowsUsed);
  }
});
