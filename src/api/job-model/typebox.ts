/**
 * The job model's one runtime import of TypeBox (types are imported from the package itself).
 *
 * `npm run build` replaces this file's output with TypeBox's builder bundled into one file
 * (support/bundle-typebox.mjs): TypeBox's ES build is ~200 modules, which Node 20's ES module
 * loader took ~80 ms to load in every process that validates a job, a CLI command's included;
 * the one bundled file loads in ~4 ms. Compiled by tsc alone, it is this plain re-export, which
 * works the same, only slower to load.
 */
export { Type } from '@sinclair/typebox';
