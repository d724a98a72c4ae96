/**
 * The install the README gives for a clone: `npm install -g .` puts a `chunkmill` command on the
 * PATH that works from any directory. Into a temporary prefix (npm_config_prefix), so the
 * machine's global packages are not touched; the package is linked, not copied, so this checks
 * the bin entry, its shebang and mode, and that it finds its own files through the link.
 * `--ignore-scripts`: its `prepare` would rebuild dist/ in place, under the feet of every other
 * test file that loads it, and the build is not what this checks (npm test has just run it).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { CLI_FIXTURES, cliEnv } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tmp = tempDir('chunkmill-install-');

test('npm install -g . from the clone gives a working chunkmill command', { timeout: 120_000 }, async () => {
  const env = cliEnv({ npm_config_prefix: tmp.dir });
  await run('npm', ['install', '-g', '.', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: ROOT, env });
  const bin = `${tmp.dir}/bin/chunkmill`;
  const version = await run(bin, ['--version'], { cwd: tmp.dir, env });
  const { version: expected } = (await import('../../package.json', { with: { type: 'json' } })).default;
  expect(version.stdout).toBe(`${expected}\n`);
  const counted = await run(bin, ['aggregate', CLI_FIXTURES + 'sales.csv', '--count'], { cwd: tmp.dir, env });
  expect(counted.stdout).toBe('count\n7\n');
});
