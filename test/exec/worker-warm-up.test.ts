/**
 * The worker's warm-up (src/worker/warm-up.ts) runs the real scanner and aggregate sink over its
 * synthetic CSV without an error, whole (every record) and up to a chunk end (about half).
 * warmUp() swallows failures so a worker never fails for it; this test is where one would show.
 */
import { expect, test } from 'vitest';
import { runWarmUp } from '../../src/worker/warm-up.ts';

test('every warm-up pass parses its records without an error', () => {
  const used = runWarmUp();
  expect(used).toHaveLength(4);
  const [whole, half] = used;
  expect(whole).toBe(250);
  expect(half).toBeGreaterThan(100);
  expect(half).toBeLessThan(150);
  expect(used[2]).toBe(whole);
  expect(used[3]).toBe(half);
});
