/**
 * What the bundles of dist/ (bundle-worker.mjs: a worker thread's entry; bundle-cli.mjs: the CLI
 * program) share: which modules stay imports of their dist/ files, and an esbuild plugin that
 * bundles the rest so that each module still finds what it found next to itself.
 *
 * - A module must exist once per thread where its state or its classes matter, and some of a
 *   thread's modules are loaded by URL, outside any bundle: the built-in task modules (the stats,
 *   select and group-measures modules, which a thread loads like any task module) and what they
 *   import. So every module they import, the modules that hold a thread's budget or tables
 *   (STATEFUL), the ones a user's task module gets from `import 'chunkmill'` and hands back
 *   (the task definitions, ChunkmillError), and in a worker thread's bundle the hot loops (HOT),
 *   with every module these import, stay imports of their dist/ files.
 * - Each module's `import.meta.url` becomes its own file's URL (rewritten relative to the bundle's
 *   folder), so what it finds next to itself (the scanner's .wasm, the worker entry, the built-in
 *   task modules it recognises by URL, package.json) is what the unbundled file finds.
 * - Packages and node: modules stay imports.
 */
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const dist = fileURLToPath(new URL('../dist/', import.meta.url));

/** The built-in task modules (kinds/builtin/index.ts names them by URL). */
const TASK_MODULES = ['kinds/builtin/stats.js', 'kinds/builtin/select.js', 'kinds/builtin/group-measures.js'];
/** Module-level state a thread keeps between chunks, whoever imports it. */
const STATEFUL = ['csv/fields.js', 'kinds/aggregate/memory-budget.js', 'kinds/builtin/stats-bytes.js'];
/** What a user's task module may get from the package and hand back to the engine. */
const HANDED_BACK = ['errors.js', 'api/tasks.js'];
/**
 * The hot loops' modules (the scanner, the aggregate sink, the block reader). Bundled, the same
 * code ran ~10% slower on a warm worker thread (in-process A/B, 1 worker, 200 MB group-by: 600 ->
 * 542 ms; cold threads 740 -> 710 ms; a CLI process level, 863 -> 863 ms). esbuild's rewrite of
 * their module constants to `var` explains ~2-3% of it (the same A/B with only those turned back
 * into `const`); the rest is V8's, on code it compiles the same either way.
 */
const HOT = [
  'csv/scanner.js',
  'csv/plain-run-wasm.js',
  'csv/plain-run.js',
  'csv/wasm-scan.js',
  'kinds/aggregate/sink.js',
  'input/read-range.js',
];

/**
 * Absolute paths of the modules that stay imports of their dist/ files (see above), closed under
 * import; `hot`: the hot loops too (for a worker thread's bundle: the CLI's main thread runs them
 * only to read a file's first record, where loading them as modules would cost it time).
 */
export async function sharedModules({ hot }) {
  const { metafile } = await build({
    entryPoints: [...TASK_MODULES, ...(hot ? HOT : [])].map((m) => resolve(dist, m)),
    bundle: true,
    write: false,
    outdir: resolve(dist, 'unused'),
    format: 'esm',
    platform: 'node',
    packages: 'external',
    metafile: true,
    logLevel: 'warning',
  });
  return new Set([
    ...Object.keys(metafile.inputs).map((p) => resolve(p)),
    ...[...STATEFUL, ...HANDED_BACK].map((m) => resolve(dist, m)),
  ]);
}

/**
 * The plugin: `shared` modules (and, with `dynamicExternal`, every dynamically imported one) stay
 * imports of their files, written relative to `outDir`; every bundled module's import.meta.url is
 * its own file's URL.
 */
export function asUnbundled({ outDir, shared, dynamicExternal }) {
  const fromBundle = (path) => {
    const rel = relative(outDir, path).split(sep).join('/');
    return rel.startsWith('.') ? rel : `./${rel}`;
  };
  return {
    name: 'as-unbundled',
    setup(b) {
      b.onResolve({ filter: /^\./ }, (args) => {
        const path = resolve(args.resolveDir, args.path);
        if (!(dynamicExternal && args.kind === 'dynamic-import') && !shared.has(path)) return undefined;
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
}
