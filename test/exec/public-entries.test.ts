/**
 * The package's entries as a user meets them: an executor written outside the package against
 * chunkmill/experimental runs an engine's jobs (the seam's types are all there to implement one);
 * the internal entry of the CLI and the server cannot be imported; the names that left the
 * public index still work for one release.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import {
  count,
  createEngine,
  DEFAULT_DISTINCT_LIMIT,
  openQueue,
  ROWS_PER_PAGE,
  suggestColumn,
  typedValue,
} from 'chunkmill';
import type { ChunkPolicy, ChunkReply, ChunkRequest, ControlChannel, Executor } from 'chunkmill/experimental';
import { waitForState } from '../helpers/jobs.ts';
import { tempDir } from '../helpers/tmp.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const tmp = tempDir();

/** Answers every chunk request with an error of its own, and keeps what it was asked. */
class Refusing implements Executor {
  readonly threads = 1;
  readonly asked: string[] = [];

  async execute(
    chunkIndex: number,
    make: () => ChunkRequest,
    policy: ChunkPolicy,
    _control?: ControlChannel,
  ): Promise<ChunkReply> {
    const request = make();
    this.asked.push(`${request.op} ${chunkIndex} (${policy.retries} retries)`);
    return { error: { code: 'ERR_INTERNAL', message: `refused to ${request.op}` } };
  }
}

test("an executor written against chunkmill/experimental runs an engine's jobs", { timeout: 30_000 }, async () => {
  const input = tmp.file('sales.csv', 'region,amount\nnorth,1\nsouth,2\n');
  const store = `${tmp.dir}/jobs.db`;
  const executor = new Refusing();
  const engine = await createEngine({ store, executor });
  const queue = openQueue(store);
  try {
    const { id } = await queue.add({ input, aggregate: { measures: { n: count() } }, retries: 1 });
    const job = await waitForState(queue, id, ['succeeded', 'failed']);
    // One chunk on one thread is parsed in order, with no boundary pass: its parse is the first request.
    expect([job.state, job.error?.message]).toEqual(['failed', 'refused to parse']);
    // A reply that is an error is the chunk's answer, not a fault: it is not retried.
    expect(executor.asked).toEqual(['parse 0 (1 retries)']);
  } finally {
    await engine.close();
    await queue.close();
  }
});

/** What importing `name` by the package's name gives a program of its own: its export names, or the error code. */
function importByName(name: string): string {
  const script = `import(${JSON.stringify(name)}).then((m) => console.log(JSON.stringify(Object.keys(m))), (e) => console.log(e.code))`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' }).trim();
}

test('chunkmill/experimental is an entry of types only; the internal entry is not exported', () => {
  expect(importByName('chunkmill/experimental')).toBe('[]');
  expect(importByName('chunkmill/internal')).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  expect(importByName('chunkmill/dist/internal.js')).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
});

test('the names that left the public index still work, for one release', () => {
  expect(typedValue('12')).toBe(12);
  expect(suggestColumn('Region', ['region', 'amount'])).toBe('region');
  expect([DEFAULT_DISTINCT_LIMIT, ROWS_PER_PAGE]).toEqual([10_000, 10_000]);
});
