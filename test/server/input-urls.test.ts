/**
 * A request names a job's input: files and globs in the data dir, or an object URL under a prefix
 * the operator allows. The server must never fetch an address a request chose (SSRF against the
 * cloud metadata endpoint or loopback services): every other URL is 403 before anything is
 * fetched, which the HTTP server's own log proves. Real servers on loopback.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startHttpObjects, type HttpObjects } from '../helpers/http-objects.ts';
import { startTestServer, type TestServer, waitForJob } from '../helpers/server.ts';
import { tempDir } from '../helpers/tmp.ts';

const objects = tempDir();
let t: TestServer;
let http: HttpObjects;
const aggregate = { groupBy: ['k'], measures: { n: { kind: 'count' } } };

beforeAll(async () => {
  mkdirSync(join(objects.dir, 'exports'));
  writeFileSync(join(objects.dir, 'exports', 'day.csv'), 'k,v\na,1\nb,2\na,3\n');
  writeFileSync(join(objects.dir, 'secret.csv'), 'k,v\nsecret,1\n');
  http = await startHttpObjects(objects.dir);
  t = await startTestServer({ allowInput: [http.url('/exports/')] });
  mkdirSync(join(t.data, 'parts'));
  writeFileSync(join(t.data, 'parts', 'p1.csv'), 'k,v\na,1\n');
  writeFileSync(join(t.data, 'parts', 'p2.csv'), 'k,v\nb,2\na,3\n');
  writeFileSync(join(t.outside, 'out.csv'), 'k,v\nz,9\n');
});
afterAll(() => http?.stop());

/** The job succeeded with a: 2, b: 1 (both inputs hold those rows). */
async function expectCounts(id: string): Promise<void> {
  const job = await waitForJob(t, id, ['succeeded', 'failed']);
  expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
  const result = await t.json<{ rows: unknown[] }>('GET', `/api/jobs/${id}/result`);
  expect(result.body.rows).toStrictEqual([
    { k: 'a', n: 2 },
    { k: 'b', n: 1 },
  ]);
}

const post = (input: string) =>
  t.json<{ id: string; error: Record<string, unknown> }>('POST', '/api/jobs', { spec: { input, aggregate } });

test('URLs outside the allowed prefixes are refused with 403, and never fetched', async () => {
  const refused = [
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    't.url/api/jobs',
    http.url('/secret.csv'),
    http.url('/exports/../secret.csv'),
    http.url('/exports%2F..%2Fsecret.csv'),
    `${http.base.replace('127.0.0.1', '127.0.0.1.nip.io')}/exports/day.csv`,
    http.url('/exportsx/day.csv'),
    http.url('/exports/day.csv').replace('http://', 'http://user:pw@'),
    http.url('/exports/day.csv').replace('http://', 'https://'),
    's3://bucket/exports/day.csv',
  ].map((u) => (u === 't.url/api/jobs' ? `${t.url}/api/jobs` : u));
  const before = http.log.length;
  for (const input of refused) {
    const { status, body } = await post(input);
    expect([input, status]).toStrictEqual([input, 403]);
    expect(body.error.code).toBe('ERR_PATH_FORBIDDEN');
  }
  expect(http.log.length).toBe(before); // the object server saw no request at all
});

test('a URL under an allowed prefix runs, read by the workers', { timeout: 60_000 }, async () => {
  const { status, body } = await post(http.url('/exports/day.csv'));
  expect(status).toBe(202);
  await expectCounts(body.id);
});

test('a glob in the data dir runs over its files; one that leaves the data dir is 403', {
  timeout: 60_000,
}, async () => {
  const { status, body } = await post('parts/p*.csv');
  expect(status).toBe(202);
  await expectCounts(body.id);
  for (const input of ['../*.csv', `${t.outside}/*.csv`, 'parts/../../*.csv']) {
    const refused = await post(input);
    expect([input, refused.status]).toStrictEqual([input, 403]);
  }
});
