/**
 * Golden results: every fixture's rows equal the hand-derived `<case>.expected.json`, from the
 * serial path and from the parallel path (default chunking, and tiny chunks on 2 workers).
 */
import { describe, expect, test } from 'vitest';
import { processDataset, processSerial } from 'chunkmill';
import { FIXTURE_CASES, fixtureOptions, loadFixture } from '../helpers/fixtures.ts';

describe.each(FIXTURE_CASES)('fixture %s', (name) => {
  const fixture = loadFixture(name);

  test('serial result equals the golden rows', async () => {
    const { rows, stats } = await processSerial(fixtureOptions(fixture));
    expect(rows).toStrictEqual(fixture.rows);
    // Every record lands in exactly one group (or the one global row): counts add up to the records read.
    expect(stats.rows).toBe(fixture.rows.reduce((n, r) => n + (r.n as number), 0));
    expect(stats.rowsRejected).toBe(0);
  });

  test('parallel result equals the golden rows (default chunking)', { timeout: 60_000 }, async () => {
    const { rows } = await processDataset(fixtureOptions(fixture)).result;
    expect(rows).toStrictEqual(fixture.rows);
  });

  test('parallel result equals the golden rows (3-byte chunks, 2 workers)', { timeout: 60_000 }, async () => {
    const { rows, stats } = await processDataset(fixtureOptions(fixture, { chunkSize: 3, workers: 2 })).result;
    expect(rows).toStrictEqual(fixture.rows);
    expect(stats.bytes).toBe(fixture.size);
  });
});
