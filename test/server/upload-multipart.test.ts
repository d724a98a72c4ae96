/**
 * POST /api/uploads with multipart/form-data (issue #22, defect 2): a browser's FormData and
 * `curl -F` were stored as they came, boundary and all, and answered 201. A real server, real
 * multipart bodies (Node's FormData + fetch, curl when installed, and hand-written bodies for
 * the malformed cases), real files in the data dir: the stored bytes are the file's own, a job
 * reads them; one file part exactly, small fields only, other content types 415; the raw upload
 * works as before.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, expect, test } from 'vitest';
import { startTestServer, TOKEN, waitForJob, type TestServer } from '../helpers/server.ts';

const CSV = 'k,v\na,1\nb,2\na,3\n';
const LIMIT = 64 * 1024;
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ uploadLimit: LIMIT });
});

const uploads = () => (existsSync(join(t.data, 'uploads')) ? readdirSync(join(t.data, 'uploads')).sort() : []);
const stored = (name: string) => readFileSync(join(t.data, name), 'utf8');

function form(...files: [field: string, body: string, filename: string][]): FormData {
  const data = new FormData();
  for (const [field, body, filename] of files) data.append(field, new Blob([body], { type: 'text/csv' }), filename);
  return data;
}

const post = (query: string, body: RequestInit['body'], headers: Record<string, string> = {}) =>
  t.call(`/api/uploads${query}`, { method: 'POST', body, headers });

interface ErrorBody {
  code: string;
  message: string;
  field?: string;
}
const errorOf = async (r: Response) => ((await r.json()) as { error: ErrorBody }).error;

/** A multipart body written by hand, sent in small pieces (no Content-Length). */
function handMade(boundary: string, text: string): RequestInit {
  const bytes = Buffer.from(text);
  const chunks = (async function* () {
    for (let i = 0; i < bytes.length; i += 4096) yield bytes.subarray(i, i + 4096);
  })();
  return {
    method: 'POST',
    body: chunks,
    duplex: 'half',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  } as unknown as RequestInit;
}

test('FormData: the file part is stored as its own bytes, named by ?name= or its file name, and a job reads it', {
  timeout: 30_000,
}, async () => {
  const named = await post('?name=formed.csv', form(['file', CSV, 'ignored.csv']));
  expect(named.status).toBe(201);
  expect(await named.json()).toEqual({ name: 'uploads/formed.csv', bytes: CSV.length });
  expect(stored('uploads/formed.csv')).toBe(CSV); // no boundary, no part headers
  // No ?name=: the part's file name, made safe; a taken one gets a suffix as before.
  const data = form(['upload', CSV, 'my sales (1).csv']);
  data.append('label', 'a small field before nothing: allowed and ignored');
  const unnamed = await post('', data);
  expect(await unnamed.json()).toEqual({ name: 'uploads/my_sales__1_.csv', bytes: CSV.length });
  expect(await (await post('', form(['f', 'k,v\n', 'my sales (1).csv']))).json()).toEqual({
    name: 'uploads/my_sales__1_-2.csv',
    bytes: 4,
  });
  const { body } = await t.json<{ id: string }>('POST', '/api/jobs', {
    spec: { input: 'uploads/formed.csv', aggregate: { groupBy: ['k'], measures: { s: { kind: 'sum', column: 'v' } } } },
  });
  await waitForJob(t, body.id, ['succeeded']);
  expect((await t.json('GET', `/api/jobs/${body.id}/result`)).body).toMatchObject({
    rows: [
      { k: 'a', s: 4 },
      { k: 'b', s: 2 },
    ],
  });
});

test('exactly one file part: two, none, a too-long field, an unusable file name are 400s that say so, nothing kept', async () => {
  const before = uploads();
  const two = await post('?name=two.csv', form(['a', CSV, 'a.csv'], ['b', CSV, 'b.csv']));
  expect(two.status).toBe(400);
  expect(await errorOf(two)).toMatchObject({ code: 'ERR_INVALID_REQUEST', field: 'file' });
  const fieldsOnly = new FormData();
  fieldsOnly.append('name', 'x.csv');
  const none = await post('?name=none.csv', fieldsOnly);
  expect(await errorOf(none)).toEqual({
    code: 'ERR_INVALID_REQUEST',
    field: 'file',
    message: 'file: the form has no file part: send the file as one part, e.g. curl -F file=@sales.csv',
  });
  const long = form(['file', CSV, 'long.csv']);
  long.append('comment', 'x'.repeat(20_000));
  const tooLong = await post('', long);
  expect(tooLong.status).toBe(400);
  expect((await errorOf(tooLong)).field).toBe('comment');
  const noExtension = await post('', form(['file', CSV, 'notes']));
  expect(await errorOf(noExtension)).toMatchObject({ field: 'filename' });
  const noName = await post('', form(['file', CSV, '...']));
  expect(await errorOf(noName)).toMatchObject({ field: 'filename' });
  expect(uploads()).toEqual(before);
});

test('a malformed or cut multipart body is a 400, a file part over the limit a 413; no partial file is kept', async () => {
  const before = uploads();
  const noBoundary = await post('?name=nb.csv', 'k,v\n', { 'content-type': 'multipart/form-data' });
  expect(noBoundary.status).toBe(400);
  expect((await errorOf(noBoundary)).message).toMatch(/^form: the multipart body is not well-formed/);
  const cut = await t.call(
    '/api/uploads?name=cut.csv',
    handMade('XyZ', '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\n\r\nk,v\na,1\n'),
  );
  expect(cut.status).toBe(400);
  // Chunked, so only the count can stop it: the file part passes the limit part-way.
  const big = await t.call(
    '/api/uploads?name=big.csv',
    handMade(
      'B0und',
      `--B0und\r\nContent-Disposition: form-data; name="file"; filename="b.csv"\r\n\r\n${'y'.repeat(LIMIT + 10)}\r\n--B0und--\r\n`,
    ),
  );
  expect(big.status).toBe(413);
  expect((await errorOf(big)).code).toBe('ERR_BODY_TOO_LARGE');
  // Declared: a FormData's length is known, so it is refused before a byte is read.
  const declared = await post('?name=big2.csv', form(['file', 'z'.repeat(LIMIT * 2), 'b.csv']));
  expect(declared.status).toBe(413);
  // Exactly the limit fits, with the form's own bytes around it.
  const full = await post('?name=full.csv', form(['file', 'w'.repeat(LIMIT), 'f.csv']));
  expect(await full.json()).toEqual({ name: 'uploads/full.csv', bytes: LIMIT });
  expect(uploads()).toEqual([...before, 'full.csv'].sort());
});

test('other content types are 415 naming the type and the accepted ones; the raw types work as before', async () => {
  for (const type of ['application/json', 'image/png', 'multipart/mixed; boundary=x']) {
    const r = await post('?name=t.csv', CSV, { 'content-type': type });
    expect(r.status).toBe(415);
    const error = await errorOf(r);
    expect(error).toMatchObject({ code: 'ERR_UNSUPPORTED_MEDIA_TYPE', field: 'content-type' });
    expect(error.message).toContain(`content-type: ${type.split(';')[0]} is not accepted`);
    expect(error.message).toContain('multipart/form-data');
    expect(error.message).toContain('application/octet-stream');
  }
  expect(uploads()).not.toContain('t.csv');
  for (const type of [
    'application/octet-stream',
    'text/csv; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
  ]) {
    const name = `raw-${type.replace(/\W+/g, '-')}.csv`;
    const r = await post(`?name=${name}`, CSV, { 'content-type': type });
    expect([type, r.status]).toEqual([type, 201]);
    expect(stored(`uploads/${name}`)).toBe(CSV);
  }
  // A raw body still needs its name.
  const unnamed = await post('', CSV, { 'content-type': 'text/csv' });
  expect(await errorOf(unnamed)).toEqual({
    code: 'ERR_INVALID_REQUEST',
    field: 'name',
    message: 'name: is required',
  });
});

const curl = promisify(execFile);
const hasCurl = await curl('sh', ['-c', 'command -v curl']).then(
  () => true,
  () => false,
);

test.skipIf(!hasCurl)(
  'curl -F file=@x.csv is stored as the file; two -F files are a 400; --data-binary as before',
  async () => {
    const file = join(t.outside, 'from curl.csv');
    writeFileSync(file, CSV);
    const run = async (...args: string[]) => {
      const { stdout } = await curl('curl', [
        '-sS',
        '-H',
        `Authorization: Bearer ${TOKEN}`,
        '-w',
        '\n%{http_code}',
        ...args,
      ]);
      const [body, status] = stdout.split(/\n(?=\d+$)/);
      return { status: Number(status), body: JSON.parse(body!) };
    };
    expect(await run('-F', `file=@${file}`, `${t.url}/api/uploads`)).toEqual({
      status: 201,
      body: { name: 'uploads/from_curl.csv', bytes: CSV.length },
    });
    expect(stored('uploads/from_curl.csv')).toBe(CSV);
    const two = await run('-F', `a=@${file}`, '-F', `b=@${file}`, `${t.url}/api/uploads?name=two-curl.csv`);
    expect(two).toMatchObject({ status: 400, body: { error: { field: 'file' } } });
    expect(uploads()).not.toContain('two-curl.csv');
    expect(await run('--data-binary', `@${file}`, `${t.url}/api/uploads?name=binary.csv`)).toEqual({
      status: 201,
      body: { name: 'uploads/binary.csv', bytes: CSV.length },
    });
    expect(stored('uploads/binary.csv')).toBe(CSV);
  },
);
