/**
 * A store file that cannot be used fails with a coded error naming the file, at open, never a
 * stack trace or a silent overwrite: not SQLite, another program's SQLite database, a store of a
 * newer schema, a corrupt one, a read-only one.
 */
import { chmodSync, mkdirSync, openSync, writeSync, closeSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { expect, test } from 'vitest';
import { ChunkmillError, count, openQueue } from 'chunkmill';
import { isRoot, runAsNobody } from '../helpers/as-nobody.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();

function openError(path: string): ChunkmillError {
  try {
    openQueue(path);
  } catch (e) {
    expect(e).toBeInstanceOf(ChunkmillError);
    return e as ChunkmillError;
  }
  throw new Error(`${path} opened`);
}

test("a text file, another program's database, a directory: ERR_STORE_NOT_A_STORE, the file untouched", () => {
  const text = tmp.file('notes.db', 'region,amount\nnorth,1\n');
  expect(openError(text)).toMatchObject({ code: 'ERR_STORE_NOT_A_STORE', file: text });
  expect(readFileSync(text, 'utf8')).toBe('region,amount\nnorth,1\n');

  const foreign = `${tmp.dir}/app.db`;
  const db = new Database(foreign);
  db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)');
  db.close();
  const error = openError(foreign);
  expect(error).toMatchObject({ code: 'ERR_STORE_NOT_A_STORE', file: foreign });
  expect(error.message).toMatch(/another program/);
  mkdirSync(`${tmp.dir}/folder.db`);
  expect(openError(`${tmp.dir}/folder.db`).code).toBe('ERR_STORE_NOT_A_STORE');
});

test('a store of a newer schema version: ERR_STORE_VERSION, not migrated down or written', async () => {
  const path = `${tmp.dir}/newer.db`;
  await openQueue(path).close();
  const db = new Database(path);
  db.pragma('user_version = 99');
  db.close();
  const error = openError(path);
  expect(error).toMatchObject({ code: 'ERR_STORE_VERSION', file: path });
  expect(error.message).toMatch(/version 99/);
});

test('a corrupt store: ERR_STORE_CORRUPT naming the file, when opened or when read', async () => {
  const path = `${tmp.dir}/corrupt.db`;
  const queue = openQueue(path);
  for (let i = 0; i < 200; i++) await queue.add({ input: `/data/${i}.csv`, aggregate: { measures: { n: count() } } });
  await queue.close();
  const db = new Database(path);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, 4096); // pages 2 and 3: the schema's tables
  closeSync(fd);
  let error: ChunkmillError;
  try {
    const q = openQueue(path);
    error = await q.list({ limit: 500 }).then(
      () => {
        throw new Error('listed a corrupt store');
      },
      (e: ChunkmillError) => e,
    );
  } catch (e) {
    error = e as ChunkmillError;
  }
  expect(error).toBeInstanceOf(ChunkmillError);
  expect(error).toMatchObject({ code: 'ERR_STORE_CORRUPT', file: path });
});

test('a read-only store: ERR_STORE_READ_ONLY naming the file', async () => {
  const dir = `${tmp.dir}/ro`;
  mkdirSync(dir);
  const path = `${dir}/jobs.db`;
  await openQueue(path).close();
  chmodSync(path, 0o444);
  chmodSync(dir, 0o555);
  chmodSync(tmp.dir, 0o755);
  try {
    if (!isRoot) {
      expect(openError(path)).toMatchObject({ code: 'ERR_STORE_READ_ONLY', file: path });
      return;
    }
    // Root writes any file whatever its mode: then the check runs in a child that becomes nobody,
    // once it has loaded chunkmill and better-sqlite3's native addon. chunkmill loads the addon at
    // a store's first open (store/sqlite-schema.ts), and resolving it then reads the checkout,
    // which nobody may not enter (a clone in a 0700 folder): so root opens a scratch store first.
    const child = runAsNobody({
      asRoot: `import { openQueue } from 'chunkmill';
        import { mkdtempSync, rmSync } from 'node:fs';
        import { tmpdir } from 'node:os';
        const scratch = mkdtempSync(tmpdir() + '/chunkmill-scratch-');
        await openQueue(scratch + '/jobs.db').close();
        rmSync(scratch, { recursive: true });`,
      asNobody: `try { openQueue(${JSON.stringify(path)}); console.log('opened'); }
        catch (e) { console.log(JSON.stringify({ code: e.code, file: e.file })); }`,
    });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ code: 'ERR_STORE_READ_ONLY', file: path });
  } finally {
    chmodSync(dir, 0o755);
  }
});
