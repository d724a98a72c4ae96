// Runs a bench TypeScript module in a fresh Node process with tsx registered for *this thread
// only*: `node bench/boot.mjs bench/child.ts ARGS...`.
//
// Why not `tsx bench/child.ts`: the tsx CLI runs the script in a second process and passes its
// loader in execArgv. The engine drops loader flags from its workers' execArgv (they cost each
// worker ~0.2 s), but registering here also keeps the measured process the only process, so its
// peak RSS is the configuration's own.
import { register } from 'tsx/esm/api';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

register();
const [node, , script, ...rest] = process.argv;
if (script === undefined) {
  console.error('usage: node bench/boot.mjs <module.ts> [args...]');
  process.exit(2);
}
const path = resolve(script);
process.argv = [node, path, ...rest];
await import(pathToFileURL(path).href);
