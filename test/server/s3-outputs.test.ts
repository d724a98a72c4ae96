/**
 * A job's outputs on a server whose data dir is a bucket prefix (a real s3rver on loopback): a
 * transform's output and its rejects file, named inside the prefix, become objects under it, and
 * the result route streams the output object back; a name outside the prefix, another bucket or
 * any URL is 403 before the job is queued. A real server, a real engine.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { awsEnv, setEnv, startS3, type TestS3 } from '../helpers/s3.ts';
import { startTestServer, TASKS_DIR, type TestServer, waitForJob } from '../helpers/server.ts';

const PREFIX = 's3://shared/team/data';
let s3: TestS3;
let t: TestServer;
let restoreEnv = () => {};

/** 3000 rows over 7 keys, and two records with a wrong field count. */
const lines = ['k,v'];
for (let i = 0; i < 3000; i++) lines.push(`key${(i * 3) % 7},${(i * 31) % 1000}`);
lines.splice(10, 0, 'short');
lines.splice(2000, 0, 'a,b,c');
const SALES = `${lines.join('\n')}\n`;

beforeAll(async () => {
  s3 = await startS3();
  await s3.createBucket('shared');
  await s3.createBucket('other');
  await s3.putObject('shared', 'team/data/sales.csv', SALES);
  restoreEnv = setEnv(awsEnv(s3.endpoint));
  t = await startTestServer({ dataDir: PREFIX, tasksDir: TASKS_DIR });
}, 60_000);

afterAll(async () => {
  restoreEnv();
  await s3?.stop();
});

const transformSpec = (output: string, rejects: string) => ({
  input: 'sales.csv',
  transform: 'select',
  params: { keep: ['v', 'k'] },
  onBadRow: 'report',
  rejects,
  output: { path: output },
});

test('a job with its output and rejects under the prefix writes both objects; its result streams the output back', {
  timeout: 60_000,
}, async () => {
  const posted = await t.json<{ id: string }>('POST', '/api/jobs', {
    spec: transformSpec('out/rows.csv', 'out/rejects.csv'),
  });
  expect(posted.status, JSON.stringify(posted.body)).toBe(202);
  const job = await waitForJob(t, posted.body.id, ['succeeded', 'failed']);
  expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
  // Shown as the client named them, never as the bucket's URLs.
  expect(job.spec).toMatchObject({ output: { path: 'out/rows.csv' }, rejects: 'out/rejects.csv' });

  const rows = await s3.getObject('shared', 'team/data/out/rows.csv');
  const expected = `v,k\n${lines
    .slice(1)
    .filter((l) => l.split(',').length === 2)
    .map((l) => l.split(',').reverse().join(','))
    .join('\n')}\n`;
  expect(rows?.toString()).toBe(expected);
  const rejects = (await s3.getObject('shared', 'team/data/out/rejects.csv'))?.toString();
  expect(rejects).toBe('line,fields,record\n11,1,short\n2001,3,"a,b,c"\n');

  const result = await t.call(`/api/jobs/${posted.body.id}/result?format=csv`);
  expect(result.status).toBe(200);
  expect(result.headers.get('content-type')).toContain('text/csv');
  expect(await result.text()).toBe(expected);
  const summary = await t.json<{ output: string; rowsOut: number }>('GET', `/api/jobs/${posted.body.id}/result`);
  expect(summary.body).toMatchObject({ output: 'out/rows.csv', rowsOut: 3000 });
  // Another format than the one written is refused, as for a file.
  expect((await t.call(`/api/jobs/${posted.body.id}/result?format=ndjson`)).status).toBe(400);
});

test('an output or rejects outside the prefix, in another bucket or at any URL is 403, and nothing is written', async () => {
  const outside = [
    '../rows.csv',
    'out/../../rows.csv',
    '/team/rows.csv',
    'out//rows.csv',
    'out%2F..%2F..%2Frows.csv',
    's3://other/rows.csv',
    's3://shared/team/rows.csv',
    's3://shared/team/data/out/by-url.csv',
    'https://example.com/rows.csv',
    'http://169.254.169.254/latest/rows.csv',
  ];
  for (const path of outside) {
    const output = await t.json<{ error: { code: string; field: string } }>('POST', '/api/jobs', {
      spec: transformSpec(path, 'out/r.csv'),
    });
    expect([path, output.status, output.body.error.code, output.body.error.field]).toStrictEqual([
      path,
      403,
      'ERR_PATH_FORBIDDEN',
      'spec.output.path',
    ]);
    const rejects = await t.json<{ error: { code: string; field: string } }>('POST', '/api/jobs', {
      spec: transformSpec('out/x.csv', path),
    });
    expect([path, rejects.status, rejects.body.error.code, rejects.body.error.field]).toStrictEqual([
      path,
      403,
      'ERR_PATH_FORBIDDEN',
      'spec.rejects',
    ]);
  }
  expect(await s3.getObject('other', 'rows.csv')).toBeNull();
  expect(await s3.getObject('shared', 'team/rows.csv')).toBeNull();
  expect(await s3.getObject('shared', 'team/data/out/by-url.csv')).toBeNull();
  // Nor may a job write over what it reads.
  const over = await t.json<{ error: { code: string } }>('POST', '/api/jobs', {
    spec: transformSpec('sales.csv', 'out/r.csv'),
  });
  expect([over.status, over.body.error.code]).toStrictEqual([400, 'ERR_INVALID_REQUEST']);
});
