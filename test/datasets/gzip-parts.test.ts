/**
 * Gzip parts run one whole file per worker (schedule/whole-file-scheduler.ts): each worker opens,
 * inflates and parses a file of its own, and the partials are merged in file order. The answer
 * is the serial parse of the uncompressed files concatenated (headers not repeated), locally and
 * from a real s3rver, at every worker count (one file per worker: `stats.chunks` is the file
 * count; a transform keeps the coordinator-inflate path, many chunks). A bad header, a bad row, a
 * corrupt file name the file (and the line within it); a worker that dies mid-file runs the file
 * again from its start. Real threads, real files, a real S3 server.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createEngine,
  openQueue,
  processDataset,
  processSerial,
  type AggregateResult,
  type JobWarning,
  type ProcessOptions,
  type TaskResult,
} from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { waitForState } from '../helpers/jobs.ts';
import { HEADER, randomCsv, rng } from '../helpers/random-csv.ts';
import { startS3, type TestS3 } from '../helpers/s3.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const task = (name: string) => new URL(`../../fixtures/tasks/${name}.mjs`, import.meta.url);
const aggregate = {
  groupBy: ['k', 't'],
  measures: { n: { kind: 'count' }, s: { kind: 'sum', column: 'v' }, hi: { kind: 'max', column: 'v' } },
} as const;
const header = `${HEADER.join(',')}\n`;

/** Six parts of random CSV (quoted newlines, CRLF, multi-byte text), the third header-only. */
const parts = [0, 1, 2, 3, 4, 5].map((i) => {
  if (i === 2) return header;
  const { text } = randomCsv(rng(300 + i), { rows: 30 + 23 * i });
  const body = text.slice(text.indexOf(HEADER.join(',')) + HEADER.join(',').length).replace(/^\r?\n/, '');
  return header + (body.endsWith('\n') ? body : `${body}\n`);
});
const wholeText = header + parts.map((p) => p.slice(header.length)).join('');
const whole = tmp.file('whole.csv', wholeText);
/** gz-00.csv.gz ...: sorted by name, so in the order of `parts`. */
const gzNames = parts.map((text, i) => gz(`gz-${String(i).padStart(2, '0')}.csv`, text));

function gz(name: string, text: string | Buffer): string {
  const path = join(tmp.dir, `${name}.gz`);
  writeFileSync(path, gzipSync(text));
  return path;
}

let s3: TestS3;
let reference: AggregateResult;

beforeAll(async () => {
  reference = (await processSerial({ input: whole, aggregate })) as AggregateResult;
  s3 = await startS3();
  await s3.createBucket('data');
  for (const [i, p] of parts.entries()) await s3.putObject('data', `zipped/part-${i}.csv.gz`, gzipSync(p));
}, 60_000);
afterAll(async () => {
  await s3?.stop();
});

async function expectLikeWhole(options: Omit<ProcessOptions, 'aggregate'>) {
  expect(reference.stats.rows).toBeGreaterThan(300); // the parts hold data
  for (const workers of [1, 2, 3])
    for (const chunkSize of [7, 4096, 1 << 20]) {
      const run = { ...options, aggregate, workers, chunkSize } as ProcessOptions;
      const result = (await processDataset(run).result) as AggregateResult;
      const at = `workers ${workers}, chunkSize ${chunkSize}`;
      expect(result.rows, at).toStrictEqual(reference.rows);
      expect(result.stats.rows, at).toBe(reference.stats.rows);
      // Bytes after inflate, on either path: the stream path's count.
      expect(result.stats.bytes, at).toBe(Buffer.byteLength(wholeText) + header.length * (parts.length - 1));
      // One file per worker, at every worker count: a chunk is a file.
      expect(result.stats.chunks, at).toBe(parts.length);
    }
}

describe('gzip parts, one file per worker, give the serial answer of the files concatenated', () => {
  test('local files', { timeout: 120_000 }, async () => {
    await expectLikeWhole({ input: join(tmp.dir, 'gz-*.csv.gz') });
  });

  test('objects in S3', { timeout: 120_000 }, async () => {
    await expectLikeWhole({ input: 's3://data/zipped/*.csv.gz', s3: s3.settings });
  });

  test('NDJSON parts', { timeout: 60_000 }, async () => {
    const lines = (f: number) =>
      Array.from({ length: 40 + f * 7 }, (_, i) => `${JSON.stringify({ k: `g${(i * f) % 5}`, v: i - f, t: 'x' })}\n`);
    const texts = [0, 1, 2, 3].map((f) => (f === 2 ? '\n' : '') + lines(f).join(''));
    const input = texts.map((t, f) => gz(`n-${f}.ndjson`, t));
    const serial = (await processSerial({
      input: tmp.file('n-all.ndjson', texts.join('')),
      aggregate,
    })) as AggregateResult;
    for (const workers of [1, 3]) {
      const result = (await processDataset({ input, aggregate, workers, chunkSize: 64 }).result) as AggregateResult;
      expect(result.rows, `workers ${workers}`).toStrictEqual(serial.rows);
      expect(result.stats.chunks).toBe(texts.length);
    }
  });

  test('a user task gets every row once, in file order', { timeout: 60_000 }, async () => {
    const serial = (await processSerial({ input: whole, task: task('rows-in-order') })) as TaskResult;
    for (const workers of [1, 3]) {
      const result = (await processDataset({ input: gzNames, task: task('rows-in-order'), workers })
        .result) as TaskResult;
      expect(result.value).toStrictEqual(serial.value);
    }
  });
});

test('a transform keeps the coordinator-inflate path (its output comes back chunk by chunk)', {
  timeout: 60_000,
}, async () => {
  const outputs: string[] = [];
  for (const workers of [1, 3]) {
    const path = join(tmp.dir, `out-${workers}.csv`);
    const result = await processDataset({
      input: gzNames,
      transform: task('select'),
      output: { path },
      workers,
      chunkSize: 7,
    }).result;
    expect(result.stats.chunks).toBeGreaterThan(parts.length * 10);
    outputs.push(readFileSync(path, 'utf8'));
  }
  expect(outputs[1]).toBe(outputs[0]);
  expect(outputs[0]!.length).toBeGreaterThan(Buffer.byteLength(wholeText) / 2);
});

describe('what names the file', () => {
  test('a third file whose header differs names it and the first column that differs', async () => {
    const bad = gz('h-2.csv', 'k,value,t\na,1,2\n');
    const input = [gzNames[0]!, gzNames[1]!, bad, gzNames[3]!];
    for (const workers of [1, 2, 3]) {
      const error = await rejectionOf(processDataset({ input, aggregate, workers }).result);
      expect([error.code, error.file, error.columnIndex], `workers ${workers}`).toStrictEqual([
        'ERR_CSV_HEADER',
        bad,
        2,
      ]);
      expect(error.message).toContain('"value" where the first has "v"');
    }
  });

  test('a bad row names its file and its line there; the first such file in order wins', async () => {
    const good = 'k,v,t\na,1,2\nb,2,3\n';
    const badAt4 = 'k,v,t\na,1,2\n"multi\nline",2,3\nb,"x"y,3\n';
    const input = [gz('r-0.csv', good), gz('r-1.csv', good), gz('r-2.csv', badAt4), gz('r-3.csv', badAt4)];
    for (const workers of [1, 2, 3])
      for (const chunkSize of [1, 1 << 20]) {
        const error = await rejectionOf(processDataset({ input, aggregate, workers, chunkSize }).result);
        expect([error.code, error.file, error.line], `workers ${workers}, chunkSize ${chunkSize}`).toStrictEqual([
          'ERR_CSV_INVALID_CLOSING_QUOTE',
          input[2],
          5,
        ]);
      }
  });

  test('rejected rows carry the line within their file, as on the stream path', async () => {
    const text = (extra: string) => `k,v,t\na,1,2\n${extra}b,2,3\nc,3\n`;
    const input = [gz('b-0.csv', text('')), gz('b-1.csv', text('x,1,2,3\n')), gz('b-2.csv', text('y\n'))];
    const rejects = (w: number) => {
      const path = join(tmp.dir, `rejects-${w}.csv`);
      return { path, run: processDataset({ input, aggregate, workers: w, onBadRow: 'report', rejects: path }).result };
    };
    const one = rejects(1);
    await one.run;
    const expected = readFileSync(one.path, 'utf8');
    expect(expected.split('\n').map((l) => l.split(',')[0])).toStrictEqual(['line', '4', '3', '5', '3', '5', '']);
    const three = rejects(3);
    await three.run;
    expect(readFileSync(three.path, 'utf8')).toBe(expected);
  });

  test('a corrupt or cut-off gzip file is a coded error naming it', async () => {
    const zipped = gzipSync(parts[1]!);
    const cut = join(tmp.dir, 'c-2.csv.gz');
    writeFileSync(cut, zipped.subarray(0, zipped.length >> 1));
    const garbage = join(tmp.dir, 'g-2.csv.gz');
    writeFileSync(garbage, Buffer.concat([zipped.subarray(0, 10), Buffer.alloc(200, 0x41)]));
    for (const bad of [cut, garbage])
      for (const workers of [1, 3]) {
        const error = await rejectionOf(
          processDataset({ input: [gzNames[0]!, gzNames[1]!, bad, gzNames[3]!], aggregate, workers }).result,
        );
        expect([error.code, error.file], `${bad}, workers ${workers}`).toStrictEqual(['ERR_FILE_UNREADABLE', bad]);
        expect(error.message).toContain(bad);
      }
  });
});

test('a worker that dies mid-file: the file runs again from its start, each row counted once', {
  timeout: 60_000,
}, async () => {
  const input = [0, 1, 2, 3].map((f) =>
    gz(`crash-${f}.csv`, `id,v\n${Array.from({ length: 2000 }, (_, i) => `r${f}-${i},${i}\n`).join('')}`),
  );
  const job = processDataset({
    input,
    task: task('crash-once'),
    params: { at: 'r2-1500', marker: join(tmp.dir, 'crashed') },
    workers: 2,
    chunkSize: 4096,
  });
  const seen: JobWarning[] = [];
  job.on('warning', (w) => seen.push(w));
  const result = (await job.result) as TaskResult;
  expect(result.value).toBe(8000);
  expect(result.stats.chunks).toBe(4);
  expect(seen.map((w) => w.code)).toStrictEqual(['WARN_CHUNK_RETRY']);
  expect(seen[0]!.message).toMatch(/^Chunk 2 failed \(A worker thread exited/);
});

test("a confined engine's job: each worker opens its file through the confined open, with the planned identity", {
  timeout: 60_000,
}, async () => {
  const root = join(tmp.dir, 'confined');
  mkdirSync(root);
  for (const [i, p] of parts.entries()) writeFileSync(join(root, `p-${i}.csv.gz`), gzipSync(p));
  const store = join(tmp.dir, 'confined.db');
  const queue = openQueue(store);
  const engine = await createEngine({ store, workers: 2, confine: { root } });
  try {
    const serial = (await processSerial({ input: whole, task: task('rows-in-order') })) as TaskResult;
    const ok = await queue.add({ input: join(root, 'p-*.csv.gz'), task: task('rows-in-order').href });
    const done = await waitForState(queue, ok.id, ['succeeded', 'failed']);
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.result).toMatchObject({ kind: 'task', value: serial.value, stats: { chunks: parts.length } });
  } finally {
    await engine.close();
    await queue.close();
  }
});
