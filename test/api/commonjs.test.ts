/**
 * chunkmill from a real CommonJS project (a package without "type": "module", chunkmill linked
 * into its node_modules as an install would put it): require() gives the library, the server and
 * the experimental entry (dist/cjs/, support/build-cjs.mjs); a job on real threads gives the ES
 * build's answer; a ChunkmillError is one to the CommonJS caller, also one of the ES build (an app
 * may load both); the durable queue and an engine work; and TypeScript with `module: node16`
 * in that package type-checks against the published declarations, strict, with
 * exactOptionalPropertyTypes and without skipLibCheck (no dependency's types leak into them).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, expect, test } from 'vitest';
import { count, processSerial, sum } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { tempDir } from '../helpers/tmp.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tmp = tempDir('chunkmill-cjs-');
const app = join(tmp.dir, 'app');
const aggregate = { groupBy: ['region'], measures: { n: count(), revenue: sum('amount') } };

beforeAll(async () => {
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  symlinkSync(ROOT, join(app, 'node_modules', 'chunkmill'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'cjs-app', private: true }));
  await generate(join(app, 'sales.csv'), 'sales', { rows: 20_000, seed: 3 });
});

/** Runs a CommonJS script in the project; its stdout, one JSON value per line. */
async function node(name: string, source: string): Promise<unknown[]> {
  writeFileSync(join(app, name), source);
  const { stdout } = await run(process.execPath, [name], { cwd: app });
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
}

test('require("chunkmill"): a job on worker threads gives the ES build answer; errors are ChunkmillErrors', async () => {
  const out = await node(
    'job.js',
    `'use strict';
const { processDataset, count, sum, ChunkmillError } = require('chunkmill');
const print = (v) => console.log(JSON.stringify(v));
(async () => {
  const aggregate = { groupBy: ['region'], measures: { n: count(), revenue: sum('amount') } };
  const { rows, stats } = await processDataset({ input: 'sales.csv', aggregate, workers: 2, chunkSize: 64 << 10 }).result;
  print({ rows, chunks: stats.chunks });
  const failing = [
    { input: 'missing.csv', aggregate },
    { input: 'sales.csv', aggregate: { groupBy: ['regoin'], measures: { n: count() } } },
    // Thrown inside the built-in group-by, an ES module run by the worker threads.
    { input: 'sales.csv', aggregate: { groupBy: ['order_id'], measures: { n: count() } }, memoryBudget: 1 << 20, workers: 2 },
  ];
  for (const spec of failing) {
    try {
      await processDataset(spec).result;
      print('no error');
    } catch (e) {
      print({ isChunkmillError: e instanceof ChunkmillError, code: e.code });
    }
  }
  // An app that also loads the ES build (through an ES module dependency): the two builds' errors
  // are each other's ChunkmillErrors.
  const esm = await import('chunkmill');
  const fromEsm = new esm.ChunkmillError({ code: 'ERR_INVALID_OPTION', message: 'x' });
  const fromCjs = new ChunkmillError({ code: 'ERR_INVALID_OPTION', message: 'x' });
  print({ twoBuilds: esm.ChunkmillError !== ChunkmillError, esmIsCjs: fromEsm instanceof ChunkmillError, cjsIsEsm: fromCjs instanceof esm.ChunkmillError, plainIsNot: new Error('x') instanceof ChunkmillError });
})();
`,
  );
  const serial = await processSerial({ input: join(app, 'sales.csv'), aggregate });
  expect(out[0]).toMatchObject({ rows: serial.rows });
  expect((out[0] as { chunks: number }).chunks).toBeGreaterThan(4); // on several chunks, not one
  expect(out.slice(1)).toEqual([
    { isChunkmillError: true, code: 'ERR_FILE_NOT_FOUND' },
    { isChunkmillError: true, code: 'ERR_UNKNOWN_COLUMN' },
    { isChunkmillError: true, code: 'ERR_MEMORY_BUDGET' },
    { twoBuilds: true, esmIsCjs: true, cjsIsEsm: true, plainIsNot: false },
  ]);
});

test('require("chunkmill") runs the durable queue on a warm engine; the server and experimental entries load', async () => {
  const out = await node(
    'queue.js',
    `'use strict';
const { openQueue, createEngine, count } = require('chunkmill');
const { startServer, chunkmillPlugin, chunkmillMiddleware } = require('chunkmill/server');
const experimental = require('chunkmill/experimental'); // types only: an empty module
(async () => {
  const queue = openQueue('jobs.db');
  const engine = await createEngine({ store: 'jobs.db', workers: 2 });
  const job = await queue.add({ input: 'sales.csv', aggregate: { measures: { n: count() } } });
  let state = '';
  for await (const e of queue.watch(job.id)) if (e.type === 'state') state = e.data.state;
  const result = await queue.result(job.id);
  await engine.close();
  await queue.close();
  console.log(JSON.stringify({ state, rows: result.rows, startServer: typeof startServer, experimental: typeof experimental, embed: [typeof chunkmillPlugin, typeof chunkmillMiddleware] }));
})();
`,
  );
  expect(out).toEqual([
    {
      state: 'succeeded',
      rows: [{ n: 20_000 }],
      startServer: 'function',
      experimental: 'object',
      embed: ['function', 'function'],
    },
  ]);
});

test('TypeScript, module node16, in the CommonJS project: strict, exactOptionalPropertyTypes, no skipLibCheck', {
  timeout: 120_000,
}, async () => {
  writeFileSync(
    join(app, 'app.ts'),
    `import { processDataset, count, sum, ChunkmillError, openQueue, type Job } from 'chunkmill';
import { startServer, chunkmillPlugin, chunkmillMiddleware, type ChunkmillMiddleware } from 'chunkmill/server';
import type { Executor } from 'chunkmill/experimental';

export async function byRegion(input: string): Promise<number> {
  const job: Job<unknown> = processDataset({ input, workers: 2, aggregate: { groupBy: ['region'], measures: { n: count(), revenue: sum('amount') } } });
  const { rows } = (await job.result) as { rows: unknown[] };
  return rows.length;
}
export const error: Error = new ChunkmillError({ code: 'ERR_INVALID_OPTION', message: 'x' });
export const open: typeof openQueue = openQueue;
export const serve: typeof startServer = startServer;
export const plugin: typeof chunkmillPlugin = chunkmillPlugin;
export const middleware: ChunkmillMiddleware = chunkmillMiddleware({ store: 'jobs.db', dataDir: '.', memoryBudget: 64 << 20, retention: 86_400_000 });
export type SomeExecutor = Executor;
`,
  );
  const tsconfig = {
    compilerOptions: {
      module: 'node16',
      moduleResolution: 'node16',
      target: 'es2022',
      strict: true,
      exactOptionalPropertyTypes: true,
      skipLibCheck: false,
      noEmit: true,
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules/@types')],
    },
    files: ['app.ts'],
  };
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig));
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const checked = await run(process.execPath, [tsc, '-p', app]).catch((e: { stdout: string }) => e);
  expect(checked.stdout).toBe(''); // tsc prints its errors on stdout
});
