/**
 * verify: 'content' changes no answer: every fixture (bare quotes and the sequential fallback,
 * CRLF, quoted newlines, a BOM, a record longer than a chunk) at every chunk size and worker
 * count gives the serial result with the mode on, so the ranges each side hashes (the chunk's
 * first byte to where its parse ended) are the same on both.
 */
import { describe, expect, test } from 'vitest';
import { FIXTURE_CASES, fixtureOptions, loadFixture } from '../helpers/fixtures.ts';
import { QUICK_MATRIX, runMatrix } from '../helpers/matrix.ts';

describe.each(FIXTURE_CASES)('fixture %s', (name) => {
  test("with verify: 'content', every chunk size x worker count gives the serial result", async () => {
    const fixture = loadFixture(name);
    const serial = await runMatrix({ ...fixtureOptions(fixture), verify: 'content' }, QUICK_MATRIX);
    expect(serial.rows).toStrictEqual(fixture.rows);
  });
});
