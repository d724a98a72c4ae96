/**
 * What a job store holds, as plain data: job records, their event log, and repeat rules.
 * Types only. Times are milliseconds since the epoch (Date.now()); ids are strings, so a backend
 * other than SQLite is free to choose its own.
 *
 * A job's life:
 *
 *   queued ──claim──> running ──> succeeded | failed | cancelled
 *     ^                  │
 *     └── handed back ───┘   (engine closed, or its lease expired and another engine recovers it)
 */
import type { ChunkEvent, JobPlan, JobWarning, Progress, TaskLog, TaskProgress } from '../api/events.js';
import type { ErrorData } from '../errors.js';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const JOB_STATES: readonly JobState[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
/** The states a job never leaves. */
export const FINAL_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

/** A job as the store keeps it (without its result rows: see JobStore.resultRows). */
export interface JobRecord {
  id: string;
  name: string | null;
  state: JobState;
  /** The job spec as it was queued (JSON, paths absolute). */
  spec: Record<string, unknown>;
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
}

/**
 * A succeeded job's result, less an aggregate's rows (stored apart, in pages: a million groups
 * must not be loaded to list jobs). `value` is a task's value, exactly as the task returned it
 * (stored with v8 serialization, so Map, BigInt and NaN survive).
 */
export type ResultSummary =
  | { kind: 'aggregate'; rowCount: number; stats: unknown }
  | { kind: 'task'; value: unknown; stats: unknown }
  | { kind: 'transform'; rowsIn: number; rowsOut: number; bytesWritten: number; output: string; stats: unknown };

/** A new job for the store to queue. */
export interface NewJob {
  spec: Record<string, unknown>;
  name: string | null;
  priority: number;
  runAt: number;
  maxAttempts: number;
  /** The repeat rule queuing it, if any (JobRecord.scheduleId). */
  scheduleId: string | null;
}

/**
 * One entry of a job's event log, in the order written; ids increase across the store, so
 * "everything after id N" is a replay (SSE's Last-Event-ID).
 */
export type JobEventRecord = { id: number; jobId: string; at: number } & JobEventData;

/**
 * What the log holds. Every job's log starts with `state: queued` and ends with a final `state`
 * (succeeded, failed, cancelled), right after `done` (succeeded) or `error` (failed, cancelled).
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
  | { type: 'done'; data: ResultSummary | { kind: 'task'; stats: unknown } }
  | { type: 'error'; data: ErrorData };

export interface StateChange {
  state: JobState;
  /** running: the attempt this run is (1 for the first). */
  attempt?: number;
  /** running: the engine that claimed it. */
  owner?: string;
  /** Why a job went back to the queue, or why it ended without running. */
  reason?: string;
}

/** A repeat rule: each time its cron expression comes due it fires, and one job record is queued. */
export interface RepeatRuleRecord {
  id: string;
  name: string | null;
  spec: Record<string, unknown>;
  cron: string;
  /** IANA time zone the expression is read in; null: the engine's local time. */
  tz: string | null;
  priority: number;
  maxAttempts: number;
  createdAt: number;
  /** When it fires next (queues the next job). */
  nextRunAt: number;
  /** The job it queued last, if any. */
  lastJobId: string | null;
}

export type NewRepeatRule = Omit<RepeatRuleRecord, 'id' | 'createdAt' | 'lastJobId'>;

/** @deprecated use RepeatRuleRecord (repeat rules were first called schedules). */
export type ScheduleRecord = RepeatRuleRecord;
/** @deprecated use NewRepeatRule. */
export type NewSchedule = NewRepeatRule;

/** A page of list(): newest first; `next` is the cursor of the following page, null at the end. */
export interface JobPage {
  jobs: JobRecord[];
  next: string | null;
}

export interface ListQuery {
  state?: JobState | undefined;
  limit: number;
  /** From a previous page's `next`. */
  cursor?: string | undefined;
}

/** What cancel() did: cancelled a queued job, asked a running one's engine to stop it, or nothing. */
export type CancelOutcome = 'cancelled' | 'requested' | 'finished';

/** A job an engine has claimed: its record, and whether it was taken over from an expired lease. */
export interface Claim {
  job: JobRecord;
  recovered: boolean;
}

/** How a run ended, as the engine writes it. */
export type Outcome =
  | { state: 'succeeded'; result: ResultSummary; rows?: readonly unknown[][] | undefined }
  | { state: 'failed' | 'cancelled'; error: ErrorData };
