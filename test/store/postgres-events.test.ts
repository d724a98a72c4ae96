/**
 * Event ids on PostgreSQL increase in the order a reader can see them, with many writers at
 * once: a reader that polls "everything after the last id I saw" (an SSE client's
 * Last-Event-ID, a dashboard's feed) never skips an event. A plain sequence would fail this: two
 * transactions take ids 7 and 8, the one with 8 commits first, the reader sees 8 and never asks
 * below it again. (This test fails when the event lock of postgres-sql.ts is taken out.)
 */
import { expect, test } from 'vitest';
import { count, openQueue, type JobStore } from 'chunkmill';
import { usePostgres } from '../helpers/postgres.ts';

const pgs = usePostgres();
const spec = { input: '/data/sales.csv', aggregate: { measures: { n: count() } } };
const WRITERS = 6;
const WRITES = 150;

test('six writers on six connections, a reader polling after the last id it saw: every event, once, in order', {
  timeout: 120_000,
}, async () => {
  const url = await pgs.store('events');
  const queue = openQueue(url);
  const writers = Array.from({ length: WRITERS }, () => openQueue(url));
  const jobs: string[][] = [];
  for (const [i, w] of writers.entries()) {
    jobs.push([]);
    for (let j = 0; j < 3; j++) {
      await queue.add(spec);
      jobs[i]!.push((await w.store.claim(`w${i}`, 600_000, Date.now()))!.job.id);
    }
  }
  const start = await queue.lastEventId();

  let writing = true;
  const seen: number[] = [];
  let misordered = 0;
  const reader = (async (store: JobStore) => {
    let after = start;
    while (writing || (await store.eventsAfter(after, 1)).length > 0) {
      const page = await store.eventsAfter(after, 500);
      for (const e of page) {
        if (e.id <= after) misordered++;
        after = e.id;
        seen.push(e.id);
      }
    }
  })(queue.store);

  const progress = (n: number) => ({
    bytesDone: n,
    bytesTotal: WRITES,
    rowsDone: n,
    chunksDone: n,
    chunksTotal: WRITES,
    elapsedMs: n,
    bytesPerSec: 1,
    etaMs: null,
  });
  await Promise.all(
    writers.map(async (w, i) => {
      for (let n = 1; n <= WRITES; n++) {
        const events = Array.from({ length: 1 + (n % 3) }, (_, k) => ({
          type: 'chunk' as const,
          data: { index: n * 3 + k, start: 0, end: 1, rows: 1 },
        }));
        const jobId = jobs[i]![n % 3]!;
        await w.store.write(`w${i}`, [{ jobId, events, progress: progress(n) }]);
      }
    }),
  );
  writing = false;
  await reader;

  const all = (await queue.store.eventsAfter(start, 100_000)).map((e) => e.id);
  expect(all.length).toBe(WRITERS * WRITES * 2); // 1 to 3 events a write, 2 on average
  expect(misordered).toBe(0);
  expect(seen).toEqual(all); // nothing skipped, nothing twice
  for (const w of writers) await w.close();
  await queue.close();
});
