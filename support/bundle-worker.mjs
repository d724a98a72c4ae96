/**
 * Bundles the worker thread's entry (dist/worker/entry.js and the ~80 modules it imports) into one
 * file, dist/worker/entry.bundle.js, which Piscina starts (exec/piscina-executor.ts, WORKER_FILE).
 * Why: every worker thread of every job loads this graph before its first chunk, and Node 20's ES
 * module loader spends ~0.3 ms on each module: importing the entry took 46 ms in a fresh thread,
 * the bundle 24 ms (6 runs each, quiet, this machine). That is most of a 1-worker job's fixed cost
 * beside the thread's start and warm-up.
 *
 * What stays as it was:
 * - A module must exist once per thread where its state matters: the decimal separator a job sets
 *   (csv/fields.js) must be the one the built-in stats module reads. So every module that a
 *   built-in task module imports (SHARED: the stats, select and group-measures modules, which a
 *   thread loads by URL like any task module) stays an import of its dist/ file, as do the modules
 *   that hold a thread's budget or tables (STATEFUL); only the rest is bundled.
 * - Each module's `import.meta.url` becomes its own file's URL (rewritten relative to the bundle),
 *   so what it finds next to itself (the scanner's .wasm, the built-in task modules it recognises
 *   by URL) is what the unbundled file finds.
 * - Packages and node: modules stay imports; so do the modules imported on first use (the object
 *   store client): they load from dist/ when a job needs them, as before.
 * - The bundle is made from tsc's output on every build (never from itself); a build without this
 *   step (tsc alone) leaves no bundle, and Piscina starts dist/worker/entry.js as before.
 * Run after tsc and before build-cjs.mjs.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const entry = resolve(dist, 'worker/entry.js');
const out = resolve(dist, 'worker/entry.bundle.js');
const fromBundle = (path) => {
  const rel = relative(dirname(out), path).split(sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
};

/** The built-in task modules (kinds/builtin/index.ts names them by URL) and every module they import. */
const TASK_MODULES = ['kinds/builtin/stats.js', 'kinds/builtin/select.js', 'kinds/builtin/group-measures.js'];
const { metafile } = await build({
  entryPoints: TASK_MODULES.map((m) => resolve(dist, m)),
  bundle: true,
  write: false,
  outdir: resolve(dist, 'unused'),
  format: 'esm',
  platform: 'node',
  packages: 'external',
  metafile: true,
  logLevel: 'warning',
});
/** Module-level state a thread keeps between chunks, whoever imports it. */
const STATEFUL = ['csv/fields.js', 'kinds/aggregate/memory-budget.js', 'kinds/builtin/stats-bytes.js'];
const SHARED = new Set([
  ...Object.keys(metafile.inputs).map((p) => resolve(p)),
  ...STATEFUL.map((m) => resolve(dist, m)),
]);

/**
 * Each dist module's import.meta.url as its own file's; dynamic imports of dist modules, and the
 * SHARED ones, left as imports of their files.
 */
const asUnbundled = {
  name: 'as-unbundled',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      const path = resolve(args.resolveDir, args.path);
      if (args.kind !== 'dynamic-import' && !SHARED.has(path)) return undefined;
      return { path: fromBundle(path), external: true };
    });
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(dist)) return undefined;
      const source = await readFile(args.path, 'utf8');
      const url = `new URL(${JSON.stringify(fromBundle(args.path))}, import.meta.url).href`;
      return { contents: source.replaceAll('import.meta.url', url), loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

const { outputFiles } = await build({
  entryPoints: [entry],
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  plugins: [asUnbundled],
  logLevel: 'warning',
});
const code = outputFiles?.[0]?.text;
if (!code?.includes('export {')) throw new Error('bundle-worker: esbuild produced no module');
await writeFile(out, `// dist/worker/entry.js and what it imports, bundled by support/bundle-worker.mjs.\n${code}`);
