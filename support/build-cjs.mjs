/**
 * The CommonJS build (`require('chunkmill')`, issue #22): dist/cjs/ mirrors dist/ (the library and
 * the server; not the CLI, which is an ES module program of its own), each ES module of dist/
 * converted to a CommonJS file by esbuild, file by file (no bundling: the module graph, its
 * dynamic imports and its file names stay as they are), with its declarations beside it. Node 20
 * before 20.19 cannot require() an ES module, and TypeScript's `module: node16` in a CommonJS
 * package wants declarations in a CommonJS folder: dist/cjs/package.json says it is one.
 *
 * `import.meta.url` has no CommonJS twin: each file gets the URL of its ES module twin in dist/,
 * so what the code finds relative to itself is what the ES build finds (package.json, the
 * dashboard, the worker entry, the built-in task modules: worker threads and task modules stay ES
 * modules, which CommonJS code loads with import()). ChunkmillError's instanceof works across the
 * twins (errors.ts). Run after tsc: `node support/build-cjs.mjs`.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const out = join(dist, 'cjs');
/** Not in the CommonJS build: the CLI (an ES module program with a top-level await), the dashboard's static files, and itself. */
const SKIP = new Set(['cli', 'dashboard', 'cjs']);

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (dir !== dist || !SKIP.has(entry.name)) yield* files(join(dir, entry.name));
    } else if (/\.js$|\.d\.ts$/.test(entry.name)) yield join(dir, entry.name);
  }
}

rmSync(out, { recursive: true, force: true });
let converted = 0;
for (const file of files(dist)) {
  const target = join(out, relative(dist, file));
  mkdirSync(dirname(target), { recursive: true });
  // The worker's bundle (bundle-worker.mjs) is started as an ES module from either build.
  if (file.endsWith('.bundle.js')) continue;
  if (file.endsWith('.d.ts')) {
    copyFileSync(file, target);
    continue;
  }
  const twin = relative(dirname(target), file).split(sep).join('/');
  const { code } = transformSync(readFileSync(file, 'utf8'), {
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcefile: file,
    define: { 'import.meta.url': '__chunkmillModuleUrl' },
    banner: `const __chunkmillModuleUrl = require("node:url").pathToFileURL(require("node:path").join(__dirname, ${JSON.stringify(twin)})).href;`,
  });
  writeFileSync(target, code);
  converted++;
}
writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
if (converted === 0) throw new Error(`build-cjs: no .js file under ${dist}: run tsc first`);
