/**
 * A real PostgreSQL for a test file: a throwaway cluster (support/postgres-server.ts) started on
 * first use, shared by the file's tests, and removed after the file. Each store a test asks for
 * is a schema of its own in one database, so tests never see each other's jobs, events, locks or
 * notifications.
 */
import { afterAll } from 'vitest';
import { startPostgres, type PostgresServer } from '../../support/postgres-server.ts';

export interface TestPostgres {
  /** The cluster (started on the first call). */
  server(): Promise<PostgresServer>;
  /** A new store: the URL of a schema of its own. */
  store(label?: string): Promise<string>;
  /** A new, empty database; its URL. */
  database(): Promise<string>;
}

let schemas = 0;

/** Call at module level. `settings`: postgresql.conf settings; `hba`: pg_hba.conf lines put first. */
export function usePostgres(options: { settings?: Record<string, string>; hba?: string[] } = {}): TestPostgres {
  let started: Promise<PostgresServer> | null = null;
  let base: Promise<string> | null = null;
  const server = () => (started ??= startPostgres(options.settings, options.hba));
  afterAll(async () => {
    if (started !== null) await (await started).stop();
  });
  return {
    server,
    async store(label = 's') {
      base ??= server().then((s) => s.createDatabase('chunkmill_test'));
      return `${await base}?schema=${label}${++schemas}`;
    },
    async database() {
      return (await server()).createDatabase();
    },
  };
}
