/**
 * A job's checkpoint journal kept in the SQLite store (table job_journals): one row per append,
 * read back in order. An append is one short transaction; with the store's WAL and
 * synchronous=NORMAL it survives a kill -9 of the engine once committed (a power loss may lose
 * the last commits, and then only those chunks are redone). Writes are the lease holder's only
 * (JobStore.journal): a taken-over engine's late writes do nothing.
 */
import type { Journal } from '../api/journal.js';
import type { SqliteConnection } from './sqlite-connection.js';
import { rowId } from './rows.js';

export class SqliteJournal implements Journal {
  readonly name: string;
  private readonly id: number;

  constructor(
    private readonly conn: SqliteConnection,
    private readonly owner: string,
    jobId: string,
  ) {
    this.id = rowId(jobId);
    this.name = `${conn.location} (journal of job ${jobId})`;
  }

  read(): Promise<Uint8Array | null> {
    return this.conn.guard(() => this.bytes());
  }

  truncate(length: number): Promise<void> {
    return this.conn.tx(() => {
      if (!this.held()) return;
      const bytes = this.bytes();
      if ((bytes?.length ?? 0) === length) return;
      this.conn.sql.deleteJournal.run(this.id);
      if (length > 0) this.conn.sql.appendJournal.run(this.id, bytes!.subarray(0, length));
    });
  }

  append(bytes: Uint8Array): Promise<void> {
    // better-sqlite3 binds a Buffer as a BLOB (a plain Uint8Array is refused): a view, no copy.
    const blob = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.conn.tx(() => {
      if (this.held()) this.conn.sql.appendJournal.run(this.id, blob);
    });
  }

  async close(): Promise<void> {}

  remove(): Promise<void> {
    return this.conn.tx(() => {
      if (this.held()) this.conn.sql.deleteJournal.run(this.id);
    });
  }

  private bytes(): Buffer | null {
    const parts = this.conn.sql.journalParts.all(this.id) as { bytes: Buffer }[];
    return parts.length === 0 ? null : Buffer.concat(parts.map((p) => p.bytes));
  }

  private held(): boolean {
    return this.conn.sql.holds.get(this.id, this.owner) !== undefined;
  }
}
