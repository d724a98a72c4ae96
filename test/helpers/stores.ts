/**
 * The stores a contract test runs against, for describe.each: SQLite (a file in the test file's
 * temp dir) and PostgreSQL (a schema of its own in the test file's throwaway cluster). A test
 * written once against `kind.fresh()` checks that both stores keep the same promises.
 */
import pg from 'pg';
import { usePostgres } from './postgres.ts';
import { tempDir } from './tmp.ts';
import Database from 'better-sqlite3';

export interface StoreKind {
  name: 'sqlite' | 'postgres';
  /** A new, empty store's name: a file path or a postgres:// URL. */
  fresh(label?: string): Promise<string>;
  /** Sets a repeat rule's next slot in the store behind the API's back (slots missed while no engine ran). */
  setNextRun(store: string, ruleId: string, at: number): Promise<void>;
}

let files = 0;

/** Call at module level: `describe.each(storeKinds())('$name store', (kind) => ...)`. */
export function storeKinds(): StoreKind[] {
  const tmp = tempDir();
  const pgs = usePostgres();
  return [
    {
      name: 'sqlite',
      fresh: async (label = 'store') => `${tmp.dir}/${label}-${++files}.db`,
      async setNextRun(store, ruleId, at) {
        const db = new Database(store);
        db.prepare('UPDATE schedules SET next_run_at = ? WHERE id = ?').run(at, Number(ruleId));
        db.close();
      },
    },
    {
      name: 'postgres',
      fresh: (label = 'store') => pgs.store(label.replace(/\W/g, '_')),
      async setNextRun(store, ruleId, at) {
        const url = new URL(store);
        const schema = url.searchParams.get('schema')!;
        url.search = '';
        const client = new pg.Client(url.href);
        await client.connect();
        await client.query(`UPDATE "${schema}".repeat_rules SET next_run_at = $1 WHERE id = $2`, [at, Number(ruleId)]);
        await client.end();
      },
    },
  ];
}
