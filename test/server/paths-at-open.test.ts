/**
 * Paths at open time (docs/server.md#paths-at-open-time): a path checked when a job is submitted
 * is checked again when the job opens it. Each attack is performed for real on a real server:
 * files swapped for symlinks between submit and run (a `delay`), a folder swapped for a link out,
 * the input swapped while workers read it, hard links to a file outside; and an existing data
 * file named as a job's output is never truncated: replaced whole on success, untouched on failure.
 */
import { gzipSync } from 'node:zlib';
import {
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { processSerial } from 'chunkmill';
import { startTestServer, TASKS_DIR, waitForJob, type TestServer } from '../helpers/server.ts';

let t: TestServer;
const aggregate = { measures: { n: { kind: 'count' } } };
/** Long enough to swap a file between the 202 and the run, however loaded the machine. */
const DELAY = 1000;
const SECRET = 'k,amount\nsecret,1\nsecret,2\n';

beforeAll(async () => {
  t = await startTestServer({ tasksDir: TASKS_DIR });
  writeFileSync(join(t.outside, 'secret.csv'), SECRET);
  writeFileSync(join(t.outside, 'secret.ndjson'), '{"k":"secret"}\n');
  writeFileSync(join(t.outside, 'secret.csv.gz'), gzipSync(SECRET));
});

interface Job {
  state: string;
  error: { code: string; message: string; file?: string } | null;
}

async function submit(spec: Record<string, unknown>, delay = DELAY): Promise<string> {
  const { status, body } = await t.json<{ id: string }>('POST', '/api/jobs', { spec, delay });
  expect(status, JSON.stringify(body)).toBe(202);
  return body.id;
}

const ended = async (id: string) => (await waitForJob(t, id, ['succeeded', 'failed'])) as unknown as Job;

/** `name` in the data dir becomes a symlink to `target` (the file that was there moves aside). */
function swapForLink(name: string, target: string): void {
  const path = join(t.data, name);
  if (statSync(path).isDirectory()) {
    // A folder cannot be replaced in one step: for a moment nothing is there (a worker opening
    // then reads ERR_FILE_NOT_FOUND; the chunks are 150 ms apart, so that moment is seldom hit,
    // but CI hit it once).
    renameSync(path, `${path}.moved`);
    symlinkSync(target, path);
    return;
  }
  // A file is replaced in one step, the link made beside it and renamed over it: a worker opens
  // either the file or the link, never nothing (CI run 23 opened in between: ERR_FILE_NOT_FOUND).
  linkSync(path, `${path}.moved`);
  symlinkSync(target, `${path}.link`);
  renameSync(`${path}.link`, path);
}

/** What a refused job must show: the code, the path as the client gave it, nothing of outside. */
function expectRefused(job: Job, file: string, why: RegExp): void {
  expect(job.state).toBe('failed');
  expect(job.error).toMatchObject({ code: 'ERR_PATH_FORBIDDEN', file });
  expect(job.error!.message).toMatch(why);
  expect(JSON.stringify(job)).not.toContain(t.outside);
  expect(JSON.stringify(job)).not.toMatch(/\n\s+at /);
}

/** The files of a folder, the hidden ones included: a job's unfinished output is one. */
const listing = (dir: string) => readdirSync(dir).sort();

test('an input swapped for a symlink to a file outside after submit: refused, nothing outside is read', {
  timeout: 60_000,
}, async () => {
  // A CSV file (read by byte ranges), and NDJSON and gzip (read as streams): each way of opening.
  const inputs: [string, string, Uint8Array | string][] = [
    ['in.csv', 'secret.csv', 'k,amount\na,1\n'],
    ['in.ndjson', 'secret.ndjson', '{"k":"a"}\n'],
    ['in.csv.gz', 'secret.csv.gz', gzipSync('k,amount\na,1\n')],
  ];
  for (const [name, secret, bytes] of inputs) {
    writeFileSync(join(t.data, name), bytes);
    const id = await submit({ input: name, aggregate });
    swapForLink(name, join(t.outside, secret));
    // Unconfined, this job would count the secret file's rows and succeed.
    expectRefused(await ended(id), name, /is a symlink/);
  }
});

test('a folder on the input path swapped for a symlink to a folder outside: refused', { timeout: 30_000 }, async () => {
  mkdirSync(join(t.data, 'sub'));
  mkdirSync(join(t.outside, 'sub'));
  writeFileSync(join(t.data, 'sub', 'in.csv'), 'k,amount\na,1\n');
  writeFileSync(join(t.outside, 'sub', 'in.csv'), SECRET);
  const id = await submit({ input: 'sub/in.csv', aggregate });
  swapForLink('sub', join(t.outside, 'sub'));
  expectRefused(await ended(id), 'sub/in.csv', /leads outside the data dir/);
});

test('the input (or its folder) swapped for a symlink while the workers read it: the next chunk refuses it', {
  timeout: 60_000,
}, async () => {
  // 20 chunks of 64 KiB, each after an idle 150 ms: the swap lands after the first chunks.
  const rows = 190_000;
  const mine = `k,amount\n${'a,0001\n'.repeat(rows)}`;
  const theirs = `k,amount\n${'b,9999\n'.repeat(rows)}`;
  // The file itself (O_NOFOLLOW refuses it), then its folder (the worker's full proof does).
  const swaps: [folder: string, why: RegExp][] = [
    ['live1', /is a symlink/],
    ['live2', /leads outside the data dir/],
  ];
  for (const [name, why] of swaps) {
    // A folder is swapped in two steps (swapForLink): a worker that opens between them reads
    // ERR_FILE_NOT_FOUND, which says nothing of the check, so that (rare) run is made again.
    let job: Job | undefined;
    for (let attempt = 0; attempt < 3 && (job === undefined || job.error?.code === 'ERR_FILE_NOT_FOUND'); attempt++) {
      const folder = `${name}-${attempt}`;
      mkdirSync(join(t.data, folder));
      mkdirSync(join(t.outside, folder));
      const [inside, outside] = [join(t.data, folder, 'big.csv'), join(t.outside, folder, 'big.csv')];
      writeFileSync(inside, mine);
      writeFileSync(outside, theirs);
      // The same size and mtime: the planned identity (ERR_FILE_CHANGED) cannot tell them apart.
      const when = new Date(2024, 0, 1);
      for (const file of [inside, outside]) utimesSync(file, when, when);
      const params = { column: 'amount', msPerChunk: 150, idle: true };
      const input = `${folder}/big.csv`;
      const id = await submit({ input, task: 'slow-sum', params, chunkSize: 65_536, workers: 2 }, 0);
      for (;;) {
        const running = await waitForJob(t, id, ['running', 'succeeded', 'failed']);
        const done = (running.progress as { chunksDone: number } | null)?.chunksDone ?? 0;
        if (running.state !== 'running' || done >= 1) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      if (why.source.includes('symlink')) swapForLink(input, outside);
      else swapForLink(folder, join(t.outside, folder));
      job = await ended(id);
      // Unconfined, the job would go on with the outside file's rows and succeed.
      if (job.error?.code !== 'ERR_FILE_NOT_FOUND') expectRefused(job, input, why);
    }
    expect(job!.error?.code).toBe('ERR_PATH_FORBIDDEN');
  }
});

test('rejects swapped for a symlink to a file outside after submit: refused, nothing outside is written', {
  timeout: 30_000,
}, async () => {
  writeFileSync(join(t.data, 'bad.csv'), 'k,amount\na,1\nb\n');
  writeFileSync(join(t.data, 'r.csv'), 'old rejects\n');
  writeFileSync(join(t.outside, 'victim.csv'), 'precious\n');
  const before = listing(t.outside);
  const id = await submit({ input: 'bad.csv', onBadRow: 'report', rejects: 'r.csv', aggregate });
  swapForLink('r.csv', join(t.outside, 'victim.csv'));
  expectRefused(await ended(id), 'r.csv', /is a symlink/);
  expect(readFileSync(join(t.outside, 'victim.csv'), 'utf8')).toBe('precious\n');
  expect(listing(t.outside)).toEqual(before);

  // The folder of the rejects file swapped for a link to a folder outside: no file is made there.
  mkdirSync(join(t.data, 'reports'));
  mkdirSync(join(t.outside, 'reports'));
  const folder = await submit({ input: 'bad.csv', onBadRow: 'report', rejects: 'reports/r.csv', aggregate });
  swapForLink('reports', join(t.outside, 'reports'));
  expectRefused(await ended(folder), 'reports/r.csv', /leads outside the data dir/);
  expect(listing(join(t.outside, 'reports'))).toEqual([]);
});

test('a hard link in the data dir to a file outside, as rejects or as output: refused, the file unchanged', {
  timeout: 30_000,
}, async () => {
  writeFileSync(join(t.data, 'bad2.csv'), 'k,amount\na,1\nb\n');
  writeFileSync(join(t.outside, 'linked.csv'), 'precious\n');
  linkSync(join(t.outside, 'linked.csv'), join(t.data, 'hard.csv'));
  const specs = [
    { input: 'bad2.csv', onBadRow: 'report', rejects: 'hard.csv', aggregate },
    { input: 'bad2.csv', onBadRow: 'skip', transform: 'select', output: { path: 'hard.csv', format: 'csv' } },
  ];
  for (const spec of specs) {
    // No race needed: the link is there at submit. (Refused at submit would do as well.)
    const { status, body } = await t.json<{ id: string; error?: { code: string } }>('POST', '/api/jobs', { spec });
    if (status === 202) expectRefused(await ended(body.id), 'hard.csv', /other hard links/);
    else expect(body.error?.code).toBe('ERR_PATH_FORBIDDEN');
    expect(readFileSync(join(t.outside, 'linked.csv'), 'utf8')).toBe('precious\n');
    expect(statSync(join(t.data, 'hard.csv')).nlink).toBe(2);
  }
});

test('an existing data file as rejects or output: untouched when the job fails midway, replaced whole on success', {
  timeout: 60_000,
}, async () => {
  // Bad rows early (written to the rejects), then 4 chunks of good rows, then a quote never closed.
  const good = 'k,amount\nx\n' + 'a,1\n'.repeat(70_000);
  writeFileSync(join(t.data, 'breaks.csv'), `${good}"unclosed,1\n`);
  writeFileSync(join(t.data, 'whole.csv'), good);
  writeFileSync(join(t.data, 'keep-r.csv'), 'precious rejects\n');
  writeFileSync(join(t.data, 'keep-o.csv'), 'precious output\n');
  const failing = [
    { input: 'breaks.csv', onBadRow: 'report', rejects: 'keep-r.csv', aggregate, chunkSize: 65_536 },
    {
      input: 'breaks.csv',
      onBadRow: 'skip',
      transform: 'select',
      output: { path: 'keep-o.csv', format: 'csv' },
      chunkSize: 65_536,
    },
  ];
  for (const spec of failing) {
    const job = await ended(await submit(spec, 0));
    expect(job).toMatchObject({ state: 'failed', error: { code: 'ERR_CSV_UNCLOSED_QUOTE' } });
  }
  expect(readFileSync(join(t.data, 'keep-r.csv'), 'utf8')).toBe('precious rejects\n');
  expect(readFileSync(join(t.data, 'keep-o.csv'), 'utf8')).toBe('precious output\n');

  for (const spec of failing) spec.input = 'whole.csv';
  for (const spec of failing) expect((await ended(await submit(spec, 0))).state).toBe('succeeded');
  expect(readFileSync(join(t.data, 'keep-r.csv'), 'utf8')).toBe('line,fields,record\n2,1,x\n');
  // Byte for byte what the library writes for the same transform.
  const expected = join(t.outside, 'expected.csv');
  const transform = new URL('select.mjs', `file://${TASKS_DIR}/`);
  const input = join(t.data, 'whole.csv');
  await processSerial({ input, onBadRow: 'skip', transform, output: { path: expected, format: 'csv' } });
  expect(readFileSync(join(t.data, 'keep-o.csv'))).toEqual(readFileSync(expected));
  // No unfinished output is left behind, failed or not.
  expect(listing(t.data).filter((name) => name.endsWith('.tmp'))).toEqual([]);
});
