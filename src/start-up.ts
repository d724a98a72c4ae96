/**
 * The CLI's start-up entry: what main() uses before a command's module (and with it the engine)
 * is loaded. Kept apart from the internal entry, which loads most of the engine. Not in
 * package.json's exports. Re-exports only.
 */
export { startPoolEarly } from './exec/job-pools.js';
