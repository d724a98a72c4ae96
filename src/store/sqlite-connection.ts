/**
 * One connection to a SQLite store file: the database (opened and migrated), its prepared
 * statements, and the two ways every store method reaches them: `guard` (a read; failures
 * become coded store errors) and `tx` (a change, in an immediate transaction).
 *
 * better-sqlite3 is synchronous; every statement is short (an indexed lookup, a few rows
 * written), so a call holds the event loop for microseconds, and both return promises so that
 * callers are written for a backend that is not. Immediate transactions take SQLite's write lock
 * first, so two engines' claims are serialised and never both take one job.
 */
import type Database from 'better-sqlite3';
import { openDatabase } from './sqlite-schema.js';
import { prepareStatements, type Statements } from './sqlite-statements.js';
import { storeError } from './store-errors.js';

export class SqliteConnection {
  readonly sql: Statements;
  private readonly db: Database.Database;
  private readonly adhoc = new Map<string, Database.Statement>();
  private dataVersion = -1;
  /** Writes through this connection since changed() last looked: data_version counts only others'. */
  private ownWrites = 0;

  constructor(readonly location: string) {
    this.db = openDatabase(location);
    try {
      this.sql = prepareStatements(this.db);
    } catch (e) {
      this.db.close();
      throw storeError(e, location);
    }
  }

  /** A statement built at run time (list()'s filters), prepared once per text. */
  prepare(text: string): Database.Statement {
    let statement = this.adhoc.get(text);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      this.adhoc.set(text, statement);
    }
    return statement;
  }

  /** fn's value, or its failure as a coded store error naming the file. */
  guard<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(storeError(e, this.location));
    }
  }

  /** fn in an immediate transaction (the write lock first): a claim or cancel is never half done. */
  tx<T>(fn: () => T): Promise<T> {
    return this.guard(() => {
      const result = this.db.transaction(fn).immediate();
      this.ownWrites++;
      return result;
    });
  }

  /** True when anything was written, by this connection or another, since the last call. */
  changed(): Promise<boolean> {
    return this.guard(() => {
      const version = this.db.pragma('data_version', { simple: true }) as number;
      const changed = version !== this.dataVersion || this.ownWrites > 0;
      this.dataVersion = version;
      this.ownWrites = 0;
      return changed;
    });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
