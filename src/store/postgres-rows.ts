/**
 * Turning the PostgreSQL store's rows into records. The columns are the SQLite store's, in
 * PostgreSQL's types (bigint read as numbers, boolean, bytea as Buffer), so the records are
 * the same: JSON text parsed, results and result rows v8-deserialized (sqlite-rows.ts has pack).
 */
import type { StoredSpec } from '../api/job-model/index.js';
import type { JobEventRecord, JobRecord, JobState, RepeatRuleRecord } from './records.js';
import { unpack } from './sqlite-rows.js';

export interface PgJobRow {
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
  cancel_requested: boolean;
  lease_owner: string | null;
  lease_expires_at: number | null;
  repeat_rule_id: number | null;
}

export function jobFromPgRow(row: PgJobRow): JobRecord {
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
    result: row.result === null ? null : (unpack(row.result) as JobRecord['result']),
    error: row.error === null ? null : JSON.parse(row.error),
    cancelRequested: row.cancel_requested,
    owner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    scheduleId: row.repeat_rule_id === null ? null : String(row.repeat_rule_id),
  };
}

export interface PgEventRow {
  id: number;
  job_id: number;
  at: number;
  type: string;
  data: string;
}

export function eventFromPgRow(row: PgEventRow): JobEventRecord {
  return {
    id: row.id,
    jobId: String(row.job_id),
    at: row.at,
    type: row.type,
    data: JSON.parse(row.data),
  } as JobEventRecord;
}

export interface PgRepeatRuleRow {
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

export function repeatRuleFromPgRow(row: PgRepeatRuleRow): RepeatRuleRecord {
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

/** A string id as the bigint key; -1 (no row has it) for anything that is not one. */
export function pgId(id: string): number {
  return typeof id === 'string' && /^\d{1,15}$/.test(id) ? Number(id) : -1;
}
