/**
 * Requests that were 500s and are the client's (4xx) or the disk's (507), each done for real:
 *   - a path with a name over 255 bytes (ENAMETOOLONG from the file system), or over PATH_MAX
 *     in all: 400 naming the field;
 *   - params nested 10,000 levels deep (a RangeError in the spec's check): 400 naming spec.params;
 *   - an upload into a data dir that fills up: 507 ERR_NO_SPACE naming the upload, the partial
 *     file removed. The data dir is a real 1 MiB tmpfs (the tests run as root, as CI does).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { startTestServer, TASKS_DIR, type TestServer } from '../helpers/server.ts';
import { mountTmpfs } from '../helpers/tmpfs.ts';

let t: TestServer;
const aggregate = { measures: { n: { kind: 'count' } } };

beforeAll(async () => {
  t = await startTestServer({ tasksDir: TASKS_DIR });
  writeFileSync(join(t.data, 'ok.csv'), 'k,v\na,1\n');
});

const post = (body: string) =>
  t.call('/api/jobs', { method: 'POST', body, headers: { 'content-type': 'application/json' } });

test('a name over 255 bytes, or a path over PATH_MAX: 400 naming the field', async () => {
  const long = 'x'.repeat(256);
  const deep = `${'a/'.repeat(2100)}x.csv`; // short names, 4205 bytes in all
  const cases: [unknown, string][] = [
    [{ input: `${long}.csv`, aggregate }, 'spec.input'],
    [{ input: `sub/${'é'.repeat(128)}.csv`, aggregate }, 'spec.input'], // 256 bytes in UTF-8
    [{ input: deep, aggregate }, 'spec.input'],
    [{ input: 'ok.csv', onBadRow: 'report', rejects: `${long}.csv`, aggregate }, 'spec.rejects'],
    [{ input: 'ok.csv', onBadRow: 'report', rejects: deep, aggregate }, 'spec.rejects'],
  ];
  for (const [spec, field] of cases) {
    const response = await post(JSON.stringify({ spec }));
    const body = (await response.json()) as { error: { code: string; field: string } };
    expect([field, response.status, body.error.field]).toEqual([field, 400, field]);
  }
  // 255 bytes is a name like any other: not there, so a 400 of another kind.
  const fine = await post(JSON.stringify({ spec: { input: `${'x'.repeat(251)}.csv`, aggregate } }));
  expect(await fine.json()).toMatchObject({ error: { code: 'ERR_FILE_NOT_FOUND', field: 'spec.input' } });
});

test('params nested 10,000 levels deep: 400 ERR_INVALID_OPTION naming spec.params; 64 levels are fine', async () => {
  const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  const spec = (params: string) => `{"spec":{"input":"ok.csv","task":"sum-column","params":${params}}}`;
  for (const params of [nested(10_000), `${'['.repeat(10_000)}${']'.repeat(10_000)}`]) {
    const response = await post(spec(params));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: 'ERR_INVALID_OPTION', field: 'spec.params', message: expect.stringContaining('64 levels') },
    });
  }
  // Levels count from the spec's fields (params is level 1): 64 levels in all are fine.
  expect((await post(spec(`{"column":"v","deep":${nested(62)}}`))).status).toBe(202);
  expect((await post(spec(`{"column":"v","deep":${nested(63)}}`))).status).toBe(400);
});

test('an upload that fills the disk: 507 ERR_NO_SPACE naming it, the partial file removed', async () => {
  const mnt = mountTmpfs('1m');
  const full = await startTestServer({ dataDir: mnt });
  const big = await full.call('/api/uploads?name=big.csv', { method: 'POST', body: 'x'.repeat(2 << 20) });
  expect(big.status).toBe(507);
  expect(await big.json()).toEqual({
    error: {
      code: 'ERR_NO_SPACE',
      message: 'name: no space left in the data dir for the upload uploads/big.csv',
      field: 'name',
    },
  });
  expect(readdirSync(join(mnt, 'uploads'))).toEqual([]);
  // The space came back with the partial file: a small upload fits.
  const small = await full.call('/api/uploads?name=small.csv', { method: 'POST', body: 'k,v\na,1\n' });
  expect(small.status).toBe(201);
  expect(await small.json()).toEqual({ name: 'uploads/small.csv', bytes: 8 });
});
