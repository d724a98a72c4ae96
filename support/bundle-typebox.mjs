/**
 * Replaces dist/api/job-model/typebox.js (tsc's plain `export { Type } from '@sinclair/typebox'`)
 * with TypeBox's builder bundled into that one file by esbuild. Why: TypeBox's ES build is ~200
 * modules, and Node 20's ES module loader spends ~0.4 ms on each (resolve, read, compile, link):
 * ~80 ms in every process that validates a job, before it reads a byte, the CLI's included. The
 * bundle loads in ~4 ms. It is the package's own code at the version the lockfile installs; only
 * the file layout changes. Run after tsc and before build-cjs.mjs (which makes its CommonJS twin).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const target = fileURLToPath(new URL('../dist/api/job-model/typebox.js', import.meta.url));

const { outputFiles } = await build({
  stdin: { contents: "export { Type } from '@sinclair/typebox';", resolveDir: root, sourcefile: 'typebox.ts' },
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  legalComments: 'inline',
  logLevel: 'warning',
});
const code = outputFiles?.[0]?.text;
if (!code?.includes('export {')) throw new Error('bundle-typebox: esbuild produced no module');
writeFileSync(
  target,
  `// TypeBox's builder, bundled into one file by support/bundle-typebox.mjs (see src/api/job-model/typebox.ts).\n${code}`,
);
