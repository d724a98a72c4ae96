/**
 * Inputs that cannot be read as a file: a file without read permission and a symlink loop
 * (ERR_FILE_UNREADABLE), a FIFO or a device (ERR_NOT_A_FILE, checked without reading them); and
 * a file that changes while it is processed (ERR_FILE_CHANGED: workers compare size and mtime with
 * the plan before each chunk). All name the file and reject `result`. (A missing file and a
 * directory: errors-file.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, symlinkSync, truncateSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { count, processDataset, processSerial, type ProcessOptions } from 'chunkmill';
import { isRoot, runAsNobody } from '../helpers/as-nobody.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { record, settle } from '../helpers/events.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const TIMEOUT = { timeout: 30_000 };
const aggregate = { groupBy: ['k'], measures: { n: count() } };

async function expectBoth(options: ProcessOptions, code: string, file: string): Promise<void> {
  for (const error of [
    await rejectionOf(processSerial(options)),
    await rejectionOf(processDataset({ ...options, workers: 2, chunkSize: 4 }).result),
  ]) {
    expect({ code: error.code, file: error.file }).toEqual({ code, file });
    expect(error.message).toContain(file);
  }
}

test('a file without read permission: ERR_FILE_UNREADABLE', TIMEOUT, async () => {
  const input = tmp.file('secret.csv', 'k\na\n');
  chmodSync(input, 0o000);
  if (!isRoot) {
    await expectBoth({ input, aggregate }, 'ERR_FILE_UNREADABLE', input);
    return;
  }
  // As root the check runs in a child process that becomes nobody, whom the mode does stop, once
  // it has loaded chunkmill. No worker thread starts as nobody (it could not load its file from a
  // checkout nobody cannot enter): the pool is acquired after the plan, and the plan fails.
  chmodSync(tmp.dir, 0o755);
  const child = runAsNobody({
    asRoot: `import { count, processDataset, processSerial } from 'chunkmill';`,
    asNobody: `
      const options = { input: ${JSON.stringify(input)}, aggregate: { groupBy: ['k'], measures: { n: count() } } };
      const out = [];
      for (const run of [() => processSerial(options), () => processDataset({ ...options, workers: 2, chunkSize: 4 }).result]) {
        try { await run(); out.push(null); } catch (e) { out.push({ code: e.code, file: e.file, message: e.message }); }
      }
      process.stdout.write(JSON.stringify(out));`,
  });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  const errors = JSON.parse(child.stdout) as { code: string; file: string; message: string }[];
  expect(errors).toHaveLength(2);
  for (const error of errors) {
    expect({ code: error.code, file: error.file }).toEqual({ code: 'ERR_FILE_UNREADABLE', file: input });
    expect(error.message).toContain(input);
  }
});

test('a symlink loop: ERR_FILE_UNREADABLE (runs as root too)', TIMEOUT, async () => {
  const input = join(tmp.dir, 'loop-a.csv');
  symlinkSync(join(tmp.dir, 'loop-b.csv'), input);
  symlinkSync(input, join(tmp.dir, 'loop-b.csv'));
  await expectBoth({ input, aggregate }, 'ERR_FILE_UNREADABLE', input);
});

test('a FIFO and a character device: ERR_NOT_A_FILE, without blocking on a read', TIMEOUT, async () => {
  const fifo = join(tmp.dir, 'pipe.csv');
  execFileSync('mkfifo', [fifo]);
  await expectBoth({ input: fifo, aggregate }, 'ERR_NOT_A_FILE', fifo);
  await expectBoth({ input: '/dev/null', aggregate }, 'ERR_NOT_A_FILE', '/dev/null');
});

const rows = 'k\n' + 'a\nb\n'.repeat(50);

for (const [what, change] of [
  ['grows', (path: string) => appendFileSync(path, 'c\n')],
  ['shrinks', (path: string) => truncateSync(path, 10)],
  [
    'is rewritten in place (same size, new mtime)',
    (path: string) => utimesSync(path, new Date(), new Date(Date.now() + 5_000)),
  ],
] as const) {
  test(`a file that ${what} after planning: ERR_FILE_CHANGED, no result`, TIMEOUT, async () => {
    const input = tmp.file(`changing-${what.length}.csv`, rows);
    const job = processDataset({ input, aggregate, workers: 2, chunkSize: 16 });
    const events = record(job);
    job.on('start', () => change(input)); // the plan is made; no chunk has been read yet
    const error = await rejectionOf(job.result);
    await settle();
    expect({ code: error.code, file: error.file }).toEqual({ code: 'ERR_FILE_CHANGED', file: input });
    expect(error.message).toContain(`${input} changed while it was being processed`);
    const names = events.map((e) => e.name);
    expect(names[0]).toBe('start');
    expect(names.at(-1)).toBe('error');
    expect(names).not.toContain('done');
  });
}
