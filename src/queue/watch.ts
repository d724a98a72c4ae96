/**
 * queue.watch(id): a job's event log as an async iterator, read from the store, so it works from
 * any process. It replays what was written after `after` (0: from the start; an SSE client's
 * Last-Event-ID), then follows new events as they are written, and ends right after the job's
 * final `state` event (succeeded, failed, cancelled). A job removed while watched ends it too.
 *
 * queue.watchAll(): every job's events in one feed, the same way, until its signal aborts (a
 * dashboard follows all jobs on one connection).
 */
import type { ChunkmillError } from '../errors.js';
import type { JobStore } from '../store/job-store.js';
import { FINAL_STATES, type JobEventRecord } from '../store/records.js';
import type { ChangeFeed } from './change-feed.js';

export interface WatchOptions {
  /** Replay only events with a greater id. @default 0 (the whole log) */
  after?: number;
  /** Ends the iteration (without an error) when aborted. */
  signal?: AbortSignal;
}

/** Events read per store query: a long log is replayed in pages, not in one read. */
const PAGE = 500;

export async function* watchJob(
  store: JobStore,
  feed: ChangeFeed,
  id: string,
  options: WatchOptions,
  notFound: () => ChunkmillError,
): AsyncGenerator<JobEventRecord> {
  const { signal } = options;
  let after = options.after ?? 0;
  if ((await store.get(id)) === null) throw notFound();
  while (!signal?.aborted) {
    // Asked for before reading, so a write that lands after the read still wakes this watcher.
    const wait = feed.next(signal);
    try {
      const events = await store.events(id, after, PAGE);
      for (const event of events) {
        after = event.id;
        yield event;
        if (event.type === 'state' && FINAL_STATES.includes(event.data.state)) return;
      }
      if (events.length === PAGE) continue;
      if (events.length === 0 && (await store.get(id)) === null) return;
      await wait.changed;
    } finally {
      // Also when the consumer stops early (break): a pending wait would keep the feed polling.
      wait.release();
    }
  }
}

/** Every job's events after `after`, as they are written; ends only when `signal` aborts. */
export async function* watchAllJobs(
  store: JobStore,
  feed: ChangeFeed,
  options: WatchOptions,
): AsyncGenerator<JobEventRecord> {
  const { signal } = options;
  let after = options.after ?? 0;
  while (!signal?.aborted) {
    const wait = feed.next(signal);
    try {
      const events = await store.eventsAfter(after, PAGE);
      for (const event of events) {
        after = event.id;
        yield event;
      }
      if (events.length === PAGE) continue;
      await wait.changed;
    } finally {
      wait.release();
    }
  }
}
