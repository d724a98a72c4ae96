// Module hooks for module-log.mjs: each ES module (or CommonJS package imported from one) loaded
// is appended, as its URL, to the file named by CHUNKMILL_MODULE_LOG.
import { appendFileSync } from 'node:fs';

export async function load(url, context, nextLoad) {
  appendFileSync(process.env.CHUNKMILL_MODULE_LOG, `${url}\n`);
  return nextLoad(url, context);
}
