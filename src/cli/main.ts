#!/usr/bin/env node
/**
 * The `chunkmill` command: runs the CLI program (program.ts) from its bundle, dist/cli/bundle/,
 * which `npm run build` makes of program.js and the modules it imports (support/bundle-cli.mjs),
 * or from program.js itself where there is no bundle (a build by tsc alone).
 *
 * Why a bundle: Node 20's ES module loader spends ~0.5 ms on each module it resolves, reads,
 * compiles and links, and a command loaded ~240 of them before it read a byte: ~0.15 s on the
 * main thread of every run, on the critical path of every job (the worker threads wait for the
 * plan). The bundle loads the same code as a few files.
 */
import { existsSync } from 'node:fs';

const bundle = new URL('./bundle/program.js', import.meta.url);
await import(existsSync(bundle) ? bundle.href : './program.js');
