/**
 * Turning the stores' rows into records and back, for SQLite and PostgreSQL alike: their tables
 * have the same columns (in each database's types: a flag is 0/1 in SQLite and a boolean in
 * PostgreSQL; the repeat rule a job came from is `schedule_id` in SQLite, whose table kept the
 * rules' first name, and `repeat_rule_id` in PostgreSQL). Specs, progress, events and errors are
 * JSON (a person can read them with the database's own shell); results and result rows are
 * v8-serialized, so a task's value comes back exactly as it was returned (Map, BigInt, NaN, typed
 * arrays).
 */
import { deserialize, serialize } from 'node:v8';
import { inspect } from 'node:util';
import type { StoredSpec } from '../api/job-model/index.js';
import type { JobEventData, JobEventRecord, JobRecord, JobState, NewJob, RepeatRuleRecord } from './records.js';

export interface JobRow {
  id: number;
  name: string | null;
  spec: string;
  state: string;
  priority: number;
  created_at: number;
  run_at: number;
  started_at: number | null;
  finished_at: number | null;
  attempts: number;
  max_attempts: number;
  progress: string | null;
  result: Buffer | null;
  error: string | null;
  cancel_requested: number | boolean;
  lease_owner: string | null;
  lease_expires_at: number | null;
  /** SQLite's name of the column. */
  schedule_id?: number | null;
  /** PostgreSQL's name of the column. */
  repeat_rule_id?: number | null;
  /** JSON: the job's labels (null: none). */
  meta: string | null;
  /** JSON: its Backoff (null: none). */
  backoff: string | null;
}

export function jobFromRow(row: JobRow): JobRecord {
  const ruleId = row.repeat_rule_id ?? row.schedule_id ?? null;
  return {
    id: String(row.id),
    name: row.name,
    state: row.state as JobState,
    spec: JSON.parse(row.spec) as StoredSpec,
    priority: row.priority,
    createdAt: row.created_at,
    runAt: row.run_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    progress: row.progress === null ? null : JSON.parse(row.progress),
    result: row.result === null ? null : deserialize(row.result),
    error: row.error === null ? null : JSON.parse(row.error),
    cancelRequested: row.cancel_requested === true || row.cancel_requested === 1,
    owner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    scheduleId: ruleId === null ? null : String(ruleId),
    meta: row.meta === null ? {} : JSON.parse(row.meta),
    backoff: row.backoff === null ? null : JSON.parse(row.backoff),
  };
}

export interface EventRow {
  id: number;
  job_id: number;
  at: number;
  type: string;
  data: string;
}

export function eventFromRow(row: EventRow): JobEventRecord {
  return {
    id: row.id,
    jobId: String(row.job_id),
    at: row.at,
    type: row.type,
    data: JSON.parse(row.data),
  } as JobEventRecord;
}

/** A repeat rule's row (SQLite's table is still `schedules`, the rules' first name: see sqlite-schema.ts). */
export interface RepeatRuleRow {
  id: number;
  name: string | null;
  spec: string;
  cron: string;
  tz: string | null;
  priority: number;
  max_attempts: number;
  created_at: number;
  next_run_at: number;
  last_job_id: number | null;
}

export function repeatRuleFromRow(row: RepeatRuleRow): RepeatRuleRecord {
  return {
    id: String(row.id),
    name: row.name,
    spec: JSON.parse(row.spec) as StoredSpec,
    cron: row.cron,
    tz: row.tz,
    priority: row.priority,
    maxAttempts: row.max_attempts,
    createdAt: row.created_at,
    nextRunAt: row.next_run_at,
    lastJobId: row.last_job_id === null ? null : String(row.last_job_id),
  };
}

/**
 * An event's data as JSON. A user's ctx.progress value need not be JSON (a BigInt, a cycle): it
 * is then kept as its inspect() text rather than failing the job's writes.
 */
export function eventJson(event: JobEventData): string {
  try {
    return JSON.stringify(event.data);
  } catch {
    return JSON.stringify({ ...event.data, value: inspect((event.data as { value?: unknown }).value) });
  }
}

/** A new job's labels and backoff as their columns, and its labels as the (key, value) rows list() filters on. */
export function extrasOf(job: NewJob): { meta: string | null; backoff: string | null; pairs: [string, string][] } {
  const pairs = Object.entries(job.meta ?? {});
  return {
    meta: pairs.length === 0 ? null : JSON.stringify(job.meta),
    backoff: job.backoff == null ? null : JSON.stringify(job.backoff),
    pairs,
  };
}

export const pack = (value: unknown): Buffer => serialize(value);
export const unpack = (blob: Buffer): unknown => deserialize(blob);

/** A string id as the integer key of both stores; -1 (no row has it) for anything that is not one. */
export function rowId(id: string): number {
  return typeof id === 'string' && /^\d{1,15}$/.test(id) ? Number(id) : -1;
}
