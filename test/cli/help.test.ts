/** `--help` on every command (with examples), and `--version`. */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const COMMANDS = ['aggregate', 'convert', 'stats', 'run'] as const;

test('--version prints the package version', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const r = await runCli(['--version']);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(version + '\n');
});

test('chunkmill --help lists every command, with examples and the exit statuses', async () => {
  const r = await runCli(['--help']);
  expect(r.code).toBe(0);
  for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c} \\[options\\] \\[files\\.\\.\\.\\]`, 'm'));
  expect(r.stdout).toMatch(/^Examples:$/m);
  expect(r.stdout).toMatch(/130 interrupted/);
});

test.each(COMMANDS)('chunkmill %s --help: usage, the common options and examples of that command', async (command) => {
  const r = await runCli([command, '--help']);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(new RegExp(`^Usage: chunkmill ${command} \\[options\\] \\[files\\.\\.\\.\\]`));
  for (const option of [
    '--workers',
    '--chunk-size',
    '--delimiter',
    '--quote',
    '--no-header',
    '--output',
    '--quiet',
    '--progress',
  ]) {
    expect(r.stdout).toContain(option);
  }
  const examples = r.stdout.split(/^Examples:$/m)[1] ?? '';
  expect(examples).toMatch(new RegExp(`^  chunkmill ${command} `, 'm'));
});

test('help is also reachable as `chunkmill help <command>`', async () => {
  const r = await runCli(['help', 'stats']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^Usage: chunkmill stats/);
});

/** The long option names a command's --help lists. */
async function optionsOf(command: string): Promise<Set<string>> {
  const r = await runCli([command, '--help']);
  const options = r.stdout.split(/^Examples:$/m)[0]!;
  return new Set([...options.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!));
}

test.each([
  [
    'aggregate',
    ['--where', '--sort', '--limit', '--types', '--format', '--checkpoint', '--distinct', '--median', '--p90'],
    ['--retry-task-errors', '--to', '--pretty'],
  ],
  [
    'stats',
    ['--where', '--sort', '--limit', '--format', '--checkpoint', '--distinct-limit'],
    ['--types', '--retry-task-errors', '--to'],
  ],
  [
    'convert',
    ['--where', '--to', '--select', '--types', '--on-bad-number'],
    ['--checkpoint', '--format', '--sort', '--limit', '--retry-task-errors'],
  ],
  [
    'run',
    ['--where', '--task', '--params', '--retry-task-errors', '--checkpoint'],
    ['--format', '--sort', '--types', '--to'],
  ],
])('%s --help lists only the options that apply to it', { timeout: 15_000 }, async (command, has, lacks) => {
  const options = await optionsOf(command);
  for (const o of has) expect(options, o).toContain(o);
  for (const o of lacks) expect(options, o).not.toContain(o);
});

test('--on-bad-number says what it applies to in each command', async () => {
  const convert = await runCli(['convert', '--help']);
  expect(convert.stdout.replace(/\s+/g, ' ')).toMatch(
    /--on-bad-number <policy> a value that is not a number in a --where comparison with a number: fail, or treat it as empty/,
  );
});
