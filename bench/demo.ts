/**
 * The README's first command: generate a seeded sales CSV (100 MB by default, or --size MB) in a
 * temp dir, then run the real `chunkmill` CLI on it as a person would: its progress bar on stderr,
 * its table on stdout (rounded for reading), its one-line summary. The file is deleted after.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generate } from '../support/generate.ts';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const { values } = parseArgs({ options: { size: { type: 'string', default: '100' }, workers: { type: 'string' } } });
if (!existsSync(CLI)) {
  process.stderr.write('demo: the CLI is not built yet: run `npm run build` (npm install does it too)\n');
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'chunkmill-demo-'));
const input = join(dir, 'sales.csv');
const total = Number(values.size) * 1e6;
const tty = process.stderr.isTTY === true;
try {
  // Generating takes a few seconds: say how far it is, on one line a terminal redraws.
  const say = (text: string, end = false) =>
    process.stderr.write(tty ? `\r${text}${end ? '\n' : ''}` : end ? `${text}\n` : '');
  const made = await generate(input, 'sales', {
    bytes: total,
    onProgress: (bytes) => say(`generating seeded sales data: ${(bytes / 1e6).toFixed(0)} of ${values.size} MB`),
  });
  say(`generated ${made.rows.toLocaleString('en-US')} rows, ${(made.bytes / 1e6).toFixed(0)} MB, in ${input}`, true);
  const args = [
    'aggregate',
    input,
    '--group-by',
    'region',
    '--count',
    '--sum',
    'amount',
    '--mean',
    'amount',
    '--max',
    'amount',
    '--sort',
    '-sum_amount',
    '--format',
    'table',
    ...(values.workers ? ['--workers', values.workers] : []),
  ];
  process.stderr.write(`\n$ chunkmill ${args.map((a) => (a === input ? 'sales.csv' : a)).join(' ')}\n`);
  const child = spawn(process.execPath, [CLI, ...args], { stdio: 'inherit' });
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  if (code !== 0) process.exitCode = code;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
