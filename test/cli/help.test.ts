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
  for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c} \\[options\\] \\[file\\]`, 'm'));
  expect(r.stdout).toMatch(/^Examples:$/m);
  expect(r.stdout).toMatch(/130 interrupted/);
});

test.each(COMMANDS)('chunkmill %s --help: usage, the common options and examples of that command', async (command) => {
  const r = await runCli([command, '--help']);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(new RegExp(`^Usage: chunkmill ${command} \\[options\\] \\[file\\]`));
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
