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
/**
 * The URLs of the modules `node --import module-log.mjs ...args` loaded (and `thread:worker` where
 * it made a thread), and its stdout; `fails`: the process must exit with an error.
 */
async function loaded(args: string[], fails = false): Promise<{ modules: string[]; stdout: string }> {
  const log = join(dir, `modules-${++runs}.txt`);
  writeFileSync(log, '');
  const run = promisify(execFile)(process.execPath, ['--import', HOOK, ...args], {
    env: cliEnv({ CHUNKMILL_MODULE_LOG: log }),
    cwd: dir,
  });
  const { stdout } = fails
    ? await run.then(
        () => expect.fail(`${args.join(' ')} succeeded`),
        (e: { stdout: string }) => e,
      )
    : await run;
  return { modules: readFileSync(log, 'utf8').split('\n').filter(Boolean), stdout };
}

const COMMANDS = ['aggregate', 'convert', 'stats', 'run', 'submit', 'jobs', 'engine', 'serve', 'worker'];
/** The commands whose chunk of the CLI's bundle was loaded (dist/cli/bundle/<command>-<hash>.js). */
const commandChunks = (modules: string[]) =>
  modules.flatMap((url) => {
    const name = /\/dist\/cli\/bundle\/([a-z-]+)-[A-Z0-9]+\.js$/.exec(url)?.[1];
    return name !== undefined && COMMANDS.includes(name) ? [name] : [];
  });

const packages = (modules: string[]) =>
  new Set(modules.flatMap((url) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []));

test('--version loads no command, no engine and no package beyond commander', async () => {
  const { modules, stdout } = await loaded([CLI, '--version']);
  expect(stdout).toMatch(/^\d+\.\d+\.\d+/);
  expect([...packages(modules)]).toEqual(['commander']);
  expect(modules.some((url) => url.endsWith('/dist/index.js'))).toBe(false);
  expect(commandChunks(modules)).toEqual([]);
});

test('aggregate on a local file loads its own command alone, and none of the packages it does not use', async () => {
  writeFileSync(join(dir, 'small.csv'), 'region,amount\nnorth,1\nsouth,2\nnorth,3\n');
  const { modules, stdout } = await loaded([CLI, 'aggregate', 'small.csv', '-g', 'region', '--sum', 'amount']);
  expect(stdout).toBe('region,sum_amount\nnorth,4\nsouth,2\n');
  // The program runs from its bundle (support/bundle-cli.mjs), each command a chunk of its own.
  expect(modules.some((url) => url.endsWith('/dist/cli/bundle/program.js'))).toBe(true);
  expect(modules.some((url) => url.endsWith('/dist/cli/program.js'))).toBe(false);
  expect(commandChunks(modules)).toEqual(['aggregate']);
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

test("a command's worker threads start before the engine loads, and its job runs on them", async () => {
  // 5 chunks for 2 workers, then a file of one chunk (main starts the 1 thread its job can use:
  // early-pool.ts sizes the file), then -w 1.
  writeFileSync(join(dir, 'five.csv'), `k,v\n${'a,1\nb,2\n'.repeat(400)}`);
  const cases: [string[], number][] = [
    [['-w', '2', '--chunk-size', '1KiB'], 2],
    [['--workers=2'], 1],
    [['-w1', '--chunk-size', '1KiB'], 1],
  ];
  for (const [flags, threads] of cases) {
    const { modules, stdout } = await loaded([CLI, 'aggregate', 'five.csv', '-g', 'k', '--sum', 'v', ...flags]);
    expect(stdout, flags.join(' ')).toBe('k,sum_v\na,400\nb,800\n');
    // Node announces a new thread on the next tick: the command's module may be asked for first.
    // The engine is in the command's chunk and the chunks it imports, all loaded after it.
    const engine = modules.findIndex((url) => commandChunks([url]).length > 0);
    expect(engine, flags.join(' ')).toBeGreaterThan(0);
    // From main.js on: register() in the log's own hook starts a thread of its own before it.
    const main = modules.findIndex((url) => url.endsWith('/dist/cli/main.js'));
    const started = modules.flatMap((line, i) => (line === 'thread:worker' && i > main ? [i] : []));
    // No second pool: every thread the process made was made before the engine was loaded. The
    // hooks thread logs modules as they resolve, the main thread logs a thread a tick after its
    // start: on a busy machine a thread's line came one after the command's (CI, 4 files at a
    // time). Two lines of slack; the engine's chunks and packages are dozens after it.
    expect(started, flags.join(' ')).toHaveLength(threads);
    expect(Math.max(...started), flags.join(' ')).toBeLessThanOrEqual(engine + 2);
    expect(modules.length - engine, flags.join(' ')).toBeGreaterThan(12);
  }
  // On a cluster the threads are elsewhere: none start here (the job fails: no Redis there).
  const cluster = await loaded([CLI, 'aggregate', 'five.csv', '-g', 'k', '--cluster', 'redis://127.0.0.1:1'], true);
  const main = cluster.modules.findIndex((url) => url.endsWith('/dist/cli/main.js'));
  expect(main).toBeGreaterThanOrEqual(0);
  expect(cluster.modules.slice(main).filter((line) => line === 'thread:worker')).toEqual([]);
});

test("import('chunkmill') loads no store driver, cron parser or object-store client", async () => {
  const { modules, stdout } = await loaded([
    '--input-type=module',
    '-e',
    `const m = await import(${JSON.stringify(INDEX)}); console.log(typeof m.processDataset);`,
  ]);
  expect(stdout).toBe('function\n');
  const pkgs = packages(modules);
  expect(pkgs.has('piscina')).toBe(true); // the log holds packages: the checks below can fail
  // The job model validates every job with TypeBox, built into one file (support/bundle-typebox.mjs)
  // instead of the package's ~200 modules.
  expect(pkgs.has('@sinclair/typebox')).toBe(false);
  expect(modules.filter((url) => url.endsWith('/dist/api/job-model/typebox.js'))).toHaveLength(1);
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
