/**
 * Each rule of "safe to expose", tested against a real server: the token (401 without it, in
 * every API route and /metrics; the dashboard's page is public), cross-site requests, the
 * loopback-only rule without a token (at bind time and in the Host header), data-dir
 * confinement (.., absolute paths, symlinks that lead out, refused before anything is opened),
 * modules only by name from the tasks dir, size limits, unknown jobs, and an internal error that
 * shows no stack.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { startServer } from 'chunkmill/server';
import { rejectionOf } from '../helpers/errors.ts';
import { runCli } from '../helpers/cli.ts';
import { startTestServer, TASKS_DIR, TOKEN, type TestServer } from '../helpers/server.ts';

let t: TestServer;
const aggregate = { measures: { n: { kind: 'count' } } };

beforeAll(async () => {
  t = await startTestServer({ tasksDir: TASKS_DIR, bodyLimit: 4096, uploadLimit: 1000 });
  writeFileSync(join(t.data, 'ok.csv'), 'k,v\na,1\n');
  writeFileSync(join(t.outside, 'secret.csv'), 'secret,x\n1,2\n');
  execFileSync('mkfifo', [join(t.outside, 'fifo.csv')]);
  symlinkSync(join(t.outside, 'secret.csv'), join(t.data, 'leak.csv'));
  symlinkSync(join(t.outside, 'fifo.csv'), join(t.data, 'pipe.csv'));
  symlinkSync(t.outside, join(t.data, 'out'));
  symlinkSync(join(t.data, 'ok.csv'), join(t.data, 'alias.csv'));
  symlinkSync('loop.csv', join(t.data, 'loop.csv'));
});

const post = (spec: unknown) => t.json<{ error: Record<string, unknown> }>('POST', '/api/jobs', { spec });

test('every API route and /metrics need the token (401, WWW-Authenticate); the page is public', async () => {
  const routes: [string, string][] = [
    ['GET', '/api/jobs'],
    ['POST', '/api/jobs'],
    ['GET', '/api/jobs/1'],
    ['GET', '/api/jobs/1/events'],
    ['GET', '/api/jobs/1/result'],
    ['POST', '/api/jobs/1/cancel'],
    ['POST', '/api/jobs/1/retry'],
    ['DELETE', '/api/jobs/1'],
    ['POST', '/api/uploads?name=a.csv'],
    ['GET', '/api/files'],
    ['GET', '/api/health'],
    ['GET', '/api/ready'],
    ['GET', '/api/events'],
    ['GET', '/api/no-such-route'],
    ['GET', '/metrics'],
  ];
  for (const [method, path] of routes) {
    for (const token of [null, 'wrong-token-0123456789', `${TOKEN}x`]) {
      const response = await t.call(path, { method, token });
      expect([method, path, token, response.status]).toEqual([method, path, token, 401]);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="chunkmill"');
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('ERR_UNAUTHORIZED');
    }
  }
  expect((await t.call('/api/health')).status).toBe(200);
  expect((await t.call('/api/health', { headers: { authorization: `bearer ${TOKEN}` } })).status).toBe(200);
  const page = await t.call('/', { token: null });
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect((await t.call('/assets/main.js', { token: null })).status).toBe(200);
});

test('a request from another site is refused (403), with the token or not', async () => {
  const foreign: Record<string, string>[] = [
    { origin: 'https://evil.example' },
    { 'sec-fetch-site': 'cross-site' },
    { origin: 'null' },
  ];
  for (const headers of foreign) {
    const response = await t.call('/api/jobs', { headers });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'ERR_CROSS_ORIGIN' } });
  }
  expect((await t.call('/api/jobs', { headers: { origin: t.url } })).status).toBe(200);
});

test('without a token: only loopback is bound (startServer and the CLI refuse), and Host must be loopback', async () => {
  const refused = await rejectionOf(startServer({ host: '0.0.0.0', port: 0, store: join(t.outside, 'x.db') }));
  expect(refused).toMatchObject({ code: 'ERR_INVALID_OPTION', option: 'host' });
  expect(existsSync(join(t.outside, 'x.db'))).toBe(false); // refused before the store was opened
  const cli = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--store', join(t.outside, 'y.db')], {
    env: { CHUNKMILL_TOKEN: undefined },
  });
  expect(cli.code).toBe(2);
  expect(cli.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0 without a token.*\[ERR_INVALID_OPTION\]/);
  expect(cli.stderr).not.toMatch(/\n\s+at /);

  const open = await startTestServer({ token: null });
  expect((await open.call('/api/health')).status).toBe(200);
  // A DNS name that resolves to 127.0.0.1 (DNS rebinding) is not a loopback Host.
  const status = await new Promise<number>((resolve, reject) => {
    const { port } = new URL(open.url);
    request({ host: '127.0.0.1', port, path: '/api/health', headers: { host: `attacker.example:${port}` } }, (r) => {
      r.resume();
      resolve(r.statusCode!);
    })
      .on('error', reject)
      .end();
  });
  expect(status).toBe(403);
});

test('paths lead nowhere outside the data dir: .., absolute, symlinks out (refused before opening: a FIFO would hang)', async () => {
  const cases: [unknown, string][] = [
    [{ input: '../secret.csv', aggregate }, 'spec.input'],
    [{ input: `${t.outside}/secret.csv`, aggregate }, 'spec.input'],
    [{ input: 'a/../../secret.csv', aggregate }, 'spec.input'],
    [{ input: 'leak.csv', aggregate }, 'spec.input'],
    [{ input: 'pipe.csv', aggregate }, 'spec.input'],
    [{ input: 'out/secret.csv', aggregate }, 'spec.input'],
    [{ input: 'loop.csv', aggregate }, 'spec.input'],
    [{ input: 'ok.csv', transform: 'select', output: { path: 'out/x.csv' } }, 'spec.output.path'],
    [{ input: 'ok.csv', transform: 'select', output: { path: 'alias.csv' } }, 'spec.output.path'],
    [{ input: 'ok.csv', onBadRow: 'report', rejects: '../r.csv', aggregate }, 'spec.rejects'],
  ];
  for (const [spec, field] of cases) {
    const { status, body } = await post(spec);
    expect([spec, status, body.error.code, body.error.field]).toEqual([spec, 403, 'ERR_PATH_FORBIDDEN', field]);
    expect(JSON.stringify(body)).not.toContain(t.outside);
  }
  expect((await t.json('GET', '/api/jobs')).body).toMatchObject({ jobs: [] }); // nothing was queued
  const files = (await t.json<{ files: { name: string }[] }>('GET', '/api/files')).body.files.map((f) => f.name);
  expect(files.sort()).toEqual(['alias.csv', 'ok.csv']);
  // A symlink that stays inside is followed; a missing file is a 400 naming the field.
  expect((await post({ input: 'alias.csv', aggregate })).status).toBe(202);
  expect(await post({ input: 'nope.csv', aggregate })).toMatchObject({
    status: 400,
    body: { error: { code: 'ERR_FILE_NOT_FOUND', field: 'spec.input' } },
  });
});

test('modules only by name from the tasks dir: a path, a file: or data: URL is refused (403)', async () => {
  for (const task of ['./slow-sum.mjs', '/etc/x.mjs', 'file:///tmp/x.mjs', 'data:text/javascript,export default 1']) {
    const { status, body } = await post({ input: 'ok.csv', task });
    expect([task, status, body.error.code, body.error.field]).toEqual([task, 403, 'ERR_MODULE_FORBIDDEN', 'spec.task']);
  }
  expect(await post({ input: 'ok.csv', task: 'no-such-task' })).toMatchObject({
    status: 400,
    body: { error: { code: 'ERR_INVALID_REQUEST', field: 'spec.task' } },
  });
  const named = await t.json<{ spec: { task: string } }>('POST', '/api/jobs', {
    spec: { input: 'ok.csv', task: 'sum-column', params: { column: 'v' } },
  });
  expect(named).toMatchObject({ status: 202, body: { spec: { task: 'sum-column' } } });
});

test("specs are validated: 400 naming the field (schema and the queue's own checks)", async () => {
  const cases: [unknown, string][] = [
    [{ aggregate }, 'spec.input'],
    [{ input: 'ok.csv', aggregate, checkpoint: '/tmp/x' }, 'spec.checkpoint'],
    [{ input: 'ok.csv', aggregate, workerResourceLimits: {} }, 'spec.workerResourceLimits'],
    [{ input: 'ok.csv', aggregate: { groupBy: [1], measures: {} } }, 'spec.aggregate.groupBy[0]'],
    [{ input: 'ok.csv', aggregate, chunkSize: 1 }, 'spec.chunkSize'],
    [{ input: 'ok.csv', aggregate, workers: '2' }, 'spec.workers'],
    [{ input: 'ok.csv', aggregate, format: 'xml' }, 'spec.format'],
    [{ input: 'ok.csv', aggregate: { measures: { x: { kind: 'median' } } } }, 'spec.aggregate.measures.x'],
  ];
  for (const [spec, field] of cases) {
    const { status, body } = await post(spec);
    expect([spec, status, body.error.field]).toEqual([spec, 400, field]);
    expect(body.error.message).toContain(field);
  }
  expect((await t.json('POST', '/api/jobs', { spec: { input: 'ok.csv', aggregate }, extra: 1 })).body).toMatchObject({
    error: { code: 'ERR_INVALID_REQUEST', field: 'extra' },
  });
  const text = await t.call('/api/jobs', {
    method: 'POST',
    body: '{"spec":',
    headers: { 'content-type': 'application/json' },
  });
  expect(text.status).toBe(400);
  const plain = await t.call('/api/jobs', { method: 'POST', body: '{}', headers: { 'content-type': 'text/plain' } });
  expect(plain.status).toBe(415);
});

test('size limits: a large body and a large upload are 413, and no partial upload is kept', async () => {
  const big = await t.json('POST', '/api/jobs', { spec: { input: 'ok.csv', aggregate, params: 'x'.repeat(5000) } });
  expect(big).toMatchObject({ status: 413, body: { error: { code: 'ERR_BODY_TOO_LARGE' } } });
  const declared = await t.call('/api/uploads?name=big.csv', { method: 'POST', body: 'x'.repeat(1001) });
  expect(declared.status).toBe(413);
  // Chunked: no Content-Length, so the count stops it part-way.
  const chunks = (async function* () {
    for (let i = 0; i < 20; i++) yield new TextEncoder().encode('y'.repeat(100));
  })();
  const streamed = await t.call('/api/uploads?name=big2.csv', {
    method: 'POST',
    body: chunks,
    duplex: 'half',
  } as unknown as RequestInit);
  expect(streamed.status).toBe(413);
  const uploads = join(t.data, 'uploads');
  mkdirSync(uploads, { recursive: true });
  expect(readdirSync(uploads)).toEqual([]);
  for (const name of ['../x.csv', 'x.exe', '.hidden.csv']) {
    const r = await t.call(`/api/uploads?name=${encodeURIComponent(name)}`, { method: 'POST', body: 'a' });
    expect([name, r.status]).toEqual([name, 400]);
  }
  const notGzip = await t.call('/api/uploads?name=x.csv.gz', { method: 'POST', body: 'a,b\n' });
  expect(notGzip.status).toBe(400);
  expect(readdirSync(uploads)).toEqual([]);
});

test('unknown jobs are 404 on every route; an internal error shows no stack and no server path', async () => {
  for (const [method, path] of [
    ['GET', '/api/jobs/424242'],
    ['GET', '/api/jobs/abc'],
    ['GET', '/api/jobs/424242/events'],
    ['GET', '/api/jobs/424242/result'],
    ['POST', '/api/jobs/424242/cancel'],
    ['DELETE', '/api/jobs/424242'],
  ] as const) {
    const { status, body } = await t.json<{ error: { code: string; message: string } }>(method, path);
    expect([method, path, status, body.error.code]).toEqual([method, path, 404, 'ERR_JOB_NOT_FOUND']);
    expect(body.error.message).not.toContain(t.outside);
  }
  const broken = await startTestServer();
  await broken.server.queue.close(); // the store goes away under a running server
  const { status, body } = await broken.json<{ error: Record<string, unknown> }>('GET', '/api/jobs/1');
  expect(status).toBeGreaterThanOrEqual(500);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'requestId']);
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/\bat .*:\d+:\d+|\.js|\.ts|database|sqlite/i);
  expect(text).not.toContain(broken.outside);
});
