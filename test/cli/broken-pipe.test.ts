/**
 * A reader that leaves early (`| head -1`, `| true`): every command, in every output format,
 * stops, prints nothing on stderr and exits 0. Through the real binary: its stdout is a pipe
 * whose read end is closed before the command writes, so its first write meets EPIPE; and through
 * `sh -c '... | head -1'` with an output far larger than a pipe's buffer, so head leaves mid-write.
 */
import { spawn } from 'node:child_process';
import { beforeAll, expect, test } from 'vitest';
import { CLI, CLI_FIXTURES, startCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const SALES = CLI_FIXTURES + 'sales.csv';
const tmp = tempDir('chunkmill-cli-pipe-');
let many = '';
let wide = '';

beforeAll(() => {
  // 30,000 groups: ~300 KB of result, several times a pipe's 64 KiB buffer.
  many = tmp.file('many.csv', 'id,v\n' + Array.from({ length: 30_000 }, (_, i) => `id${i},${i}\n`).join(''));
  // 2,000 columns: a stats result of 2,000 rows.
  const names = Array.from({ length: 2000 }, (_, i) => `column_${i}`);
  wide = tmp.file('wide.csv', names.join(',') + '\n' + names.map((_, i) => i).join(',') + '\n');
});

/** Runs the CLI with stdout's read end closed at once; resolves with its exit status and stderr. */
async function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = startCli(args);
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end();
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stderr };
}

const CASES: [string, string[]][] = [
  ...['table', 'csv', 'json', 'ndjson'].map((f): [string, string[]] => [
    `aggregate -f ${f}`,
    ['aggregate', SALES, '-g', 'region', '--count', '-f', f],
  ]),
  ...['table', 'csv', 'json', 'ndjson'].map((f): [string, string[]] => [`stats -f ${f}`, ['stats', SALES, '-f', f]]),
  ...['csv', 'json', 'ndjson'].map((f): [string, string[]] => [`convert --to ${f}`, ['convert', SALES, '--to', f]]),
  ['run', ['run', SALES, '--task', CLI_FIXTURES + 'region-task.mjs']],
];

test.each(CASES)('%s into a closed pipe: exit 0, nothing on stderr', async (_name, args) => {
  const r = await withClosedStdout(args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
});

/** `sh -c 'chunkmill ... | head -1'`: the first line, and the CLI's own exit status and stderr. */
function throughHead(args: string[]): Promise<{ first: string; status: string; stderr: string }> {
  const quoted = args.map((a) => `'${a}'`).join(' ');
  // bash, for PIPESTATUS: the status of the CLI, not of head.
  const script = `"${process.execPath}" "${CLI}" ${quoted} 2>"${tmp.dir}/err" | head -1; echo "status=\${PIPESTATUS[0]}"; cat "${tmp.dir}/err"`;
  const child = spawn('bash', ['-c', script]);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve) =>
    child.on('close', () => {
      const [first = '', status = '', ...rest] = out.split('\n');
      resolve({ first, status, stderr: rest.join('\n') });
    }),
  );
}

test.each([
  ['aggregate, CSV (the reported stack trace)', () => ['aggregate', many, '-g', 'id', '--count'], 'id,count'],
  ['aggregate, table', () => ['aggregate', many, '-g', 'id', '--count', '-f', 'table'], '┌─────────┬───────┐'],
  ['stats, CSV', () => ['stats', wide], 'column,type,count,empty,min,max,mean,distinct,distinct_exact'],
  ['convert, NDJSON', () => ['convert', many], '{"id":"id0","v":"0"}'],
])('%s | head -1: the first line, then exit 0 and nothing on stderr', async (_name, args, first) => {
  const r = await throughHead(args());
  expect(r.first).toBe(first);
  expect(r.stderr).toBe('');
  expect(r.status).toBe('status=0');
});
