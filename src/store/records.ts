/**
 * What a job store holds, as plain data: job records, their event log, and repeat rules.
 * Types, and the first event of a new job (every store writes the same). Times are milliseconds since the epoch (Date.now()); ids are strings, so a backend
 * other than SQLite is free to choose its own. The job record, its states and its events are
 * the API's too, so they live in api/wire.ts (shared with the server and the dashboard).
 */
import type { StoredSpec } from '../api/job-model/index.js';
import type { Backoff, JobMeta, JobRecord, JobState, ResultSummary, StateChange } from '../api/wire.js';
import type { ErrorData } from '../errors.js';

export type {
  Backoff,
  BulkAction,
  BulkOutcome,
  FinalState,
  JobMeta,
  JobEventData,
  JobEventRecord,
  JobRecord,
  JobState,
  ResultSummary,
  StateChange,
  WebhookDelivery,
} from '../api/wire.js';
export { FINAL_STATES, JOB_STATES } from '../api/wire.js';

/** A new job for the store to queue. */
export interface NewJob {
  spec: StoredSpec;
  name: string | null;
  priority: number;
  /**
   * Milliseconds after the store queues it that the job may start (0: now), counted on the
   * store's own clock from the instant it records `createdAt`: so `runAt - createdAt` is the
   * delay exactly, wherever the caller's clock or the wait for the store puts its call.
   */
  delay: number;
  maxAttempts: number;
  /** The repeat rule queuing it, if any (JobRecord.scheduleId). */
  scheduleId: string | null;
  /**
   * The failed or cancelled job this one retries (queue.retry): its first event is then
   * `state: queued` with reason 'retried' and this `retryOf`. A store that leaves it out only
   * loses the link.
   */
  retryOf?: string | undefined;
  /** The caller's labels (checked by the queue: META_LIMITS); none: {}. */
  meta?: JobMeta | undefined;
  /** How a transient fault is retried; none: it fails the job. */
  backoff?: Backoff | null | undefined;
}

/** A new job's first event: `state: queued`, and for a retry, which job it retries. */
export function queuedChange(job: NewJob): StateChange {
  return job.retryOf === undefined ? { state: 'queued' } : { state: 'queued', reason: 'retried', retryOf: job.retryOf };
}

/** The error of a job cancelled before it ran. */
export const CANCELLED_QUEUED: ErrorData = { code: 'ABORT_ERR', message: 'The job was cancelled before it ran' };

/** A repeat rule: each time its cron expression comes due it fires, and one job record is queued. */
export interface RepeatRuleRecord {
  id: string;
  name: string | null;
  spec: StoredSpec;
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

/** The job a repeat rule queues each time it fires: its spec, name, priority and attempts, to run now. */
export function firedJob(rule: RepeatRuleRecord): NewJob {
  const { spec, name, priority, maxAttempts } = rule;
  return { spec, name, priority, delay: 0, maxAttempts, scheduleId: rule.id };
}

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
  /** Only jobs with each of these labels (key and value equal). */
  meta?: JobMeta | undefined;
  /** Only jobs whose name contains this text (case-insensitive, ASCII). */
  name?: string | undefined;
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
