/**
 * examples/web-app.ts, compiled (npm run build:examples), run as a real child process on a free
 * port, used as its page uses it: a CSV uploaded with a real multipart request through the app's
 * own route, a report started, its SSE stream followed through the job's link (no token) to the
 * end, its result equal to processSerial's; then a report on a file with a bad amount fails, the
 * file is fixed, and the retry (a new job) succeeds. The app's token never reaches the browser.
 * The app's page and chunkmill's dashboard under /chunkmill/ answer too.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { count, processSerial, sum } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { tempDir } from '../helpers/tmp.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/dist/web-app.js', import.meta.url));
const TOKEN = 'web-app-secret-0123456789abcdef';
const tmp = tempDir();
const data = join(tmp.dir, 'data');
let child: ChildProcess;
let url = '';
let output = '';

beforeAll(async () => {
  mkdirSync(data);
  await generate(join(tmp.dir, 'sales.csv'), 'sales', { rows: 20_000, seed: 5 });
  child = spawn(process.execPath, [EXAMPLE, data, '0'], {
    cwd: tmp.dir, // its store, jobs.db, goes here
    env: { ...process.env, CHUNKMILL_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  for (const until = Date.now() + 30_000; url === ''; ) {
    url = /listening on (http:\/\/\S+);/.exec(output)?.[1] ?? '';
    if (child.exitCode !== null || Date.now() > until) throw new Error(`the example did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}, 60_000);
afterAll(() => {
  child?.kill('SIGKILL');
});

interface Report {
  id: string;
  events: string;
  result: string;
}

async function upload(name: string, bytes: Buffer): Promise<{ name: string; bytes: number }> {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'text/csv' }), name);
  const response = await fetch(`${url}/uploads`, { method: 'POST', body: form });
  const text = await response.text();
  expect(response.status, text).toBe(201);
  expect(text).not.toContain(TOKEN);
  return JSON.parse(text) as { name: string; bytes: number };
}

async function post(path: string, body?: unknown): Promise<Report> {
  const response = await fetch(url + path, {
    method: 'POST',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  expect(response.status, text).toBeLessThan(300);
  expect(text).not.toContain(TOKEN);
  const report = JSON.parse(text) as Report;
  expect(report.events).toMatch(new RegExp(`^/chunkmill/api/jobs/${report.id}/events\\?access=`));
  return report;
}

/** The job's SSE stream, read through its link (no Authorization header) until the server ends it. */
async function follow(report: Report): Promise<{ events: string[]; states: string[]; text: string }> {
  const response = await fetch(url + report.events, { headers: { accept: 'text/event-stream' } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const text = await response.text();
  const events = [...text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]!);
  const states = [...text.matchAll(/"state":"(\w+)"/g)].map((m) => m[1]!);
  return { events, states, text };
}

test('upload (multipart), report, progress over SSE to the end, the result', { timeout: 60_000 }, async () => {
  const bytes = readFileSync(join(tmp.dir, 'sales.csv'));
  const uploaded = await upload('sales.csv', bytes);
  expect(uploaded).toEqual({ name: 'uploads/sales.csv', bytes: bytes.length });
  const report = await post('/reports', { file: uploaded.name });
  const { events, states, text } = await follow(report);
  expect(events).toContain('progress');
  expect(states.at(-1)).toBe('succeeded');
  expect(events.at(-1)).toBe('end');
  expect(text).toMatch(/event: end\ndata: \{"reason":"finished"/);
  const result = (await (await fetch(url + report.result)).json()) as { rows: unknown[] };
  const serial = await processSerial({
    input: join(tmp.dir, 'sales.csv'),
    aggregate: { groupBy: ['region'], measures: { orders: count(), revenue: sum('amount') } },
  });
  expect(result.rows).toStrictEqual(serial.rows);
});

test('a report that fails is retried once its file is fixed: a new job, which succeeds', {
  timeout: 60_000,
}, async () => {
  const uploaded = await upload('bad.csv', Buffer.from('region,amount\nnorth,1\nsouth,lots\n'));
  const failed = await post('/reports', { file: uploaded.name });
  const first = await follow(failed);
  expect(first.states.at(-1)).toBe('failed');
  expect(first.events).toContain('failed'); // the job's failure, not EventSource's own `error`
  writeFileSync(join(data, uploaded.name), 'region,amount\nnorth,1\nsouth,2\n');
  const retried = await post(`/reports/${failed.id}/retry`);
  expect(retried.id).not.toBe(failed.id);
  expect((await follow(retried)).states.at(-1)).toBe('succeeded');
  const result = (await (await fetch(url + retried.result)).json()) as { rows: unknown[] };
  expect(result.rows).toStrictEqual([
    { region: 'north', orders: 1, revenue: 1 },
    { region: 'south', orders: 1, revenue: 2 },
  ]);
  // A report is refused what the browser may not name: no file, or a path out of the data dir.
  expect((await fetch(`${url}/reports`, { method: 'POST' })).status).toBe(400);
  const outside = await fetch(`${url}/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ file: '../sales.csv' }),
  });
  expect(outside.status).toBe(403);
});

test("the app's page, and chunkmill's dashboard and API under /chunkmill", async () => {
  expect(await (await fetch(`${url}/`)).text()).toContain('<h1>Orders by region</h1>');
  expect(await (await fetch(`${url}/chunkmill/`)).text()).toContain('src="assets/main.js"');
  expect((await fetch(`${url}/chunkmill/api/jobs`)).status).toBe(401); // the token stays the app's
});
