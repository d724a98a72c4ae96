/**
 * `npm run demo` (bench/demo.ts) on 2 MB: it says how far generation got, then shows the real
 * command and its table (rounded), as the CLI prints it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { cliEnv } from '../helpers/cli.ts';

const DEMO = fileURLToPath(new URL('../../bench/demo.ts', import.meta.url));

test('the demo runs the CLI: the command line, then a compact table with rounded figures', {
  timeout: 60_000,
}, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', DEMO, '--size', '2'], { env: cliEnv() });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code, stderr).toBe(0);
  expect(stderr).toMatch(/^generated [\d,]+ rows, 2 MB, in .*sales\.csv$/m);
  expect(stderr).toMatch(/^\$ chunkmill aggregate sales\.csv --group-by region --count --sum amount/m);
  const lines = stdout.trimEnd().split('\n');
  expect(lines[1]).toMatch(/^│ region +│ +count │ +sum_amount │ +mean_amount │ +max_amount │$/);
  expect(lines).toHaveLength(8 + 4); // eight regions, no rule between rows
  for (const row of lines.slice(3, -1))
    expect(row).toMatch(/│ +\d+ │ +\d+(\.\d{1,2})? │ +\d+(\.\d{1,2})? │ +\d+(\.\d{1,2})? │$/);
});
