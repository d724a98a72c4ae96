/**
 * Serial equals parallel for every fixture, at chunk sizes {1, 2, 3, 7, 64, 4096, whole file} x
 * workers {1, 2, 3} (a pair that would repeat another run exactly runs once: distinctRuns in
 * test/helpers/matrix.ts), and (so the matrix cannot pass by being uniformly wrong) serial equals the
 * golden rows.
 */
import { describe, expect, test } from 'vitest';
import { FIXTURE_CASES, fixtureOptions, loadFixture } from '../helpers/fixtures.ts';
import { runMatrix } from '../helpers/matrix.ts';

describe.each(FIXTURE_CASES)('fixture %s', (name) => {
  test('every chunk size x worker count gives the serial result', { timeout: 120_000 }, async () => {
    const fixture = loadFixture(name);
    const serial = await runMatrix(fixtureOptions(fixture));
    expect(serial.rows).toStrictEqual(fixture.rows);
  });
});
