/**
 * The PostgreSQL store's repeat rules (queue/repeat.ts). Firing is a compare-and-set on the
 * rule's next slot, its row locked, in the same durable transaction as the job it queues: however
 * many engines on however many hosts see the rule due, one fires each slot, and the others find
 * it moved on.
 */
import { firedJob, type JobRecord, type NewRepeatRule, type RepeatRuleRecord } from './records.js';
import { rowId, repeatRuleFromRow, type RepeatRuleRow } from './rows.js';
import type { PostgresConnection } from './postgres-connection.js';
import type { PgSteps } from './postgres-job-steps.js';
import type { Sql } from './postgres-sql.js';

export class PostgresRepeatRules {
  constructor(
    private readonly conn: PostgresConnection,
    private readonly sql: Sql,
    private readonly tx: <T>(fn: (s: PgSteps) => Promise<T>) => Promise<T>,
  ) {}

  add(rule: NewRepeatRule): Promise<RepeatRuleRecord> {
    return this.tx(async (s) => {
      const { rows } = await s.query<RepeatRuleRow & Record<string, unknown>>(this.sql.insertRepeatRule, [
        rule.name,
        JSON.stringify(rule.spec),
        rule.cron,
        rule.tz,
        rule.priority,
        rule.maxAttempts,
        rule.nextRunAt,
      ]);
      s.notify('rule');
      return repeatRuleFromRow(rows[0]!);
    });
  }

  async all(): Promise<RepeatRuleRecord[]> {
    return (await this.conn.run<RepeatRuleRow & Record<string, unknown>>(this.sql.repeatRules)).rows.map(
      repeatRuleFromRow,
    );
  }

  remove(id: string): Promise<boolean> {
    return this.tx(async (s) => ((await s.query(this.sql.deleteRepeatRule, [rowId(id)])).rowCount ?? 0) > 0);
  }

  async due(now: number): Promise<RepeatRuleRecord[]> {
    const { rows } = await this.conn.run<RepeatRuleRow & Record<string, unknown>>(this.sql.dueRepeatRules, [now]);
    return rows.map(repeatRuleFromRow);
  }

  /** Queues the rule's job and moves it to `nextRunAt` (null: it ends), if it is still at `expected`. */
  fire(id: string, expected: number, nextRunAt: number | null): Promise<JobRecord | null> {
    return this.tx(async (s) => {
      const { rows } = await s.query<RepeatRuleRow & Record<string, unknown>>(this.sql.repeatRuleForUpdate, [
        rowId(id),
      ]);
      const row = rows[0];
      // Moved on (another engine fired it), or a slot not after the one it is at (an engine whose
      // clock runs behind): either way this slot is not this engine's to fire.
      if (row === undefined || row.next_run_at !== expected || (nextRunAt !== null && nextRunAt <= expected))
        return null;
      const rule = repeatRuleFromRow(row);
      const job = await s.insertJob(firedJob(rule));
      if (nextRunAt === null) await s.query(this.sql.deleteRepeatRule, [row.id]);
      else await s.query(this.sql.advanceRepeatRule, [row.id, nextRunAt, rowId(job.id)]);
      return job;
    });
  }
}
