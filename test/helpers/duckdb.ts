/**
 * DuckDB (a devDependency) as a test's reference: an in-memory database on one thread, opened
 * before the file's tests and closed after them. Call at module level; `duck.run(sql)` gives the
 * rows as plain objects.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll } from 'vitest';

export interface Duck {
  run(sql: string): Promise<Record<string, unknown>[]>;
}

export function useDuckDb(): Duck {
  let instance: DuckDBInstance | undefined;
  let connection: Awaited<ReturnType<DuckDBInstance['connect']>> | undefined;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    connection = await instance.connect();
  });
  afterAll(() => {
    connection?.closeSync();
    instance?.closeSync();
  });
  return {
    run: async (sql) => {
      if (connection === undefined) throw new Error('useDuckDb: call it at module level, and run() in tests');
      return (await connection.runAndReadAll(sql)).getRowObjectsJS();
    },
  };
}
