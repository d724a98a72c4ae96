/**
 * A result of many groups is stored in pages (each a short write) and read back whole or page by
 * page. 120,000 groups (12 pages) here: a million take ~30 s on 2 cores, nearly all in the group merge
 * (processDataset alone: 28.5 s; the store adds ~4 s); `npm run bench:jobs` runs a million and measures the engine's
 * memory after it is stored. On each store (SQLite, PostgreSQL).
 */
import { describe, expect, test } from 'vitest';
import { count, createEngine, openQueue, ROWS_PER_PAGE, sum } from 'chunkmill';
import { waitForState } from '../helpers/jobs.ts';
import { storeKinds } from '../helpers/stores.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const kinds = storeKinds();
const GROUPS = 120_000;

describe.each(kinds)('$name store', (kind) => {
  test('120,000 groups: stored, and read back in pages', { timeout: 120_000 }, async () => {
    const lines: string[] = ['k,v'];
    for (let i = 0; i < GROUPS; i++) lines.push(`${i},${i % 7}`);
    const input = tmp.file(`keys-${kind.name}.csv`, lines.join('\n') + '\n');
    const store = await kind.fresh('groups');
    const queue = openQueue(store);
    const engine = await createEngine({ store, workers: 2 });
    const job = await queue.add({ input, aggregate: { groupBy: ['k'], measures: { n: count(), v: sum('v') } } });
    const done = await waitForState(queue, job.id, ['succeeded', 'failed'], 100_000);
    await engine.close();
    expect(done.error).toBe(null);
    expect(done.result).toMatchObject({ kind: 'aggregate', rowCount: GROUPS });
    let seen = 0;
    let pages = 0;
    for await (const page of queue.rows(job.id)) {
      expect(page.length).toBe(ROWS_PER_PAGE);
      for (let i = 0; i < page.length; i += 11_987)
        expect(page[i]).toEqual({ k: String(seen + i), n: 1, v: (seen + i) % 7 });
      seen += page.length;
      pages++;
    }
    expect([seen, pages]).toEqual([GROUPS, GROUPS / ROWS_PER_PAGE]);
    const whole = (await queue.result(job.id)) as { rows: unknown[] };
    expect(whole.rows).toHaveLength(GROUPS);
    expect(whole.rows[GROUPS - 1]).toEqual({ k: String(GROUPS - 1), n: 1, v: (GROUPS - 1) % 7 });
    await queue.close();
  });
});
