/** A store named by the caller, opened: what openQueue and createEngine take. */
import { resolve } from 'node:path';
import { invalidOption } from '../errors.js';
import type { JobStore } from '../store/job-store.js';
import { isPostgresUrl } from '../store/postgres-url.js';
import { PostgresStore } from '../store/postgres-store.js';
import { SqliteStore } from '../store/sqlite-store.js';

/** A postgres:// URL as a PostgresStore, a store file as the embedded SQLite store; a JobStore as it is. */
export function openStore(store: string | JobStore): JobStore {
  if (typeof store === 'string') {
    if (store.length === 0) throw invalidOption('store', 'expected the path of a store file or a postgres:// URL');
    return isPostgresUrl(store) ? new PostgresStore(store) : new SqliteStore(resolve(store));
  }
  if (store === null || typeof store !== 'object' || typeof (store as JobStore).claim !== 'function')
    throw invalidOption('store', 'expected a file path, a postgres:// URL or a JobStore');
  return store;
}
