/**
 * Where a cluster's state lives in Redis, and the version stamps on it. Every key starts with
 * PREFIX, so one Redis can serve other applications too (BullMQ's keys are PREFIX:<queue>:...).
 *
 *   PREFIX:chunks-<version>:...   the BullMQ queue of chunk work items (one per chunkmill version)
 *   PREFIX:workers                set of the registered worker ids
 *   PREFIX:worker:<id>            a worker's WorkerInfo (JSON), expiring unless its heartbeat renews it
 *   PREFIX:replies:<provider>     list of a coordinator's ReplyMessages (v8-encoded), popped as they come
 *   PREFIX:cancelled:<run id>     set when a run is cancelled: workers drop its items
 *   PREFIX:strikes:<worker id>    chunks that failed on that worker by its own fault and ran elsewhere (a count, expiring)
 *   PREFIX:out:<worker id>        set while that worker is out of rotation (quarantined): why, expiring
 *   channel PREFIX:cancel         a cancelled run's id: workers stop its running chunks
 */
import { readFileSync } from 'node:fs';

export const PREFIX = 'chunkmill';

/**
 * The work item / reply format. A worker refuses items of another protocol; workers of another
 * chunkmill version take items from another queue altogether (queueName). 2: WorkItem's `job` and
 * `task` became `runId` and `request`. 3: WorkItem's `avoid`, and the worker's id on replies. 4: the parseFile request (a whole
 * gzip file of a dataset) and a parse request's `remap` (unionColumns).
 */
export const PROTOCOL = 4;

/** This chunkmill's version, from its package.json (dist/cluster/ -> the package root). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * One queue per version: a worker never even sees the items of a coordinator of another version,
 * so a mixed fleet cannot give a wrong answer, and the coordinator names the odd ones out.
 */
export function queueName(version = VERSION): string {
  return `chunks-${version}`;
}

export const WORKERS_KEY = `${PREFIX}:workers`;
export const CANCEL_CHANNEL = `${PREFIX}:cancel`;

export function workerKey(id: string): string {
  return `${PREFIX}:worker:${id}`;
}

export function repliesKey(provider: string): string {
  return `${PREFIX}:replies:${provider}`;
}

export function cancelledKey(runId: string): string {
  return `${PREFIX}:cancelled:${runId}`;
}

export function strikesKey(workerId: string): string {
  return `${PREFIX}:strikes:${workerId}`;
}

export function quarantineKey(workerId: string): string {
  return `${PREFIX}:out:${workerId}`;
}

/** A work item's hash (its data, state fields): BullMQ's own layout, PREFIX:<queue>:<id>. */
export function itemKey(id: string): string {
  return `${PREFIX}:${queueName()}:${id}`;
}

/**
 * A worker renews its registration every HEARTBEAT_MS; it expires after WORKER_TTL_MS without
 * one (a SIGKILLed worker stops being counted within that).
 */
export const HEARTBEAT_MS = 2_000;
export const WORKER_TTL_MS = 3 * HEARTBEAT_MS;

/**
 * A reply list left by a coordinator that died expires this long after its last push; a live
 * coordinator pops its replies as they come, so its list is almost always empty (and absent).
 */
export const REPLIES_TTL_MS = 5 * 60_000;

/** How long workers are told to drop a cancelled run's items: far longer than any item waits. */
export const CANCELLED_TTL_MS = 10 * 60_000;

/** BullMQ's events stream, trimmed to about this many entries: nothing here reads it. */
export const EVENTS_KEPT = 100;

/**
 * A worker is taken out of rotation (quarantined) for QUARANTINE_MS once STRIKES chunks failed
 * on it by its own fault (a file it cannot read, a task module it lacks) and then ran on another
 * worker, within STRIKE_WINDOW_MS of the first of them.
 */
export const STRIKES = 3;
export const STRIKE_WINDOW_MS = 60_000;
export const QUARANTINE_MS = 60_000;

/**
 * How long an item a worker must not run (its chunk failed there) waits before another worker
 * may take it: a worker that passed it on cannot take it straight back, and spin.
 */
export const PASS_ON_MS = 100;
