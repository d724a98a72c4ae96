/**
 * The worker threads start the one-file bundle of the worker's entry that `npm run build` makes
 * (support/bundle-worker.mjs), and what its modules find next to themselves is what they find
 * unbundled: every module URL in it names a file of dist/, and the scanner's .wasm is beside the
 * module that loads it (a wrong URL would not fail a job: the scanner falls back to JavaScript);
 * a module with per-thread state stays one module (test/kinds/stats-bytes.test.ts and the CLI's
 * --decimal tests fail when the bundle holds a copy of csv/fields.js), and so do the hot loops.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { WORKER_FILE } from '../../dist/exec/piscina-executor.js';
import { processDataset, sum } from '../../dist/index.js';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir('chunkmill-worker-bundle-');

const BUNDLE = new URL('../../dist/worker/entry.bundle.js', import.meta.url);

test('Piscina starts the bundle, whose module URLs all name files of dist/', () => {
  expect(WORKER_FILE).toBe(BUNDLE.href);
  const code = readFileSync(BUNDLE, 'utf8');
  const urls = [...code.matchAll(/new URL\("([^"]+)", import\.meta\.url\)/g)].map((m) => new URL(m[1]!, BUNDLE));
  // The module that knows the built-in task modules by their URLs next to it.
  expect(urls.map((u) => u.pathname)).toContain(new URL('../../dist/kinds/user/sinks.js', import.meta.url).pathname);
  for (const url of urls) expect(existsSync(fileURLToPath(url)), url.href).toBe(true);
  // The scanner's module loads its .wasm from beside itself: a module of dist/, next to it.
  expect(code).toContain('from "../csv/wasm-scan.js"');
  expect(existsSync(new URL('../../dist/csv/scan.wasm', import.meta.url))).toBe(true);
  // A module whose state a job sets (the decimal separator) is one per thread: the bundle imports
  // it, as the built-in stats module does, instead of holding a second copy of it.
  expect(code).toContain('from "../csv/fields.js"');
  expect(code).not.toMatch(/^\/\/ dist\/csv\/fields\.js$/m);
  // So are the hot loops (support/bundle-dist.mjs, HOT: bundled, they ran slower on warm threads).
  for (const hot of ['csv/scanner.js', 'csv/plain-run-wasm.js', 'kinds/aggregate/sink.js', 'input/read-range.js'])
    expect(code).not.toMatch(new RegExp(`^// dist/${hot.replaceAll('.', '\\.')}$`, 'm'));
  expect(code).toContain('from "../csv/scanner.js"');
  expect(code).toMatch(/^\/\/ dist\/input\/parse-records\.js$/m); // the rest is inlined, each after its path
  // The modules loaded on first use stay imports of dist/ files.
  for (const [, path] of code.matchAll(/await import\("(\.[^"]+)"\)/g))
    expect(existsSync(new URL(path!, BUNDLE)), path).toBe(true);
});

test('a job on worker threads started from the bundle gives the serial answer', async () => {
  const path = tmp.file('kv.csv', `k,v\n${Array.from({ length: 3000 }, (_, i) => `${i % 7},${i}`).join('\n')}\n`);
  const options = { input: path, aggregate: { groupBy: ['k'], measures: { s: sum('v') } }, chunkSize: 4096 };
  const serial = await processDataset({ ...options, workers: 1, chunkSize: 1 << 20 }).result;
  const parallel = await processDataset({ ...options, workers: 2 }).result;
  expect(parallel.stats.chunks).toBeGreaterThan(4);
  expect(parallel.rows).toEqual(serial.rows);
});
