/**
 * `--data-dir s3://bucket/prefix`: two servers (two engines, each with its own store) on the same
 * bucket prefix see the same files. An upload through one is listed, read by a job and deleted
 * through the other; the job's result equals a local server's on the same bytes. Keys are
 * confined like paths: `..`, `%2F`, absolute keys, other buckets and keys beside the prefix are
 * 403 before the object server hears of them (a logging proxy in front of it proves it). An
 * upload that fails midway leaves no object. A real s3rver on loopback, real servers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { startServer, startUploadRetention } from 'chunkmill/server';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startLoggingProxy, type LoggingProxy } from '../helpers/logging-proxy.ts';
import { awsEnv, S3_SECRET, setEnv, startS3, type TestS3 } from '../helpers/s3.ts';
import { runCli } from '../helpers/cli.ts';
import { startServeChild, startTestServer, TOKEN, type TestServer, waitForJob } from '../helpers/server.ts';

const PREFIX = 's3://shared/team/data';
const LIMIT = 12 << 20;
let s3: TestS3;
/** In front of s3rver: every request the object server was sent, as `METHOD /path?query`. */
let proxy: LoggingProxy;
let log: string[] = [];
let a: TestServer;
let b: TestServer;
let local: TestServer;
let restoreEnv = () => {};

/** A CSV of `rows` rows over 7 keys, the same bytes for the same arguments. */
function csv(rows: number, seed: number): string {
  const lines = ['k,v'];
  for (let i = 0; i < rows; i++) lines.push(`key${(i * 3 + seed) % 7},${(i * 31 + seed) % 1000}`);
  return `${lines.join('\n')}\n`;
}
const SALES = csv(5000, 1);
const MORE = csv(3000, 2);
const spec = (input: string) => ({
  input,
  aggregate: { groupBy: ['k'], measures: { n: { kind: 'count' }, total: { kind: 'sum', column: 'v' } } },
});

beforeAll(async () => {
  s3 = await startS3();
  await s3.createBucket('shared');
  await s3.createBucket('other');
  await s3.putObject('shared', 'team/secret.csv', 'k,v\nsecret,1\n');
  await s3.putObject('shared', 'team/data-other/x.csv', 'k,v\nbeside,1\n');
  await s3.putObject('other', 'x.csv', 'k,v\nother,1\n');
  proxy = await startLoggingProxy(s3.endpoint);
  log = proxy.log;
  restoreEnv = setEnv(awsEnv(proxy.url));
  a = await startTestServer({ dataDir: `${PREFIX}/`, uploadLimit: LIMIT });
  b = await startTestServer({ dataDir: PREFIX });
  local = await startTestServer();
  mkdirSync(join(local.data, 'uploads'));
  writeFileSync(join(local.data, 'uploads', 'sales.csv'), SALES);
  writeFileSync(join(local.data, 'uploads', 'sales-2.csv'), MORE);
}, 60_000);

afterAll(async () => {
  restoreEnv();
  await proxy?.close();
  await s3?.stop();
});

const upload = (t: TestServer, name: string, body: RequestInit['body']) =>
  t.call(`/api/uploads?name=${name}`, { method: 'POST', body, headers: { 'content-type': 'text/csv' } });

/** The rows of a job's result, once it succeeded. */
async function rowsOf(t: TestServer, input: string): Promise<unknown[]> {
  const posted = await t.json<{ id: string }>('POST', '/api/jobs', { spec: spec(input) });
  expect(posted.status, JSON.stringify(posted.body)).toBe(202);
  const job = await waitForJob(t, posted.body.id, ['succeeded', 'failed']);
  expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
  expect(job.spec).toMatchObject({ input }); // shown as the client named it, never the bucket's URL
  return (await t.json<{ rows: unknown[] }>('GET', `/api/jobs/${posted.body.id}/result`)).body.rows;
}

test('the data dir option is the normalised URL; one a key could not be confined to is refused', async () => {
  expect(a.server.options.dataDir).toBe(PREFIX);
  expect(b.server.options.dataDir).toBe(PREFIX);
  for (const dataDir of [
    's3://shared/team/../x',
    's3://shared/a//b',
    's3://shared/a%2Fb',
    's3://shared/*',
    'https://example.com/data/',
  ])
    await expect(startServer({ dataDir, port: 0 }), dataDir).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      option: 'dataDir',
    });
});

test('an upload through A is an object under the prefix; B lists it and a job on B reads it as a local server would', {
  timeout: 60_000,
}, async () => {
  const first = await upload(a, 'sales.csv', SALES);
  expect([first.status, await first.json()]).toStrictEqual([201, { name: 'uploads/sales.csv', bytes: SALES.length }]);
  expect((await s3.getObject('shared', 'team/data/uploads/sales.csv'))?.toString()).toBe(SALES);
  // A taken key is never replaced: the next upload of the name gets a numbered one, as in a folder.
  const form = new FormData();
  form.append('file', new Blob([MORE], { type: 'text/csv' }), 'sales.csv');
  const second = await b.call('/api/uploads', { method: 'POST', body: form });
  expect([second.status, await second.json()]).toStrictEqual([
    201,
    { name: 'uploads/sales-2.csv', bytes: MORE.length },
  ]);
  expect((await s3.getObject('shared', 'team/data/uploads/sales.csv'))?.toString()).toBe(SALES);

  const listed = await b.json<{ files: Record<string, unknown>[] }>('GET', '/api/files');
  expect(listed.status).toBe(200);
  expect(listed.body.files.map((f) => f.name)).toStrictEqual(['uploads/sales-2.csv', 'uploads/sales.csv']);
  expect(listed.body.files[1]).toStrictEqual({
    name: 'uploads/sales.csv',
    bytes: SALES.length,
    modifiedAt: expect.any(Number),
    format: 'csv',
    gzip: false,
    columns: ['k', 'v'],
  });
  expect(Math.abs((listed.body.files[1]!.modifiedAt as number) - Date.now())).toBeLessThan(60_000);

  const expected = await rowsOf(local, 'uploads/sales.csv');
  expect(expected.length).toBe(7);
  expect(await rowsOf(b, 'uploads/sales.csv')).toStrictEqual(expected);
  expect(await rowsOf(a, 'uploads/sales*.csv')).toStrictEqual(await rowsOf(local, 'uploads/sales*.csv'));
});

test('DELETE through A removes the object: B no longer lists it, and a second DELETE is 404', async () => {
  await upload(a, 'gone.csv', 'k,v\na,1\n');
  const deleted = await a.call('/api/files/uploads/gone.csv', { method: 'DELETE' });
  expect(deleted.status).toBe(204);
  expect(await s3.getObject('shared', 'team/data/uploads/gone.csv')).toBeNull();
  const names = (await b.json<{ files: { name: string }[] }>('GET', '/api/files')).body.files.map((f) => f.name);
  expect(names).not.toContain('uploads/gone.csv');
  const again = await b.call('/api/files/uploads/gone.csv', { method: 'DELETE' });
  expect(again.status).toBe(404);
  expect(((await again.json()) as { error: { code: string } }).error.code).toBe('ERR_FILE_NOT_FOUND');
  // A job on an object that is not there is the client's 400, as for a missing file.
  const missing = await b.json<{ error: { code: string } }>('POST', '/api/jobs', { spec: spec('uploads/gone.csv') });
  expect([missing.status, missing.body.error.code]).toStrictEqual([400, 'ERR_FILE_NOT_FOUND']);
});

test('keys outside the prefix, other buckets and URLs are 403, and the object server hears nothing of them', async () => {
  const before = log.length;
  const inputs = [
    '../secret.csv',
    'uploads/../../secret.csv',
    '../data-other/x.csv',
    'uploads%2F..%2F..%2Fsecret.csv',
    'uploads%2fsales.csv',
    '/team/secret.csv',
    '//team/secret.csv',
    'uploads//sales.csv',
    './uploads/sales.csv',
    'uploads\\sales.csv',
    'C:/secret.csv',
    'uploads/{sales,..}/*.csv',
    'uploads/sales.csv\0',
    's3://other/x.csv',
    's3://shared/team/secret.csv',
    's3://shared/team/data-other/x.csv',
    's3://shared/team/data/uploads/sales.csv',
    'http://169.254.169.254/latest/meta-data/',
  ];
  for (const input of inputs) {
    const { status, body } = await b.json<{ error: { code: string } }>('POST', '/api/jobs', { spec: spec(input) });
    expect([input, status, body.error.code]).toStrictEqual([input, 403, 'ERR_PATH_FORBIDDEN']);
  }
  for (const path of [
    '..%2Fsecret.csv',
    'uploads%2F..%2F..%2Fsecret.csv',
    '..%2Fdata-other%2Fx.csv',
    '%2Fteam%2Fsecret.csv',
  ]) {
    const r = await a.call(`/api/files/${path}`, { method: 'DELETE' });
    expect([path, r.status]).toStrictEqual([path, 403]);
  }
  expect(log.slice(before)).toStrictEqual([]);
  expect(await s3.getObject('shared', 'team/secret.csv')).not.toBeNull();
  expect(await s3.getObject('shared', 'team/data-other/x.csv')).not.toBeNull();
  // Nor does a listing show what lies beside the prefix.
  const names = (await a.json<{ files: { name: string }[] }>('GET', '/api/files')).body.files.map((f) => f.name);
  expect(names.filter((n) => !n.startsWith('uploads/'))).toStrictEqual([]);
});

test("an aggregate's columns are checked against the object's header; a rejects key outside the prefix is 403", async () => {
  // An aggregate's columns are checked against the object's header at submit, as a file's are.
  const typo = await b.json<{ error: { code: string; field: string } }>('POST', '/api/jobs', {
    spec: { input: 'uploads/sales.csv', aggregate: { groupBy: ['kk'], measures: { n: { kind: 'count' } } } },
  });
  expect([typo.status, typo.body.error.code, typo.body.error.field]).toStrictEqual([
    400,
    'ERR_UNKNOWN_COLUMN',
    'spec.aggregate.groupBy[0]',
  ]);
  // Outputs and rejects inside the prefix are written as objects: s3-outputs.test.ts.
  const rejects = await b.json<{ error: { code: string } }>('POST', '/api/jobs', {
    spec: { ...spec('uploads/sales.csv'), onBadRow: 'report', rejects: '../rejects.csv' },
  });
  expect([rejects.status, rejects.body.error.code]).toStrictEqual([403, 'ERR_PATH_FORBIDDEN']);
});

test('an upload that fails midway leaves no object: past the limit after a part was sent, and a client that leaves', {
  timeout: 60_000,
}, async () => {
  // 13 MiB: the first 8 MiB part goes out as a multipart upload before the limit (12 MiB) trips.
  // Sent in pieces without a Content-Length, so the server counts it as it comes.
  const big = Buffer.alloc(13 << 20, 'a,1\n');
  const pieces = (async function* () {
    for (let i = 0; i < big.length; i += 1 << 20) yield big.subarray(i, i + (1 << 20));
  })();
  const before = log.length;
  const tooBig = await a.call('/api/uploads?name=big.csv', {
    method: 'POST',
    body: pieces,
    duplex: 'half',
    headers: { 'content-type': 'text/csv' },
  } as unknown as RequestInit);
  expect(tooBig.status).toBe(413);
  expect(log.slice(before)).toContainEqual(
    expect.stringMatching(/^POST \/shared\/team\/data\/uploads\/big\.csv\?uploads/),
  );
  expect(await s3.getObject('shared', 'team/data/uploads/big.csv')).toBeNull();

  // 9 MiB sent, then the connection is cut.
  const { port } = new URL(a.url);
  const cut = request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/api/uploads?name=cut.csv',
    headers: {
      authorization: 'Bearer test-token-0123456789abcdef',
      'content-type': 'text/csv',
      'content-length': String(LIMIT),
    },
  });
  cut.on('error', () => {});
  await new Promise<void>((resolve) => cut.write(Buffer.alloc(9 << 20, 'b,2\n'), () => resolve()));
  await new Promise((r) => setTimeout(r, 300));
  cut.destroy();
  for (const until = Date.now() + 2_000; Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
  expect(log).toContainEqual(expect.stringMatching(/^PUT \/shared\/team\/data\/uploads\/cut\.csv\?partNumber=1/));
  expect(await s3.getObject('shared', 'team/data/uploads/cut.csv')).toBeNull();
  const names = (await b.json<{ files: { name: string }[] }>('GET', '/api/files')).body.files.map((f) => f.name);
  expect(names).not.toContain('uploads/big.csv');
  expect(names).not.toContain('uploads/cut.csv');
});

test('retention deletes the objects directly under uploads/ that are older, and nothing else', async () => {
  await s3.putObject('shared', 'kept/uploads/old.csv', 'k\n1\n');
  await s3.putObject('shared', 'kept/uploads/deeper/x.csv', 'k\n1\n');
  await s3.putObject('shared', 'kept/other.csv', 'k\n1\n');
  const retention = startUploadRetention('s3://shared/kept', 3_600_000);
  try {
    expect(await retention.sweep(Date.now())).toStrictEqual([]); // none is an hour old
    expect(await retention.sweep(Date.now() + 7_200_000)).toStrictEqual(['uploads/old.csv']);
  } finally {
    retention.stop();
  }
  expect(await s3.getObject('shared', 'kept/uploads/old.csv')).toBeNull();
  expect(await s3.getObject('shared', 'kept/uploads/deeper/x.csv')).not.toBeNull();
  expect(await s3.getObject('shared', 'kept/other.csv')).not.toBeNull();
});

test('`chunkmill serve --data-dir s3://...` serves the bucket; a bucket it cannot list stops the start, naming no secret', {
  timeout: 60_000,
}, async () => {
  const tmp = a.outside; // a folder for the children's stores
  const secret = 'a-secret-that-must-never-be-printed-0123';
  const child = await startServeChild(['--data-dir', `${PREFIX}`, '--store', join(tmp, 'child.db')], {
    AWS_SECRET_ACCESS_KEY: secret,
  });
  try {
    const r = await fetch(`${child.url}/api/files`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const names = ((await r.json()) as { files: { name: string }[] }).files.map((f) => f.name);
    expect(names).toContain('uploads/sales.csv');
  } finally {
    child.child.kill('SIGTERM');
    await child.exited;
  }
  const failed = await runCli(
    ['serve', '--port', '0', '--data-dir', 's3://no-such-bucket/x', '--store', join(tmp, 'x.db')],
    {
      env: { CHUNKMILL_TOKEN: TOKEN, AWS_SECRET_ACCESS_KEY: secret },
    },
  );
  expect(failed.code).not.toBe(0);
  expect(failed.stderr).toContain('no-such-bucket');
  expect(failed.stderr).not.toContain(secret);
  expect(failed.stderr).not.toMatch(/\n\s+at /); // no stack trace
});

test('a bucket that cannot be reached is a 503 naming its code, never a credential (run last: it stops the proxy)', async () => {
  await proxy.close();
  const answers = [
    await a.call('/api/files'),
    await upload(a, 'later.csv', 'k\n1\n'),
    await a.call('/api/jobs', {
      method: 'POST',
      body: JSON.stringify({ spec: spec('uploads/sales.csv') }),
      headers: { 'content-type': 'application/json' },
    }),
  ];
  for (const r of answers) {
    const text = await r.text();
    expect([r.status, JSON.parse(text).error.code]).toStrictEqual([503, 'ERR_UNAVAILABLE']);
    expect(text).toContain('ERR_OBJECT_UNREACHABLE');
    expect(text).not.toContain(S3_SECRET);
  }
});
