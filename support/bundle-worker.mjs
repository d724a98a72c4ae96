/**
 * Bundles the worker thread's entry (dist/worker/entry.js and the ~80 modules it imports) into one
 * file, dist/worker/entry.bundle.js, which Piscina starts (exec/piscina-executor.ts, WORKER_FILE).
 * Why: every worker thread of every job loads this graph before its first chunk, and Node 20's ES
 * module loader spends ~0.3 ms on each module: importing the entry took 46 ms in a fresh thread,
 * the bundle 24 ms (6 runs each, quiet, this machine). That is most of a 1-worker job's fixed cost
 * beside the thread's start and warm-up.
 *
 * What stays as it was (bundle-dist.mjs): a module whose state matters exists once per thread (the
 * decimal separator a job sets in csv/fields.js is the one the built-in stats module reads), each
 * module finds what is next to its own file, packages stay imports; so do the modules imported on
 * first use (the object store client): they load from dist/ when a job needs them, as before.
 * The bundle is made from tsc's output on every build (never from itself); a build without this
 * step (tsc alone) leaves no bundle, and Piscina starts dist/worker/entry.js as before.
 * Run after tsc and before build-cjs.mjs.
 */
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { build } from 'esbuild';
import { asUnbundled, dist, sharedModules } from './bundle-dist.mjs';

const entry = resolve(dist, 'worker/entry.js');
const out = resolve(dist, 'worker/entry.bundle.js');

const { outputFiles } = await build({
  entryPoints: [entry],
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // Modules imported on first use (the object store client) load from dist/ when a job needs them.
  plugins: [asUnbundled({ outDir: dirname(out), shared: await sharedModules({ hot: true }), dynamicExternal: true })],
  logLevel: 'warning',
});
const code = outputFiles?.[0]?.text;
if (!code?.includes('export {')) throw new Error('bundle-worker: esbuild produced no module');
await writeFile(out, `// dist/worker/entry.js and what it imports, bundled by support/bundle-worker.mjs.\n${code}`);
