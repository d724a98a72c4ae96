/**
 * Bundles the CLI program (dist/cli/program.js and the ~240 modules a command loads) into
 * dist/cli/bundle/, which dist/cli/main.js starts when it is there. Why: Node 20's ES module
 * loader spends ~0.5 ms on each module, and a command's main thread loaded them all before it
 * planned its job: `chunkmill aggregate` on 1 MB took 0.40 s, from the bundle 0.31 s; on 200 MB
 * 0.76 -> 0.61 s (medians of 7, interleaved, this 2-core machine).
 *
 * Code splitting keeps what main.ts does lazily lazy: each command's module, the server, the
 * cluster and the object-store client are chunks loaded on first use, and a module is in one
 * chunk only, so state that must be one per process (the early pool, the broken-pipe signal)
 * stays one. What stays an import of dist/ files, and why, is bundle-dist.mjs's. The bundle is
 * made from tsc's output on every build (never from itself); run after tsc.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { asUnbundled, dist, sharedModules } from './bundle-dist.mjs';

const outDir = resolve(dist, 'cli/bundle');
const { outputFiles } = await build({
  entryPoints: { program: resolve(dist, 'cli/program.js') },
  bundle: true,
  splitting: true,
  write: false,
  outdir: outDir,
  chunkNames: '[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Two modules' classes or functions of one name would be renamed apart; their .name stays.
  keepNames: true,
  packages: 'external',
  plugins: [asUnbundled({ outDir, shared: await sharedModules({ hot: false }), dynamicExternal: false })],
  logLevel: 'warning',
});
if (!outputFiles?.some((f) => f.path === resolve(outDir, 'program.js')))
  throw new Error('bundle-cli: esbuild produced no program.js');
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
for (const file of outputFiles)
  writeFileSync(file.path, `// Bundled by support/bundle-cli.mjs from dist/.\n${file.text}`);
