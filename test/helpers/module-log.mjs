// `node --import ./module-log.mjs ...`: logs every module the process loads (module-log-hooks.mjs),
// and a `thread:worker` line when the process creates a worker thread, in the order they happen.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';

register(new URL('./module-log-hooks.mjs', import.meta.url));
process.on('worker', () => appendFileSync(process.env.CHUNKMILL_MODULE_LOG, 'thread:worker\n'));
