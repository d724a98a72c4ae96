/**
 * The wire types: what the API sends (job records, their states and events, pages of jobs, data
 * files) and what a store keeps of a job, shared by the store, the queue, the server and the
 * dashboard. The dashboard loads the compiled file itself (/assets/wire.js; dashboard/tsconfig.json
 * maps its `./wire.js` here), so this file has no run-time imports: types, the two lists of
 * states, the names of events on a stream, and the rule that makes an upload's file name safe.
 *
 * A job's life:
 *
 *   queued ──claim──> running ──> succeeded | failed | cancelled
 *     ^                  │
 *     └── handed back ───┘   (engine closed, or its lease expired and another engine recovers it)
 */
import type { ErrorData } from '../errors.js';
import type { ChunkEvent, JobPlan, JobStats, JobWarning, Progress, TaskLog, TaskProgress } from './events.js';
import type { HttpSpec, StoredSpec } from './job-model/index.js';

export type { ErrorData, HttpSpec, Progress };

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const JOB_STATES: readonly JobState[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
/** The states a job never leaves. */
export type FinalState = 'succeeded' | 'failed' | 'cancelled';
export const FINAL_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'] satisfies FinalState[];

/** Whether a job in this state has ended for good. */
export function isFinal(state: JobState): state is FinalState {
  return FINAL_STATES.includes(state);
}

/**
 * A job as the store keeps it (without its result rows: see JobStore.resultRows). The API sends
 * it with the spec as the client gave it (paths relative to the data dir): JobRecord<HttpSpec>.
 */
export interface JobRecord<Spec = StoredSpec> {
  id: string;
  name: string | null;
  state: JobState;
  /** The job spec as it was queued (JSON, paths absolute). */
  spec: Spec;
  /** Higher runs first; equal priorities run oldest first. */
  priority: number;
  createdAt: number;
  /** Not run before this time (a delay, or the slot of the repeat rule that queued it). */
  runAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Runs started and not handed back (an engine that died counts; a graceful close does not). */
  attempts: number;
  /** Runs that may be interrupted by a dying engine before the job fails with ERR_JOB_LOST. */
  maxAttempts: number;
  /** The last progress written (throttled), null before the first. */
  progress: Progress | null;
  /** For a succeeded job: everything but the rows (see ResultSummary). */
  result: ResultSummary | null;
  /** For a failed or cancelled job: the error, as data. */
  error: ErrorData | null;
  /** A cancel was asked for while it ran; the engine running it stops it. */
  cancelRequested: boolean;
  /** The engine holding the job's lease while it runs. */
  owner: string | null;
  leaseExpiresAt: number | null;
  /** The repeat rule that queued this job, if any (the field keeps its first name: API responses carry it). */
  scheduleId: string | null;
  /** The caller's own labels ({ userId: 'u-7' }): a few short strings, filterable (list's `meta`); {} for none. */
  meta: JobMeta;
  /**
   * How a run that failed with a transient fault (TRANSIENT_CODES) is retried, while `attempts`
   * is below `maxAttempts`; null: such a failure fails the job, as any other.
   */
  backoff: Backoff | null;
}

/** A job's labels: string keys to string values (bounds: META_LIMITS, api/job-model/queueing.ts). */
export type JobMeta = Record<string, string>;

/** The wait before the next run after a transient fault: `delayMs` each time, or doubled at each further attempt. */
export interface Backoff {
  type: 'fixed' | 'exponential';
  delayMs: number;
}

/**
 * The failures a run is retried for (with a backoff): the machine or the network failed, not the
 * data or the job's own code. A worker thread that crashed or ran out of memory, an object or a
 * store that could not be read. A data error (ERR_CSV_*, a bad option) would fail again.
 */
export const TRANSIENT_CODES: readonly string[] = [
  'ERR_WORKER_EXITED',
  'ERR_OBJECT_UNAVAILABLE',
  'ERR_OBJECT_UNREACHABLE',
  'ERR_STORE_UNREACHABLE',
  'ERR_CLUSTER_ITEM_LOST',
];

/** Whether a failure with this code is one a backoff retries (any ERR_WORKER_*: a thread's own failure). */
export function isTransient(code: string): boolean {
  return TRANSIENT_CODES.includes(code) || code.startsWith('ERR_WORKER_');
}

/** The wait before attempt `next` (2 for the first retry). */
export function backoffDelay(backoff: Backoff, next: number): number {
  return backoff.type === 'fixed' ? backoff.delayMs : backoff.delayMs * 2 ** Math.max(0, next - 2);
}

/**
 * A succeeded job's result, less an aggregate's rows (stored apart, in pages: a million groups
 * must not be loaded to list jobs). `value` is a task's value, exactly as the task returned it
 * (stored with v8 serialization, so Map, BigInt and NaN survive).
 */
export type ResultSummary =
  | { kind: 'aggregate'; rowCount: number; stats: JobStats }
  | { kind: 'task'; value: unknown; stats: JobStats }
  | { kind: 'transform'; rowsIn: number; rowsOut: number; bytesWritten: number; output: string; stats: JobStats };

/**
 * One entry of a job's event log, in the order written; ids increase across the store, so
 * "everything after id N" is a replay (SSE's Last-Event-ID).
 */
export type JobEventRecord = { id: number; jobId: string; at: number } & JobEventData;

/**
 * What the log holds. Every job's log starts with `state: queued` and ends with a final `state`
 * (succeeded, failed, cancelled), right after `done` (succeeded) or `error` (failed, cancelled);
 * only `webhook` events (deliveries of the end) may follow it.
 */
export type JobEventData =
  | { type: 'state'; data: StateChange }
  | { type: 'start'; data: JobPlan }
  | { type: 'progress'; data: Progress }
  | { type: 'chunk'; data: ChunkEvent }
  | { type: 'warning'; data: JobWarning }
  | { type: 'log'; data: TaskLog }
  | { type: 'taskProgress'; data: TaskProgress }
  /** The result summary; a task's `value` is left out (read it with queue.result or get). */
  | { type: 'done'; data: ResultSummary | { kind: 'task'; stats: JobStats } }
  | { type: 'error'; data: ErrorData }
  /** After the end: one attempt to deliver the job's end to a webhook (docs/server.md#webhooks). */
  | { type: 'webhook'; data: WebhookDelivery };

/** One delivery attempt of a job's end to a webhook, as its log keeps it. */
export interface WebhookDelivery {
  /** The webhook's URL, without credentials, query or fragment (they may hold secrets). */
  url: string;
  /** The payload's event: job.succeeded, job.failed or job.cancelled. */
  event: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** Why the attempt failed without an answer (a timeout, a refused connection). */
  error?: string;
  /** delivered: a 2xx; retrying: another attempt follows; abandoned: no more attempts (out of them, or the engine closed). */
  outcome: 'delivered' | 'retrying' | 'abandoned';
}

/**
 * A job event's name on an event stream (the SSE `event:` field): its type, except that a failure
 * goes as `failed`. `error` is EventSource's own event for a broken connection: a listener for it
 * would take a job's failure for a lost connection, and the other way round. The log keeps `error`.
 */
export type StreamEventName = Exclude<JobEventData['type'], 'error'> | 'failed';

/** Every stored type with its stream name (a Record, so a new type cannot be left out). */
const STREAM_NAMES: Record<JobEventData['type'], StreamEventName> = {
  state: 'state',
  start: 'start',
  progress: 'progress',
  chunk: 'chunk',
  warning: 'warning',
  log: 'log',
  taskProgress: 'taskProgress',
  done: 'done',
  error: 'failed',
  webhook: 'webhook',
};

/** The names a stream's events go by, as `GET /api/events?types=` takes them. */
export const STREAM_EVENT_NAMES: readonly StreamEventName[] = Object.values(STREAM_NAMES);

/** A stored event's name on a stream. */
export function streamEventName(type: JobEventData['type']): StreamEventName {
  return STREAM_NAMES[type];
}

export interface StateChange {
  state: JobState;
  /** running: the attempt this run is (1 for the first). */
  attempt?: number;
  /** running: the engine that claimed it. */
  owner?: string;
  /** Why a job went back to the queue, or why it ended without running. */
  reason?: string;
  /** queued, reason 'retried': the failed or cancelled job this one retries (its spec and options copied). */
  retryOf?: string;
  /** queued, reason 'attempt failed': the failure's code and message (attempt: the run that failed). */
  error?: ErrorData;
  /** queued, reason 'attempt failed': when the next attempt may run (its backoff). */
  retryAt?: number;
}

/** What a queue, the API and the CLI do to many jobs at once, by state (Queue.bulk). */
export type BulkAction = 'cancel' | 'remove';

/** What a bulk action did: the ids it cancelled or removed, and the running jobs whose engines were asked to stop them. */
export interface BulkOutcome {
  action: BulkAction;
  state: JobState;
  done: string[];
  requested: string[];
}

/** GET /api/jobs: a page of jobs, newest first, with the counts per state and where a feed of new events starts. */
export interface JobList {
  jobs: JobRecord<HttpSpec>[];
  /** The cursor of the next page; null at the end. */
  next: string | null;
  counts: Record<JobState, number>;
  lastEventId: number;
  /** The queue is paused (Queue.pause): engines claim nothing until it is resumed. */
  paused: boolean;
}

/** GET /api/files: one file of the data dir that a job can read. */
export interface DataFile {
  /** Its path in the data dir, as a job's `input` names it. */
  name: string;
  bytes: number;
  modifiedAt: number;
  format: 'csv' | 'ndjson';
  gzip: boolean;
  /** Its header's names; null when they could not be read (see `error`). */
  columns: string[] | null;
  /** Why the columns could not be read. */
  error?: { code: string; message: string };
}

/** Where a problem is; every key is optional and only the known ones reach the client. */
export interface ErrorPlace {
  field?: string;
  file?: string;
  line?: number;
  column?: string;
  columnIndex?: number;
  byteOffset?: number;
  option?: string;
  hint?: string;
  /** For a 5xx: the id of the request in the server's log, where the details are. */
  requestId?: string;
}

/**
 * An API error's body, `{ "error": ApiErrorData }`: the server's own codes (HttpErrorCode) or a
 * job's (ErrorCode), a message, and where the problem is.
 */
export interface ApiErrorData extends ErrorPlace {
  code: string;
  message: string;
}

/**
 * A file's own name made safe for the data dir's uploads/: its last path segment, every character
 * but ASCII letters, digits, `.`, `_` and `-` as `_`, and no leading `.`, `_` or `-`. '' when
 * nothing usable is left. The server applies it to a multipart part's file name; the dashboard
 * to a picked file's, before it sends it.
 */
export function safeUploadName(fileName: string): string {
  const last = fileName.split(/[\\/]/).pop() ?? '';
  return last.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[^A-Za-z0-9]+/, '');
}
