/**
 * DELETE /api/files/<name>: removes one data file of the listing, confined as a job's input is.
 * 204 and the file is gone (and no longer listed); 404 for a name that is not there; 403 for a
 * path out of the data dir (.., a symlink that leads out) or the job store; 400 for a name the
 * listing could never show (no data extension, a dot file); 401 without the token.
 */
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  mkdirSync(join(t.data, 'uploads'));
  writeFileSync(join(t.data, 'uploads/a b.csv'), 'x\n1\n');
  writeFileSync(join(t.data, 'notes.md'), 'keep');
  writeFileSync(join(t.data, '.hidden.csv'), 'x\n1\n');
  writeFileSync(join(t.outside, 'secret.csv'), 'x\n1\n');
  symlinkSync(join(t.outside, 'secret.csv'), join(t.data, 'leak.csv'));
  symlinkSync(join(t.outside, 'jobs.db'), join(t.data, 'store.csv'));
});

const remove = (name: string, token?: null) => t.call(`/api/files/${name}`, { method: 'DELETE', token });

test('an upload is removed: 204, gone from the disk and the listing; again 404', async () => {
  const listed = await t.json<{ files: { name: string; bytes: number; modifiedAt: number }[] }>('GET', '/api/files');
  const file = listed.body.files.find((f) => f.name === 'uploads/a b.csv');
  expect(file).toMatchObject({ bytes: 4 });
  expect(Number.isInteger(file?.modifiedAt)).toBe(true);
  expect((await remove('uploads/a b.csv', null)).status).toBe(401);
  expect((await remove('uploads/a%20b.csv')).status).toBe(204);
  expect(existsSync(join(t.data, 'uploads/a b.csv'))).toBe(false);
  const after = await t.json<{ files: { name: string }[] }>('GET', '/api/files');
  expect(after.body.files.map((f) => f.name)).not.toContain('uploads/a b.csv');
  const again = await remove('uploads/a%20b.csv');
  expect(again.status).toBe(404);
  expect(await again.json()).toMatchObject({ error: { code: 'ERR_FILE_NOT_FOUND', field: 'name' } });
});

test('confined: out of the data dir and the store are 403; other names 400; nothing removed', async () => {
  expect((await remove('..%2Fsecret.csv')).status).toBe(403);
  expect((await remove('leak.csv')).status).toBe(403);
  expect((await remove('store.csv')).status).toBe(403);
  expect((await remove('notes.md')).status).toBe(400);
  expect((await remove('.hidden.csv')).status).toBe(400);
  expect(existsSync(join(t.outside, 'secret.csv'))).toBe(true);
  expect(existsSync(join(t.outside, 'jobs.db'))).toBe(true);
  expect(existsSync(join(t.data, 'notes.md'))).toBe(true);
  expect(existsSync(join(t.data, '.hidden.csv'))).toBe(true);
});
