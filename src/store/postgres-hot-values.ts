/**
 * The parameters of the hot statements (postgres-hot-sql.ts), in the order their SQL numbers
 * them, built from what the store's callers give.
 */
import { randomUUID } from 'node:crypto';
import type { JobWrite } from './job-store.js';
import type { EventChannel } from './postgres-job-steps.js';
import type { JobEventData, NewJob, Outcome } from './records.js';
import { queuedChange } from './records.js';
import { eventJson, extrasOf, pack, rowId } from './rows.js';

/** hot.add's: the job, its key (run again, it gives back the same job), its first event, labels and backoff. */
export function addValues(job: NewJob, log: EventChannel): unknown[] {
  const extras = extrasOf(job);
  return [
    job.name,
    JSON.stringify(job.spec),
    job.priority,
    job.delay, // counted on the database's clock
    job.maxAttempts,
    job.scheduleId === null ? null : rowId(job.scheduleId),
    randomUUID(),
    ...log.lock,
    log.channel,
    JSON.stringify(queuedChange(job)),
    extras.meta,
    extras.backoff,
    extras.pairs.map((p) => p[0]),
    extras.pairs.map((p) => p[1]),
  ];
}

/** hot.write's: each job's progress, and every event flattened (job id, type, data). */
export function writeValues(owner: string, writes: readonly JobWrite[], log: EventChannel): unknown[] {
  const eventJobs: number[] = [];
  const types: string[] = [];
  const data: string[] = [];
  for (const w of writes)
    for (const event of w.events) {
      eventJobs.push(rowId(w.jobId));
      types.push(event.type);
      data.push(eventJson(event));
    }
  return [
    writes.map((w) => rowId(w.jobId)),
    owner,
    randomUUID(), // the write's key: run again, it writes nothing twice
    writes.map((w) => (w.progress === undefined ? null : JSON.stringify(w.progress))),
    eventJobs,
    types,
    data,
    ...log.lock,
    log.channel,
  ];
}

/** hot.finish's: the outcome, its events, and the pages held back for it (`held`, below the result's count). */
export function finishValues(
  owner: string,
  jobId: string,
  outcome: Outcome,
  log: EventChannel,
  heldPages: (pages: number) => [number, Buffer][],
): unknown[] {
  const events: JobEventData[] = [];
  let pages = 0;
  if (outcome.state === 'succeeded') {
    const { result } = outcome;
    pages = result.kind === 'aggregate' ? (outcome.rows?.length ?? 0) : 0; // pages a longer, earlier run wrote go
    // A task's value stays with the record only: it may be large, and need not be JSON.
    events.push({ type: 'done', data: result.kind === 'task' ? { kind: result.kind, stats: result.stats } : result });
  } else events.push({ type: 'error', data: outcome.error });
  events.push({ type: 'state', data: { state: outcome.state } });
  const held = heldPages(pages);
  return [
    rowId(jobId),
    owner,
    pages,
    outcome.state,
    outcome.state === 'succeeded' ? pack(outcome.result) : null,
    outcome.state === 'succeeded' ? null : JSON.stringify(outcome.error),
    events.map((e) => e.type),
    events.map(eventJson),
    ...log.lock,
    log.channel,
    held.map(([part]) => part),
    held.map(([, page]) => page),
  ];
}
