/**
 * A job's checkpoint journal kept in the PostgreSQL store (table job_journals): one row per
 * append, keyed by its byte offset, read back in order, so a job interrupted on one host resumes
 * on another. An append is one statement that writes only while `owner` holds the job's lease
 * (a taken-over engine's late appends do nothing), and that a retry cannot apply twice (the
 * offset is the key). It is bookkeeping (postgres-connection.ts): it survives a kill -9 of the
 * engine once it resolves; a crash of the database server may lose the last appends, and then
 * only those chunks are redone.
 */
import type { Journal } from '../api/journal.js';
import type { PostgresConnection } from './postgres-connection.js';
import { rowId } from './rows.js';
import type { Sql } from './postgres-sql.js';

export class PostgresJournal implements Journal {
  readonly name: string;
  private readonly id: number;
  /** Bytes in the journal so far, as this writer knows them: the next append's offset. */
  private length: number | null = null;

  constructor(
    private readonly conn: PostgresConnection,
    private readonly sql: Sql,
    private readonly owner: string,
    jobId: string,
  ) {
    this.id = rowId(jobId);
    this.name = `${conn.target.location} (journal of job ${jobId})`;
  }

  async read(): Promise<Uint8Array | null> {
    const { rows } = await this.conn.run<{ pos: number; bytes: Buffer }>(this.sql.journalParts, [this.id]);
    if (rows.length === 0) return null;
    const bytes = Buffer.concat(rows.map((r) => r.bytes));
    this.length = bytes.length;
    return bytes;
  }

  truncate(length: number): Promise<void> {
    return this.conn.tx('bookkeeping', async (client) => {
      if ((await client.query(this.sql.holds, [this.id, this.owner])).rows.length === 0) return;
      const { rows } = await client.query<{ bytes: Buffer }>(this.sql.journalParts, [this.id]);
      const bytes = Buffer.concat(rows.map((r) => r.bytes));
      this.length = Math.min(length, bytes.length);
      if (bytes.length === length) return;
      await client.query(this.sql.deleteJournal, [this.id]);
      if (length > 0) await client.query(this.sql.appendJournal, [this.id, this.owner, 0, bytes.subarray(0, length)]);
    });
  }

  async append(bytes: Uint8Array): Promise<void> {
    const blob = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.length === null)
      this.length = (await this.conn.run<{ length: number }>(this.sql.journalLength, [this.id])).rows[0]!.length;
    await this.conn.run(this.sql.appendJournal, [this.id, this.owner, this.length, blob]);
    this.length += blob.length;
  }

  async close(): Promise<void> {}

  async remove(): Promise<void> {
    await this.conn.run(this.sql.removeJournal, [this.id, this.owner]);
    this.length = null;
  }
}
