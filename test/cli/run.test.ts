/** `chunkmill run --task`: a user task module, resolved against the current directory. */
import { expect, test } from 'vitest';
import { CLI_FIXTURES, runCli } from '../helpers/cli.ts';

const SALES = CLI_FIXTURES + 'sales.csv';
const REGIONS = [
  { region: 'north', rows: 3, total: 110.5 },
  { region: 'south', rows: 2, total: 1 },
  { region: 'Zürich', rows: 1, total: 7.25 },
  { region: '東京', rows: 1, total: 0.5 },
];

test('a relative --task path is resolved against the cwd; the result is JSON on stdout', async () => {
  const r = await runCli(['run', 'sales.csv', '--task', './region-task.mjs'], { cwd: CLI_FIXTURES });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual(REGIONS);
  expect(r.stdout.split('\n')).toHaveLength(2); // compact: one line
});

test('the same with tiny chunks on two workers; --params reaches ctx.params; --pretty indents', async () => {
  const r = await runCli([
    'run',
    SALES,
    '--task',
    CLI_FIXTURES + 'region-task.mjs',
    '--chunk-size',
    '8',
    '-w',
    '2',
    '--params',
    '{"column":"order_id"}',
    '--pretty',
  ]);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual([
    { region: 'north', rows: 3, total: 10 },
    { region: 'south', rows: 2, total: 7 },
    { region: 'Zürich', rows: 1, total: 4 },
    { region: '東京', rows: 1, total: 7 },
  ]);
  expect(r.stdout).toMatch(/^\[\n {2}\{\n {4}"region": "north",/);
});

test('ctx.log lines go to stderr, not with --quiet', async () => {
  const r = await runCli(['run', SALES, '--task', CLI_FIXTURES + 'log-task.mjs']);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('7\n');
  expect(r.stderr).toMatch(/chunk 0 starts/);
  const quiet = await runCli(['run', SALES, '--task', CLI_FIXTURES + 'log-task.mjs', '--quiet']);
  expect(quiet.stdout).toBe('7\n');
  expect(quiet.stderr).toBe('');
});

test('a task module that does not exist: exit 1, one line naming the resolved path', async () => {
  const r = await runCli(['run', SALES, '--task', './no-such-task.mjs'], { cwd: CLI_FIXTURES });
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(`chunkmill: The task module ${CLI_FIXTURES}no-such-task.mjs does not exist [ERR_TASK_LOAD]\n`);
});

test('a task that throws fails at once: one error line, no retry warnings; --retry-task-errors retries', async () => {
  const once = await runCli(['run', SALES, '--task', CLI_FIXTURES + 'throws-task.mjs', '--chunk-size', '16']);
  expect(once.code).toBe(1);
  expect(once.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^chunkmill: .*\[ERR_TASK_FAILED\]$/)]);
  const retried = await runCli([
    'run',
    SALES,
    '--task',
    CLI_FIXTURES + 'throws-task.mjs',
    '--retry-task-errors',
    '--retries',
    '1',
  ]);
  expect(retried.code).toBe(1);
  expect(retried.stderr).toMatch(/^chunkmill: warning: Chunk 0 failed .*retry 1 of 1\) \[WARN_CHUNK_RETRY\]$/m);
  expect(retried.stderr).toMatch(/^chunkmill: .*\[ERR_TASK_FAILED\]$/m);
});

test('a task that throws: exit 1, its message and the line', async () => {
  const r = await runCli(['run', SALES, '--task', CLI_FIXTURES + 'throws-task.mjs']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^chunkmill: .*order 3 is not welcome here.*\[ERR_TASK_FAILED\]$/m);
});

test('--task is required; --params must be JSON (usage errors)', async () => {
  const missing = await runCli(['run', SALES]);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/required option '--task <module>'.*\[ERR_USAGE\]/);
  const badParams = await runCli(['run', SALES, '--task', 'x.js', '--params', '{oops']);
  expect(badParams.code).toBe(2);
  expect(badParams.stderr).toMatch(/--params.*is invalid.*\[ERR_USAGE\]/);
});
