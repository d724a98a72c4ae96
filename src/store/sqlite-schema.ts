/**
 * Opening a SQLite job store: checking that the file is one (or new), the connection's settings,
 * and the schema's migrations.
 *
 * The file is marked as chunkmill's with SQLite's `application_id` header field, and its schema
 * version is `user_version`: migration N takes a store from version N to N + 1, in one
 * transaction, so a store is always at a version this code (or a later one) knows. A store of a
 * higher version than MIGRATIONS.length is refused (ERR_STORE_VERSION), never written.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { newerStore, notAStore, storeError } from './store-errors.js';

/** "CHML" as a 32-bit integer: the application_id of every chunkmill store. */
export const APPLICATION_ID = 0x43484d4c;

/**
 * Migration i takes the schema from version i to i + 1. Never edit one that has shipped: add one.
 * (Table `schedules` holds the repeat rules, and `jobs.schedule_id` the rule that queued a job:
 * their first name, kept rather than renamed by a migration.)
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT,
    spec TEXT NOT NULL,
    state TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    run_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    progress TEXT,
    result BLOB,
    error TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_expires_at INTEGER,
    schedule_id INTEGER
  );
  CREATE INDEX jobs_queue ON jobs (state, priority DESC, id);
  CREATE INDEX jobs_lease ON jobs (lease_owner) WHERE lease_owner IS NOT NULL;
  CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
  CREATE TABLE job_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX job_events_job ON job_events (job_id, id);
  CREATE TABLE job_rows (
    job_id INTEGER NOT NULL,
    part INTEGER NOT NULL,
    rows BLOB NOT NULL,
    PRIMARY KEY (job_id, part)
  ) WITHOUT ROWID;
  CREATE TABLE schedules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT,
    spec TEXT NOT NULL,
    cron TEXT NOT NULL,
    tz TEXT,
    priority INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    next_run_at INTEGER NOT NULL,
    last_job_id INTEGER
  );
  `,
  // 1 -> 2: checkpoint journals move into the store (they were files next to it, `<store>.journals/`),
  // so the store alone holds everything a job needs to resume. One row per append, in order of
  // id. (A journal file an earlier version left is not imported: its job starts over.)
  `
  CREATE TABLE job_journals (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL,
    bytes BLOB NOT NULL
  );
  CREATE INDEX job_journals_job ON job_journals (job_id, id);
  `,
  // 2 -> 3: a job's labels (meta, with job_meta: one row per label, so a list by label is an
  // index range, not a scan of the specs) and its backoff; the queue's pause flag (one row); and
  // webhook_owed: an end written outside an engine's run (a cancel while queued, a lease
  // recovery), which an engine with webhooks takes and delivers.
  `
  ALTER TABLE jobs ADD COLUMN meta TEXT;
  ALTER TABLE jobs ADD COLUMN backoff TEXT;
  ALTER TABLE jobs ADD COLUMN webhook_owed INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX jobs_webhook_owed ON jobs (id) WHERE webhook_owed = 1;
  CREATE TABLE job_meta (
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    job_id INTEGER NOT NULL,
    PRIMARY KEY (key, value, job_id)
  ) WITHOUT ROWID;
  CREATE INDEX job_meta_job ON job_meta (job_id);
  CREATE TABLE queue_state (one INTEGER PRIMARY KEY CHECK (one = 1), paused INTEGER NOT NULL);
  INSERT INTO queue_state (one, paused) VALUES (1, 0);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** SQLite's file header: every database file starts with it. */
const SQLITE_MAGIC = 'SQLite format 3\0';

/**
 * Opens (creating if need be) the store at `path`, migrated to SCHEMA_VERSION. Throws a coded
 * store error naming the file when it is not a store, is corrupt, is read-only or is newer.
 */
export function openDatabase(path: string): Database.Database {
  checkHeader(path);
  let db: Database.Database | undefined;
  try {
    // timeout: how long a write waits for another connection's write lock (busy_timeout). Writes
    // are short (a claim, a batch of events), so waiting beats failing.
    // better-sqlite3 (a native addon) is loaded by the first store opened, not by `import 'chunkmill'`.
    const Sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');
    db = new Sqlite(path, { timeout: 5_000 });
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    const objects = (db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n;
    if (appId !== APPLICATION_ID && !(appId === 0 && version === 0 && objects === 0))
      throw notAStore(path, `a SQLite database of another program${appId !== 0 ? ` (application_id ${appId})` : ''}`);
    if (version > SCHEMA_VERSION) throw newerStore(path, version, SCHEMA_VERSION);
    // WAL: readers (a queue in another process, the CLI) never wait for the engine's writes.
    // synchronous=NORMAL: in WAL mode a power loss may drop the last commits but never corrupts;
    // a process crash (kill -9) loses nothing committed.
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal')
      throw storeError(Object.assign(new Error('cannot switch to WAL mode'), { code: 'EROFS' }), path);
    db.pragma('synchronous = NORMAL');
    migrate(db);
    return db;
  } catch (e) {
    db?.close();
    throw storeError(e, path);
  }
}

/** A file that exists and is not SQLite fails here, with a message that says so plainly. */
function checkHeader(path: string): void {
  if (!existsSync(path)) return;
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch (e) {
    throw storeError(e, path);
  }
  if (stat.isDirectory()) throw notAStore(path, 'a directory');
  if (stat.size === 0) return; // an empty file: SQLite makes it a database
  const head = Buffer.alloc(SQLITE_MAGIC.length);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw storeError(e, path);
  }
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1') !== SQLITE_MAGIC) throw notAStore(path, 'not a SQLite file');
}

/** Applies the missing migrations, each in its own immediate transaction (one process migrates). */
function migrate(db: Database.Database): void {
  for (;;) {
    const step = db.transaction(() => {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version >= SCHEMA_VERSION) return false;
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
      if (version === 0) db.pragma(`application_id = ${APPLICATION_ID}`);
      return true;
    });
    if (!step.immediate()) return;
  }
}
