/**
 * The SQLite store's repeat rules (queue/repeat.ts): a cron expression and the spec of the job
 * it queues each time it fires. Firing is a compare-and-set on the rule's next slot, in the same
 * transaction as the job it queues, so two engines never both queue one slot.
 */
import { firedJob, type JobRecord, type NewRepeatRule, type RepeatRuleRecord } from './records.js';
import type { SqliteConnection } from './sqlite-connection.js';
import { insertJob } from './sqlite-job-steps.js';
import { repeatRuleFromRow, rowId, type RepeatRuleRow } from './rows.js';

export class SqliteRepeatRules {
  constructor(private readonly conn: SqliteConnection) {}

  add(rule: NewRepeatRule): Promise<RepeatRuleRecord> {
    const { sql } = this.conn;
    return this.conn.tx(() => {
      const { lastInsertRowid } = sql.insertRepeatRule.run(
        rule.name,
        JSON.stringify(rule.spec),
        rule.cron,
        rule.tz,
        rule.priority,
        rule.maxAttempts,
        Date.now(),
        rule.nextRunAt,
      );
      return repeatRuleFromRow(sql.repeatRule.get(lastInsertRowid) as RepeatRuleRow);
    });
  }

  all(): Promise<RepeatRuleRecord[]> {
    return this.conn.guard(() => (this.conn.sql.repeatRules.all() as RepeatRuleRow[]).map(repeatRuleFromRow));
  }

  remove(id: string): Promise<boolean> {
    return this.conn.tx(() => this.conn.sql.deleteRepeatRule.run(rowId(id)).changes > 0);
  }

  due(now: number): Promise<RepeatRuleRecord[]> {
    return this.conn.guard(() => (this.conn.sql.dueRepeatRules.all(now) as RepeatRuleRow[]).map(repeatRuleFromRow));
  }

  /** Queues the rule's job and moves it to `nextRunAt` (null: it ends), if it is still at `expected`. */
  fire(id: string, expected: number, nextRunAt: number | null, now: number): Promise<JobRecord | null> {
    const { sql } = this.conn;
    return this.conn.tx(() => {
      const row = sql.repeatRule.get(rowId(id)) as RepeatRuleRow | undefined;
      if (row === undefined || row.next_run_at !== expected) return null;
      const rule = repeatRuleFromRow(row);
      const job = insertJob(sql, firedJob(rule), now);
      if (nextRunAt === null) sql.deleteRepeatRule.run(row.id);
      else sql.advanceRepeatRule.run(nextRunAt, rowId(job.id), row.id);
      return job;
    });
  }
}
