/**
 * What a CLI process and `import 'chunkmill'` load before any input is read: each command's module
 * is imported when that command runs, and heavy packages when the path that needs them runs
 * (main.ts, convert.ts, ui/output.ts, remote/request.ts, ...). Every module loaded is logged by a
 * module hook (test/helpers/module-log.mjs) in a real child process.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { CLI, cliEnv, runCli } from '../helpers/cli.ts';

const HOOK = fileURLToPath(new URL('../helpers/module-log.mjs', import.meta.url));
const INDEX = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'chunkmill-start-up-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let runs = 0;
/** The URLs of the modules `node --import module-log.mjs ...args` loaded, and its stdout. */
async function loaded(args: string[]): Promise<{ modules: string[]; stdout: string }> {
  const log = join(dir, `modules-${++runs}.txt`);
  writeFileSync(log, '');
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', HOOK, ...args], {
    env: cliEnv({ CHUNKMILL_MODULE_LOG: log }),
    cwd: dir,
  });
  return { modules: readFileSync(log, 'utf8').split('\n').filter(Boolean), stdout };
}

const packages = (modules: string[]) =>
  new Set(modules.flatMap((url) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []));

test('--version loads no command, no engine and no package beyond commander', async () => {
  const { modules, stdout } = await loaded([CLI, '--version']);
  expect(stdout).toMatch(/^\d+\.\d+\.\d+/);
  expect([...packages(modules)]).toEqual(['commander']);
  expect(modules.some((url) => url.endsWith('/dist/index.js'))).toBe(false);
});

test('aggregate on a local file loads its own command alone, and none of the packages it does not use', async () => {
  writeFileSync(join(dir, 'small.csv'), 'region,amount\nnorth,1\nsouth,2\nnorth,3\n');
  const { modules, stdout } = await loaded([CLI, 'aggregate', 'small.csv', '-g', 'region', '--sum', 'amount']);
  expect(stdout).toBe('region,sum_amount\nnorth,4\nsouth,2\n');
  const commands = modules.filter((url) => url.includes('/dist/cli/commands/')).map((url) => url.split('/').pop());
  expect(commands).toEqual(['aggregate.js']);
  const pkgs = packages(modules);
  expect(pkgs.has('commander')).toBe(true); // the log holds packages: the check below can fail
  for (const heavy of [
    'hyparquet-writer',
    'fast-xml-parser',
    'ini',
    'cli-progress',
    'string-width',
    'better-sqlite3',
    'cron-parser',
    'fastify',
    'bullmq',
    'ioredis',
    'pg',
  ])
    expect(pkgs.has(heavy), heavy).toBe(false);
});

test("import('chunkmill') loads no store driver, cron parser or object-store client", async () => {
  const { modules, stdout } = await loaded([
    '--input-type=module',
    '-e',
    `const m = await import(${JSON.stringify(INDEX)}); console.log(typeof m.processDataset);`,
  ]);
  expect(stdout).toBe('function\n');
  const pkgs = packages(modules);
  expect(pkgs.has('@sinclair/typebox')).toBe(true); // the job model validates every job
  for (const heavy of ['better-sqlite3', 'cron-parser', 'fast-xml-parser', 'ini', 'fastify', 'pg'])
    expect(pkgs.has(heavy), heavy).toBe(false);
});

test('a help or an error that names every command still has them all: -h before a command, an unknown command', async () => {
  const program = await runCli(['--help']);
  expect(program.stdout).toMatch(/^ {2}worker \[options\]/m);
  expect((await runCli(['-h', 'aggregate'])).stdout).toBe(program.stdout);
  expect((await runCli(['help', 'aggregate'])).stdout).toBe((await runCli(['aggregate', '--help'])).stdout);
  const unknown = await runCli(['statz', 'x.csv']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/^chunkmill: unknown command 'statz' \(Did you mean stats\?\) \[ERR_USAGE\]$/m);
});
